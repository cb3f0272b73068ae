"""Approvals API (DESIGN §7, issue 4 item 8): the policy, the inbox, decisions and delegations.

Views parse input, call one service or selector and render. Decisions go through
orders.services (order_approve / order_reject), so the API answers with the same rules and
error codes as the order transition endpoint.
"""

from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ConcurrentModification, NotFound, ValidationFailed
from core.roles import Role, has_role
from orders.approval_hooks import DEFAULT_CHAIN
from orders.selectors import order_get, order_list
from orders.services import order_approve, order_reject

from ..enums import Decision
from ..models import ApprovalDecision, Delegation
from ..selectors import approval_inbox, decisions_by, delegation_list
from ..services import delegation_create, delegation_revoke, policy_get_active
from . import serializers as s

ERRORS = {
    400: OpenApiResponse(
        description=gettext_lazy("validation_error: extra.fields names each field")
    ),
    401: OpenApiResponse(description=gettext_lazy("Not signed in")),
    403: OpenApiResponse(description=gettext_lazy("permission_denied")),
    404: OpenApiResponse(
        description=gettext_lazy("not_found, also for orders the user may not see")
    ),
}
DECISION_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(
        description=gettext_lazy(
            "invalid_transition or concurrent_modification: the order is no longer at the "
            "step the caller decided (someone else decided it first)"
        )
    ),
}
READ_ERRORS = {k: v for k, v in ERRORS.items() if k in (400, 401)}


def _parse(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ApprovalPolicyApi(APIView):
    """The active approval policy: its steps in order, with their thresholds and order types.
    A policy change applies to orders submitted afterwards."""

    @extend_schema(responses={200: s.ApprovalPolicySerializer, 401: ERRORS[401]})
    def get(self, request):
        policy = policy_get_active()
        if policy is None:  # the plain chain of orders.approval_hooks
            policy = SimpleNamespace(
                id=None,
                name=_("Plain chain"),
                distinct_approvers=settings.APPROVAL_DISTINCT_APPROVERS,
                notes="",
                steps=[
                    SimpleNamespace(step=step, position=i, min_amount=None, order_types=[])
                    for i, step in enumerate(DEFAULT_CHAIN, start=1)
                ],
                updated_at=None,
            )
        return Response(s.ApprovalPolicySerializer(policy).data)


class ApprovalInboxApi(generics.ListAPIView):
    """Orders waiting on a step the signed-in user may decide now (their own role or one
    delegated to them today), oldest step first, with the step's automatic checks."""

    serializer_class = s.InboxItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return []
        filters = _parse(s.InboxFilterSerializer, self.request.query_params)
        return approval_inbox(user=self.request.user, filters=filters)

    @extend_schema(
        parameters=[s.InboxFilterSerializer],
        responses={200: s.InboxItemSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ApprovalDecisionListCreateApi(generics.ListAPIView):
    """GET: decisions the user may see, newest first: with `mine=1` those they took (or that
    were taken on their behalf), else all decisions on orders they may see.
    POST: approve or reject the step an order waits on."""

    serializer_class = s.DecisionSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApprovalDecision.objects.none()
        user = self.request.user
        filters = _parse(s.DecisionFilterSerializer, self.request.query_params)
        if filters["mine"]:
            queryset = decisions_by(user=user)
        else:
            queryset = ApprovalDecision.objects.filter(
                order__in=order_list(user=user).values("pk")
            ).select_related("order", "actor", "on_behalf_of")
        if filters.get("order"):
            queryset = queryset.filter(order=order_get(user=user, order_id=filters["order"]))
        if filters.get("decision"):
            queryset = queryset.filter(decision=filters["decision"])
        return queryset.select_related("round").order_by("-decided_at", "-id")

    @extend_schema(
        parameters=[s.DecisionFilterSerializer],
        responses={200: s.DecisionSerializer(many=True), **READ_ERRORS, 404: ERRORS[404]},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.DecisionInputSerializer,
        responses={201: s.DecisionSerializer, **DECISION_ERRORS},
        description=gettext_lazy(
            "Approve or reject the step the order waits on, as the step's approver or their "
            "delegate. Rejecting needs `comment`; approving while a check failed needs "
            "`override_reason` (400 naming the field). `expected_status` guards against a "
            "stale page: another status answers 409."
        ),
    )
    def post(self, request):
        data = _parse(s.DecisionInputSerializer, request.data)
        order = order_get(user=request.user, order_id=data["order"])
        expected = data.get("expected_status")
        if expected and expected != order.status:
            raise ConcurrentModification(extra={"status": order.status})
        if data["decision"] == Decision.APPROVE:
            order_approve(
                order=order,
                actor=request.user,
                comment=data["comment"],
                override_reason=data["override_reason"],
            )
        else:
            order_reject(order=order, actor=request.user, comment=data["comment"])
        decision = (
            ApprovalDecision.objects.select_related("order", "round", "actor", "on_behalf_of")
            .filter(order=order, actor=request.user)
            .order_by("-id")
            .first()
        )
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class DelegationListCreateApi(generics.ListAPIView):
    """GET: delegations the user gave or received. POST: name a stand-in for a period; the
    delegate then sees the approver's steps in their inbox and decides on their behalf."""

    serializer_class = s.DelegationSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delegation.objects.none()
        return delegation_list(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(responses={200: s.DelegationSerializer(many=True), 401: ERRORS[401]})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.DelegationInputSerializer,
        responses={201: s.DelegationSerializer, **{k: v for k, v in ERRORS.items() if k != 404}},
    )
    def post(self, request):
        data = _parse(s.DelegationInputSerializer, request.data)
        users = get_user_model().objects.filter(is_active=True)
        approver = None
        if data.get("approver"):
            approver = users.filter(pk=data["approver"]).first()
            if approver is None:
                raise ValidationFailed(fields={"approver": [_("Choose an active user.")]})
        delegation = delegation_create(
            actor=request.user,
            approver=approver,
            delegate=users.filter(pk=data["delegate"]).first(),
            start_date=data["start_date"],
            end_date=data["end_date"],
            reason=data["reason"],
        )
        return Response(
            s.DelegationSerializer(delegation, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class DelegationRevokeApi(APIView):
    """End a delegation now: the approver who gave it, or an administrator."""

    @extend_schema(request=None, responses={200: s.DelegationSerializer, **ERRORS})
    def post(self, request, pk: int):
        user = request.user
        if not has_role(user, Role.ADMIN) and not delegation_list(user=user).filter(pk=pk).exists():
            raise NotFound()
        delegation = delegation_revoke(actor=user, delegation_id=pk)
        return Response(
            s.DelegationSerializer(delegation, context={"today": timezone.localdate()}).data
        )
