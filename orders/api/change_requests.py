"""Change requests on approved orders and the order's revisions (REQUIREMENTS §5, DESIGN §7).

The views parse input, call one service of orders.services.change_requests and return the
request; the services decide who may do what, so the answers match the order page.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ConcurrentModification

from ..enums import REVIEW_STATES, ChangeKind, DeliveryMethod, InvoiceType
from ..models import ChangeRequest, ChangeRequestDecision, OrderRevision, Product
from ..selectors import order_get
from ..services.change_requests import (
    change_request_create,
    change_request_decide,
    change_request_get,
    change_request_list,
    change_request_withdraw,
    may_decide,
    order_revision_list,
)

ERRORS = {
    400: OpenApiResponse(description=_("validation_error")),
    401: OpenApiResponse(description=_("Not signed in")),
    403: OpenApiResponse(description=_("permission_denied")),
    404: OpenApiResponse(description=_("not_found")),
    409: OpenApiResponse(description=_("invalid_transition / concurrent_modification")),
}


# --- input ----------------------------------------------------------------------------------------
def _inline_enum(values: list[str]) -> dict:
    """An enum kept inside its field's schema (allOf): a component named after the field
    ("kind", "current_step") would collide with other apps' fields of the same name."""
    return {"allOf": [{"type": "string", "enum": values}]}


@extend_schema_field(_inline_enum(ChangeKind.values))
class ChangeKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ChangeKind.choices, **kwargs)


@extend_schema_field(_inline_enum([*(s.value for s in REVIEW_STATES), ""]))
class StepField(serializers.CharField):
    """A review state; empty once the request is decided."""


class ChangeHeaderInputSerializer(serializers.Serializer):
    """The header values to change; leave out what stays as it is."""

    required_date = serializers.DateField(required=False, allow_null=True)
    promised_date = serializers.DateField(required=False, allow_null=True)
    payment_due_date = serializers.DateField(required=False, allow_null=True)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices, required=False)
    payment_terms = serializers.CharField(max_length=300, required=False, allow_blank=True)
    invoice_type = serializers.ChoiceField(choices=InvoiceType.choices, required=False)
    ship_to_text = serializers.CharField(max_length=300, required=False, allow_blank=True)
    consignee = serializers.CharField(max_length=60, required=False, allow_blank=True)
    consignee_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    special_requirements = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )
    remarks = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    freight = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    discount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)


class ChangeLineInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("An existing line's id; leave out for a new line."),
    )
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("New lines only; an existing line keeps its product."),
    )
    quantity = serializers.DecimalField(
        max_digits=14, decimal_places=3, required=False, allow_null=True
    )
    unit_price = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text=_("Tax-inclusive. A new line without one takes the product's list price."),
    )
    remarks = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ChangeRequestInputSerializer(serializers.Serializer):
    kind = ChangeKindField(default=ChangeKind.CHANGE)
    reason = serializers.CharField(allow_blank=True, trim_whitespace=True)
    header = ChangeHeaderInputSerializer(required=False)
    lines = ChangeLineInputSerializer(
        many=True,
        required=False,
        help_text=_(
            "change only: the complete new list of lines. Existing lines missing from it are "
            "removed; leave `lines` out to keep the lines as they are."
        ),
    )


class ChangeRequestDecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required to reject."),
    )
    expected_step = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("The step the caller saw; a request that has moved on answers 409."),
    )


class WithdrawInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


# --- output ---------------------------------------------------------------------------------------
class ChangeRequestDecisionSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.get_username", read_only=True)
    on_behalf_of_name = serializers.CharField(
        source="on_behalf_of.get_username", read_only=True, default=None
    )

    class Meta:
        model = ChangeRequestDecision
        fields = [
            "step",
            "decision",
            "actor",
            "actor_name",
            "on_behalf_of",
            "on_behalf_of_name",
            "comment",
            "decided_at",
        ]
        read_only_fields = fields


class ChangeRequestSerializer(serializers.ModelSerializer):
    kind = ChangeKindField(read_only=True)
    current_step = StepField(read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.get_username", read_only=True)
    steps = serializers.ListField(child=serializers.CharField(), read_only=True)
    proposed = serializers.SerializerMethodField()
    diff = serializers.SerializerMethodField()
    decisions = ChangeRequestDecisionSerializer(many=True, read_only=True)
    may_decide = serializers.SerializerMethodField()

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "category",
            "category_display",
            "steps",
            "current_step",
            "requested_by",
            "requested_by_name",
            "reason",
            "proposed",
            "diff",
            "base_revision",
            "revision",
            "decisions",
            "may_decide",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_proposed(self, request: ChangeRequest) -> dict:
        return request.proposed

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_diff(self, request: ChangeRequest) -> dict:
        """{"header": [{field, before, after}], "lines": {"added", "removed", "changed"},
        "totals": {name: {before, after}}}"""
        return request.diff

    def get_may_decide(self, request: ChangeRequest) -> bool:
        user = getattr(self.context.get("request"), "user", None)
        return bool(user) and may_decide(user, request, request.order)


class OrderRevisionSerializer(serializers.ModelSerializer):
    change_request_number = serializers.CharField(source="change_request.number", read_only=True)
    before = serializers.SerializerMethodField()
    after = serializers.SerializerMethodField()

    class Meta:
        model = OrderRevision
        fields = [
            "id",
            "number",
            "change_request",
            "change_request_number",
            "before",
            "after",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_before(self, revision: OrderRevision) -> dict:
        return revision.before

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_after(self, revision: OrderRevision) -> dict:
        return revision.after


def _request_response(request, change_request_id, code=status.HTTP_200_OK) -> Response:
    found = change_request_get(user=request.user, request_id=change_request_id)
    return Response(ChangeRequestSerializer(found, context={"request": request}).data, status=code)


# --- views ----------------------------------------------------------------------------------------
class OrderChangeRequestListCreateApi(generics.ListAPIView):
    """The order's change, cancellation and hold/resume requests, newest first; POST makes
    one (the order's owner or a sales head, with a reason; one pending request per order)."""

    serializer_class = ChangeRequestSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChangeRequest.objects.none()
        order = order_get(user=self.request.user, order_id=self.kwargs["pk"])
        requests = list(change_request_list(order=order))
        for change_request in requests:
            change_request.order = order  # one order object: its look-ups are made once
        return requests

    @extend_schema(
        request=ChangeRequestInputSerializer,
        responses={201: ChangeRequestSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        order = order_get(user=request.user, order_id=pk)
        serializer = ChangeRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = change_request_create(
            order=order,
            actor=request.user,
            kind=data["kind"],
            reason=data["reason"],
            header=dict(data["header"]) if "header" in data else None,
            lines=[dict(line) for line in data["lines"]] if "lines" in data else None,
        )
        return _request_response(request, created.pk, status.HTTP_201_CREATED)


class ChangeRequestDetailApi(APIView):
    @extend_schema(responses={200: ChangeRequestSerializer, 401: ERRORS[401], 404: ERRORS[404]})
    def get(self, request, pk: int):
        return _request_response(request, pk)


class ChangeRequestDecisionApi(APIView):
    """Approve or reject the request's current step (`comment` required to reject). The last
    approval applies the change as a new revision, or cancels, holds or resumes the order."""

    @extend_schema(
        request=ChangeRequestDecisionInputSerializer,
        responses={200: ChangeRequestSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        found = change_request_get(user=request.user, request_id=pk)
        serializer = ChangeRequestDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected = data.get("expected_step")
        if expected and expected != found.current_step:
            raise ConcurrentModification(
                extra={"status": found.status, "current_step": found.current_step}
            )
        change_request_decide(
            request=found, actor=request.user, approve=data["approve"], comment=data["comment"]
        )
        return _request_response(request, pk)


class ChangeRequestWithdrawApi(APIView):
    """The requester takes a pending request back; the order stays as it was."""

    @extend_schema(
        request=WithdrawInputSerializer, responses={200: ChangeRequestSerializer, **ERRORS}
    )
    def post(self, request, pk: int):
        found = change_request_get(user=request.user, request_id=pk)
        serializer = WithdrawInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change_request_withdraw(
            request=found, actor=request.user, comment=serializer.validated_data["comment"]
        )
        return _request_response(request, pk)


class OrderRevisionListApi(generics.ListAPIView):
    """The order's revisions, oldest first: each approved change with the order before and
    after it."""

    serializer_class = OrderRevisionSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OrderRevision.objects.none()
        order = order_get(user=self.request.user, order_id=self.kwargs["pk"])
        return order_revision_list(order=order)
