"""Risk-shipment requests API (风险发货申请, REQUIREMENTS §6, 000 D6): the order's rep or the
sales head asks to ship although the gate blocks; finance decides first, then the general
manager. Views parse input and call one service of fulfillment.services.risk."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ConcurrentModification
from orders.models.decisions import StepDecision
from orders.selectors import order_get

from ..enums import RiskRequestStatus
from ..services.risk import risk_request_create, risk_request_decide, risk_request_withdraw
from .common import (
    READ_ERRORS,
    WRITE_ERRORS,
    FilteredListApi,
    OrderListApi,
    enum_field,
    parse,
)
from .selectors import risk_request_get, risk_request_list
from .serializers import RiskShipmentRequestDetailSerializer, RiskShipmentRequestSerializer


# --- input ----------------------------------------------------------------------------------------
class RiskRequestFilterSerializer(serializers.Serializer):
    status = enum_field(RiskRequestStatus, required=False)
    order = serializers.IntegerField(required=False, help_text=_("An order's id"))
    waiting_for_me = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Only requests whose current step the signed-in user decides"),
    )


class RiskRequestInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, help_text=_("Why the order should ship now, and the risk assessment.")
    )


class RiskDecisionInputSerializer(serializers.Serializer):
    decision = enum_field(StepDecision.Decision)
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Required to reject.")
    )
    expected_status = enum_field(
        RiskRequestStatus,
        required=False,
        help_text=_("The status the caller saw; a request that has moved on answers 409."),
    )


def _request_response(request, request_id, code=status.HTTP_200_OK) -> Response:
    found = risk_request_get(user=request.user, request_id=request_id)
    return Response(
        RiskShipmentRequestDetailSerializer(found, context={"request": request}).data, status=code
    )


# --- views ----------------------------------------------------------------------------------------
class RiskRequestListApi(FilteredListApi):
    """Risk-shipment requests on the orders the user may see, newest first."""

    serializer_class = RiskShipmentRequestSerializer
    filter_serializer_class = RiskRequestFilterSerializer
    selector = staticmethod(risk_request_list)


class OrderRiskRequestListCreateApi(OrderListApi):
    """GET: the order's risk-shipment requests, newest first. POST: ask for one (the order's
    rep, the sales head; only while something blocks the order and none is pending)."""

    serializer_class = RiskShipmentRequestSerializer
    selector = staticmethod(risk_request_list)

    @extend_schema(
        request=RiskRequestInputSerializer,
        responses={201: RiskShipmentRequestDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, order_id: int):
        order = order_get(user=request.user, order_id=order_id)
        data = parse(RiskRequestInputSerializer, request.data)
        created = risk_request_create(order=order, actor=request.user, reason=data["reason"])
        return _request_response(request, created.pk, status.HTTP_201_CREATED)


class RiskRequestDetailApi(APIView):
    @extend_schema(responses={200: RiskShipmentRequestDetailSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        return _request_response(request, pk)


class RiskRequestDecisionApi(APIView):
    """Approve or reject the request's current step: finance first, then the general manager
    (`comment` required to reject). Never one's own request or order; a closed request
    answers 409."""

    @extend_schema(
        request=RiskDecisionInputSerializer,
        responses={200: RiskShipmentRequestDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        found = risk_request_get(user=request.user, request_id=pk)
        data = parse(RiskDecisionInputSerializer, request.data)
        expected = data.get("expected_status")
        if expected and expected != found.status:
            raise ConcurrentModification(extra={"status": found.status})
        risk_request_decide(
            request=found, actor=request.user, decision=data["decision"], comment=data["comment"]
        )
        return _request_response(request, pk)


class RiskRequestWithdrawApi(APIView):
    """The requester (or the administrator) takes a pending request back."""

    @extend_schema(
        request=None, responses={200: RiskShipmentRequestDetailSerializer, **WRITE_ERRORS}
    )
    def post(self, request, pk: int):
        found = risk_request_get(user=request.user, request_id=pk)
        risk_request_withdraw(request=found, actor=request.user)
        return _request_response(request, pk)
