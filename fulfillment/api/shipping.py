"""Shipments API (发货, REQUIREMENTS §6): shipments of the orders the user may see, shipping an
order (the warehouse), the signed delivery receipt (签收单), short-closing a line and the
shipping gate.

Views parse input, call one service and answer with the record as stored. Shipping goes
through fulfillment.services.shipping.shipment_create → orders' ship transition, so the API
answers with the same rules and error codes as the warehouse's page.
"""

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from orders.api.serializers import OrderSerializer
from orders.enums import DeliveryMethod
from orders.selectors import order_get
from orders.services.transitions import order_line_short_close

from ..enums import ShipmentStatus
from ..gate import gate_for
from ..models import DeliveryReceipt, Shipment
from ..services.shipping import delivery_receipt_add, shipment_create
from .common import (
    READ_ERRORS,
    WRITE_ERRORS,
    FilteredListApi,
    FlagField,
    OrderListApi,
    enum_field,
    parse,
)
from .selectors import shipment_get, shipment_list
from .serializers import DeliveryReceiptSerializer, ShipmentSerializer, ShippingGateSerializer

SHIP_ERRORS = {
    **WRITE_ERRORS,
    400: OpenApiResponse(
        description=gettext_lazy(
            "validation_error: extra.fields names each bad field — `lines.<index>.quantity` "
            "for a malformed or non-positive number, `lines.<line id>` for a line the order "
            "does not have, a quantity above what is open or not in stock; or "
            "shipping_blocked: the shipping gate (payment or credit) blocks the order, "
            "extra.reasons says why"
        )
    ),
}


# --- input ----------------------------------------------------------------------------------------
class ShipmentFilterSerializer(serializers.Serializer):
    order = serializers.IntegerField(required=False, help_text=gettext_lazy("An order's id"))
    status = enum_field(ShipmentStatus, required=False)
    date_from = serializers.DateField(required=False, help_text=gettext_lazy("Shipped on or after"))
    date_to = serializers.DateField(required=False, help_text=gettext_lazy("Shipped on or before"))

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError(
                {"date_to": [_("The end date is before the start date.")]}
            )
        return data


class ShipLineInputSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=gettext_lazy("The order line's id"))
    quantity = serializers.DecimalField(
        max_digits=14,
        decimal_places=3,
        help_text=gettext_lazy("Greater than zero, at most what is still open on the line."),
    )

    def validate_quantity(self, quantity):
        if quantity <= 0:
            raise serializers.ValidationError(_("The quantity must be greater than zero."))
        return quantity


class ShipmentInputSerializer(serializers.Serializer):
    lines = ShipLineInputSerializer(
        many=True,
        required=False,
        help_text=gettext_lazy(
            "The lines and quantities to ship; leave out to ship everything still open."
        ),
    )
    shipped_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Defaults to today; never in the future."),
    )
    carrier = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required unless the customer picks the goods up."),
    )
    transport_mode = enum_field(
        DeliveryMethod,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Defaults to the order's delivery method."),
    )
    tracking_number = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required for express."),
    )
    customer_consent = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy(
            "Who agreed to a partial shipment (缺件发货), and when: required when something "
            "stays open."
        ),
    )
    follow_up_owner = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "The user who follows up on what is missing; defaults to the order's rep for a "
            "partial shipment."
        ),
    )
    remarks = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )

    def validate_lines(self, lines):
        seen = set()
        for item in lines:
            if item["line"] in seen:
                raise serializers.ValidationError(
                    _("Line %(line)s is listed twice.") % {"line": item["line"]}
                )
            seen.add(item["line"])
        return lines


class ReceiptInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=gettext_lazy("The signed receipt: pdf, jpg, png, … within the size limit.")
    )
    signer = serializers.CharField(allow_blank=True)
    signed_on = serializers.DateField(
        help_text=gettext_lazy("Not before the ship date, not in the future.")
    )
    quantity_ok = FlagField(required=False, default=True)
    appearance_ok = FlagField(required=False, default=True)
    packing_ok = FlagField(required=False, default=True)
    remarks = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required when quantity, appearance or packing was not right."),
    )


class ShortCloseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


def _shipment_response(request, shipment_id, code=status.HTTP_200_OK) -> Response:
    shipment = shipment_get(user=request.user, shipment_id=shipment_id)
    return Response(ShipmentSerializer(shipment, context={"request": request}).data, status=code)


def _receipt_of(shipment: Shipment) -> DeliveryReceipt:
    try:
        return shipment.receipt
    except DeliveryReceipt.DoesNotExist:
        raise NotFound(_("This shipment has no signed receipt yet.")) from None


# --- shipments ------------------------------------------------------------------------------------
class ShipmentListApi(FilteredListApi):
    """Shipments of the orders the user may see, latest ship date first."""

    serializer_class = ShipmentSerializer
    filter_serializer_class = ShipmentFilterSerializer
    selector = staticmethod(shipment_list)


class ShipmentDetailApi(APIView):
    @extend_schema(responses={200: ShipmentSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        return _shipment_response(request, pk)


class OrderShipmentListCreateApi(OrderListApi):
    """GET: the order's shipments, latest first. POST: the warehouse ships lines and quantities
    (all that is open when `lines` is left out) and gets the new shipment (SH…)."""

    serializer_class = ShipmentSerializer
    selector = staticmethod(shipment_list)

    @extend_schema(
        request=ShipmentInputSerializer, responses={201: ShipmentSerializer, **SHIP_ERRORS}
    )
    def post(self, request, order_id: int):
        order = order_get(user=request.user, order_id=order_id)
        data = dict(parse(ShipmentInputSerializer, request.data))
        lines = data.pop("lines", None)
        shipment = shipment_create(
            order=order,
            actor=request.user,
            quantities=None if lines is None else {i["line"]: i["quantity"] for i in lines},
            **data,
        )
        return _shipment_response(request, shipment.pk, status.HTTP_201_CREATED)


# --- delivery receipts ----------------------------------------------------------------------------
class ShipmentReceiptApi(APIView):
    """GET: the shipment's signed receipt (404 while there is none). POST (multipart): upload
    it — the order's rep, the warehouse, the sales head; once every shipment is signed for
    and nothing is open, the order is delivered."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: DeliveryReceiptSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        shipment = shipment_get(user=request.user, shipment_id=pk)
        receipt = _receipt_of(shipment)
        return Response(DeliveryReceiptSerializer(receipt, context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": ReceiptInputSerializer},
        responses={201: DeliveryReceiptSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        shipment = shipment_get(user=request.user, shipment_id=pk)
        data = parse(ReceiptInputSerializer, request.data)
        delivery_receipt_add(shipment=shipment, actor=request.user, **data)
        receipt = _receipt_of(shipment_get(user=request.user, shipment_id=pk))
        return Response(
            DeliveryReceiptSerializer(receipt, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ShipmentReceiptFileApi(APIView):
    """The signed receipt's file, served after the same visibility check as the shipment."""

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **READ_ERRORS,
        }
    )
    def get(self, request, pk: int):
        receipt = _receipt_of(shipment_get(user=request.user, shipment_id=pk))
        try:
            handle = receipt.file.open("rb")
        except FileNotFoundError as exc:
            raise NotFound(_("The file is missing from storage.")) from exc
        return FileResponse(handle, as_attachment=True, filename=receipt.name)


# --- order lines and the gate ---------------------------------------------------------------------
class OrderLineShortCloseApi(APIView):
    """Close a line's remaining quantity (短交关闭) with a reason — the order's rep, the sales
    head, the general manager. When nothing stays open the order is shipped."""

    @extend_schema(
        request=ShortCloseInputSerializer, responses={200: OrderSerializer, **WRITE_ERRORS}
    )
    def post(self, request, order_id: int, line_id: int):
        order = order_get(user=request.user, order_id=order_id)
        data = parse(ShortCloseInputSerializer, request.data)
        order_line_short_close(
            order=order, line_id=line_id, actor=request.user, reason=data["reason"]
        )
        order = order_get(user=request.user, order_id=order_id)
        return Response(OrderSerializer(order, context={"request": request}).data)


class OrderShippingGateApi(APIView):
    """Whether the order may ship: what blocks it (prepayment not received, customer over the
    credit limit) and whether a risk shipment is approved."""

    @extend_schema(responses={200: ShippingGateSerializer, **READ_ERRORS})
    def get(self, request, order_id: int):
        order = order_get(user=request.user, order_id=order_id)
        gate = gate_for(order)
        body = {
            "blocked": gate.blocked,
            "reasons": [
                {"code": str(code), "message": message}
                for code, message in zip(gate.reasons, gate.messages, strict=True)
            ],
            "risk_approved": gate.risk_approved,
            "exposure": gate.exposure,
            "credit_limit": order.customer.credit_limit,
        }
        return Response(ShippingGateSerializer(body).data)
