"""Payments API (收款与核销, REQUIREMENTS §7): receipts of the customers the user may see,
recording a receipt (optionally allocated at once), allocating it to orders or invoices and
reversing a wrong allocation. DESIGN names the resource `payments`; the model is Receipt.

Views parse input, call one service and answer with the record as stored; the rules (never
beyond the receipt, the invoice or the order, the customer's own orders, settled orders locked)
live in finance.services.payments.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.models import Customer
from orders.models import Order

from ..enums import ReceiptMethod
from ..models import Allocation, Invoice, Receipt
from ..services.payments import allocation_create, allocation_reverse, receipt_record
from . import selectors
from .common import (
    READ_ERRORS,
    WRITE_ERRORS,
    FinanceAccess,
    FinanceListApi,
    PeriodFilterSerializer,
    answer,
    enum_field,
    list_schema,
    parse,
)
from .serializers import AllocationSerializer, PaymentDetailSerializer, PaymentSerializer

ALLOCATION_ERRORS = {
    **WRITE_ERRORS,
    400: OpenApiResponse(
        description=gettext_lazy(
            "validation_error: extra.fields names each bad field — `amount` beyond what is left "
            "of the receipt, the invoice's open amount or what the order is still to be paid; "
            "`order` of another customer; `invoice` not of the order "
            "(`allocations.<index>.<field>` when recording a receipt)"
        )
    ),
}


# --- input ----------------------------------------------------------------------------------------
class PaymentFilterSerializer(PeriodFilterSerializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Receipt number, payer or bank reference"),
    )
    customer = serializers.IntegerField(required=False, help_text=gettext_lazy("A customer's id"))
    date_from = serializers.DateField(
        required=False, help_text=gettext_lazy("Received on or after")
    )
    date_to = serializers.DateField(required=False, help_text=gettext_lazy("Received on or before"))
    unallocated = serializers.BooleanField(
        required=False, help_text=gettext_lazy("Receipts with money left to allocate only")
    )


class AllocationFilterSerializer(serializers.Serializer):
    payment = serializers.IntegerField(required=False, help_text=gettext_lazy("A receipt's id"))
    order = serializers.IntegerField(required=False, help_text=gettext_lazy("An order's id"))
    invoice = serializers.IntegerField(required=False, help_text=gettext_lazy("An invoice's id"))
    include_reversed = serializers.BooleanField(
        required=False, help_text=gettext_lazy("Also list reversed allocations")
    )


class AllocationInputSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(
        queryset=Order.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The order the money is for; may be left out with an invoice."),
    )
    invoice = serializers.PrimaryKeyRelatedField(
        queryset=Invoice.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "One of the order's invoices; leave out to allocate to the order (a prepayment, "
            "applied to its next invoice)."
        ),
    )
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)

    def validate(self, data):
        if data.get("order") is None and data.get("invoice") is None:
            raise serializers.ValidationError({"order": [_("Choose the order the money is for.")]})
        return data


class PaymentInputSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    received_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Defaults to today; never in the future."),
    )
    method = enum_field(ReceiptMethod, required=False, default=ReceiptMethod.BANK_TRANSFER)
    payer = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Defaults to the customer's name."),
    )
    bank_reference = serializers.CharField(required=False, allow_blank=True, default="")
    remarks = serializers.CharField(required=False, allow_blank=True, default="")
    allocations = AllocationInputSerializer(
        many=True,
        required=False,
        default=list,
        help_text=gettext_lazy("Allocate the receipt at once (all or nothing)."),
    )


class AllocationReverseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


def _payment_response(request, receipt_id, code=status.HTTP_200_OK) -> Response:
    receipt = selectors.receipt_detail(user=request.user, receipt_id=receipt_id)
    return answer(request, PaymentDetailSerializer, receipt, code)


def _allocation_response(request, allocation_id, code=status.HTTP_200_OK) -> Response:
    allocation = selectors.allocation_get(user=request.user, allocation_id=allocation_id)
    return answer(request, AllocationSerializer, allocation, code)


# --- views ----------------------------------------------------------------------------------------
@list_schema(PaymentFilterSerializer, PaymentSerializer)
class PaymentListCreateApi(FinanceListApi):
    """GET: receipts of the customers the user may see (a rep: their own), latest first.
    POST: finance records a receipt, optionally allocated at once."""

    serializer_class = PaymentSerializer
    filter_serializer = PaymentFilterSerializer
    model = Receipt
    select = staticmethod(selectors.receipt_list)

    @extend_schema(
        request=PaymentInputSerializer,
        responses={201: PaymentDetailSerializer, **ALLOCATION_ERRORS},
    )
    def post(self, request):
        data = dict(parse(PaymentInputSerializer, request.data))
        receipt = receipt_record(actor=request.user, **data)
        return _payment_response(request, receipt.pk, status.HTTP_201_CREATED)


class PaymentDetailApi(APIView):
    """A receipt with its allocations (reversed ones included, marked)."""

    permission_classes = [FinanceAccess]

    @extend_schema(responses={200: PaymentDetailSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        return _payment_response(request, pk)


class PaymentAllocationCreateApi(APIView):
    """Finance allocates part of the receipt to an order or to one of its invoices."""

    permission_classes = [FinanceAccess]

    @extend_schema(
        request=AllocationInputSerializer,
        responses={201: AllocationSerializer, **ALLOCATION_ERRORS},
    )
    def post(self, request, pk: int):
        receipt = selectors.receipt_detail(user=request.user, receipt_id=pk)
        data = parse(AllocationInputSerializer, request.data)
        allocation = allocation_create(receipt=receipt, actor=request.user, **data)
        return _allocation_response(request, allocation.pk, status.HTTP_201_CREATED)


@list_schema(AllocationFilterSerializer, AllocationSerializer)
class AllocationListApi(FinanceListApi):
    """Allocations on the orders of the customers the user may see, oldest first; reversed ones
    only with include_reversed."""

    serializer_class = AllocationSerializer
    filter_serializer = AllocationFilterSerializer
    model = Allocation

    def select(self, *, user, filters):
        filters = dict(filters)
        filters["receipt"] = filters.pop("payment", None)
        return selectors.allocation_list(user=user, filters=filters)


class AllocationReverseApi(APIView):
    """Finance reverses a wrong allocation with a reason: the record stays, marked reversed, and
    the money is free again. Refused once the order is settled."""

    permission_classes = [FinanceAccess]

    @extend_schema(
        request=AllocationReverseInputSerializer,
        responses={200: AllocationSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        allocation = selectors.allocation_get(user=request.user, allocation_id=pk)
        data = parse(AllocationReverseInputSerializer, request.data)
        allocation_reverse(allocation=allocation, actor=request.user, reason=data["reason"])
        return _allocation_response(request, pk)
