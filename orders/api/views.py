from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ConcurrentModification, ValidationFailed

from ..enums import OrderTransition
from ..filters import OrderFilter
from ..models import Order, OrderEvent
from ..selectors import order_events, order_get, order_list_with_lines
from ..services import TRANSITION_SERVICES, order_create, order_update
from .serializers import (
    OrderEventSerializer,
    OrderSerializer,
    OrderWriteSerializer,
    TransitionInputSerializer,
)


def _order_response(request, order_id, code=status.HTTP_200_OK) -> Response:
    order = order_get(user=request.user, order_id=order_id)
    return Response(OrderSerializer(order, context={"request": request}).data, status=code)


class OrderListCreateApi(generics.ListAPIView):
    """Orders visible to the signed-in user (a sales rep: their own), newest first."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    search_fields = ["number", "customer__name"]
    ordering_fields = ["number", "order_date", "required_date", "promised_date", "total", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Order.objects.none()
        return order_list_with_lines(user=self.request.user)

    @extend_schema(request=OrderWriteSerializer, responses={201: OrderSerializer})
    def post(self, request):
        serializer = OrderWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = order_create(actor=request.user, lines=data.pop("lines", []), **data)
        return _order_response(request, order.pk, status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    serializer_class = OrderSerializer

    @extend_schema(responses=OrderSerializer)
    def get(self, request, pk: int):
        return _order_response(request, pk)

    @extend_schema(request=OrderWriteSerializer, responses=OrderSerializer)
    def patch(self, request, pk: int):
        order = order_get(user=request.user, order_id=pk)
        serializer = OrderWriteSerializer(order, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order_update(order=order, actor=request.user, lines=data.pop("lines", None), **data)
        return _order_response(request, pk)


class OrderTransitionApi(APIView):
    """Run one transition: submit, approve, reject, cancel, mark_ready, ship, confirm_delivery,
    settle, archive. `comment` is required for reject and cancel. Production starts and
    finishes through its production instruction (/api/v1/production-instructions/); hold,
    resume and cancelling an approved order through change requests."""

    @extend_schema(
        request=TransitionInputSerializer,
        responses=OrderSerializer,
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(TRANSITION_SERVICES))
        ],
    )
    def post(self, request, pk: int, name: str):
        order = order_get(user=request.user, order_id=pk)
        service = TRANSITION_SERVICES.get(name)
        if service is None:
            raise ValidationFailed(
                _("Unknown transition “%(name)s”.") % {"name": name},
                fields={
                    "name": [
                        _("Choose one of: %(names)s.") % {"names": ", ".join(TRANSITION_SERVICES)}
                    ]
                },
            )
        serializer = TransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected = data.get("expected_status")
        if expected and expected != order.status:
            raise ConcurrentModification(extra={"status": order.status})
        kwargs = {"order": order, "actor": request.user, "comment": data.get("comment", "")}
        if name == OrderTransition.SHIP:
            if "lines" in data:
                kwargs["quantities"] = {item["line"]: item["quantity"] for item in data["lines"]}
            kwargs["shipped_on"] = data.get("shipped_on")
        service(**kwargs)
        return _order_response(request, pk)


class OrderEventListApi(generics.ListAPIView):
    """The order's audit trail, oldest first."""

    serializer_class = OrderEventSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OrderEvent.objects.none()
        order = order_get(user=self.request.user, order_id=self.kwargs["pk"])
        return order_events(order=order)
