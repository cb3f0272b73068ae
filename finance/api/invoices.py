"""Invoices API (开票, REQUIREMENTS §7): invoices and red-letter credit notes of the customers the
user may see, what an order may still be invoiced, issuing an invoice and a credit note.

Views parse input, call one service and answer with the record as stored; the rules (never
beyond what shipped, fapiao numbers, dates, order states) live in finance.services.invoices.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.enums import InvoiceType

from ..enums import InvoiceKind
from ..models import Invoice
from ..services.invoices import credit_note_issue, invoice_issue
from . import selectors
from .common import (
    READ_ERRORS,
    WRITE_ERRORS,
    FinanceAccess,
    FinanceListApi,
    PeriodFilterSerializer,
    answer,
    enum_field,
    is_schema_view,
    list_schema,
    parse,
)
from .serializers import InvoiceDetailSerializer, InvoiceSerializer, OrderInvoiceableSerializer

INVOICE_ERRORS = {
    **WRITE_ERRORS,
    400: OpenApiResponse(
        description=gettext_lazy(
            "validation_error: extra.fields names each bad field — `fapiao_number` (8 or 20 "
            "digits, unique per invoice type), `issue_date` (not in the future, not before the "
            "order or the invoice), `lines.<index>.quantity` for a malformed number, "
            "`lines.<line id>` for a line that is not part of the order (or invoice) or a "
            "quantity above what may still be invoiced (or reversed), `lines` when nothing is "
            "left"
        )
    ),
}


# --- input ----------------------------------------------------------------------------------------
class InvoiceFilterSerializer(PeriodFilterSerializer):
    q = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("Fapiao, IV or order number")
    )
    customer = serializers.IntegerField(required=False, help_text=gettext_lazy("A customer's id"))
    order = serializers.IntegerField(required=False, help_text=gettext_lazy("An order's id"))
    kind = enum_field(InvoiceKind, required=False)
    date_from = serializers.DateField(required=False, help_text=gettext_lazy("Issued on or after"))
    date_to = serializers.DateField(required=False, help_text=gettext_lazy("Issued on or before"))
    open = serializers.BooleanField(required=False, help_text=gettext_lazy("Unpaid invoices only"))
    overdue = serializers.BooleanField(
        required=False, help_text=gettext_lazy("Unpaid invoices past their due date only")
    )


def _no_line_twice(lines, key: str):
    seen = set()
    for item in lines:
        if item[key] in seen:
            raise serializers.ValidationError(
                _("Line %(line)s is listed twice.") % {"line": item[key]}
            )
        seen.add(item[key])
    return lines


class InvoiceLineInputSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=gettext_lazy("The order line's id"))
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)


class InvoiceIssueInputSerializer(serializers.Serializer):
    fapiao_number = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy("8 digits, or 20 for a digital fapiao (全电发票)."),
    )
    invoice_type = enum_field(
        InvoiceType,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Defaults to the order's invoice type."),
    )
    issue_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Defaults to today; never in the future or before the order."),
    )
    lines = InvoiceLineInputSerializer(
        many=True,
        required=False,
        help_text=gettext_lazy(
            "The lines and quantities to invoice; leave out to invoice everything invoiceable."
        ),
    )
    remarks = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_lines(self, lines):
        return _no_line_twice(lines, "line")


class CreditNoteLineInputSerializer(serializers.Serializer):
    invoice_line = serializers.IntegerField(help_text=gettext_lazy("The invoice line's id"))
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)


class CreditNoteInputSerializer(serializers.Serializer):
    fapiao_number = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy("The red-letter fapiao's number: 8 or 20 digits."),
    )
    reason = serializers.CharField(allow_blank=True)
    issue_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Defaults to today; not before the invoice, not in the future."),
    )
    lines = CreditNoteLineInputSerializer(
        many=True,
        required=False,
        help_text=gettext_lazy(
            "The invoice lines and quantities to reverse; leave out to reverse all that is left "
            "(with the freight less discount when nothing was reversed before)."
        ),
    )

    def validate_lines(self, lines):
        return _no_line_twice(lines, "invoice_line")


def _invoice_response(request, invoice_id, code=status.HTTP_200_OK) -> Response:
    invoice = selectors.invoice_detail(user=request.user, invoice_id=invoice_id)
    return answer(request, InvoiceDetailSerializer, invoice, code)


# --- views ----------------------------------------------------------------------------------------
@list_schema(InvoiceFilterSerializer, InvoiceSerializer)
class InvoiceListApi(FinanceListApi):
    """Invoices and credit notes of the customers the user may see (a rep: their own), latest
    issue date first."""

    serializer_class = InvoiceSerializer
    filter_serializer = InvoiceFilterSerializer
    model = Invoice
    select = staticmethod(selectors.invoice_list)


class InvoiceDetailApi(APIView):
    """An invoice or credit note with its lines, credit notes, allocations, open amount and the
    total in capitals."""

    permission_classes = [FinanceAccess]

    @extend_schema(responses={200: InvoiceDetailSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        return _invoice_response(request, pk)


class OrderInvoiceListCreateApi(generics.ListAPIView):
    """GET: the order's invoices and credit notes. POST: finance issues an invoice for lines and
    quantities (everything invoiceable when `lines` is left out) and gets the new invoice."""

    serializer_class = InvoiceSerializer
    permission_classes = [FinanceAccess]
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if is_schema_view(self):
            return Invoice.objects.none()
        order = selectors.visible_order(user=self.request.user, order_id=self.kwargs["order_id"])
        return selectors.invoice_list(user=self.request.user, filters={"order": order.pk})

    @extend_schema(responses={200: InvoiceSerializer(many=True), **READ_ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=InvoiceIssueInputSerializer,
        responses={201: InvoiceDetailSerializer, **INVOICE_ERRORS},
    )
    def post(self, request, order_id: int):
        order = selectors.visible_order(user=request.user, order_id=order_id)
        data = parse(InvoiceIssueInputSerializer, request.data)
        lines = data.get("lines")
        invoice = invoice_issue(
            order=order,
            actor=request.user,
            fapiao_number=data["fapiao_number"],
            invoice_type=data["invoice_type"],
            issue_date=data["issue_date"],
            quantities=None if lines is None else {x["line"]: x["quantity"] for x in lines},
            remarks=data["remarks"],
        )
        return _invoice_response(request, invoice.pk, status.HTTP_201_CREATED)


class OrderInvoiceableApi(APIView):
    """Per line of the order: ordered, shipped, invoiced (net of credit notes) and what may
    still be invoiced."""

    permission_classes = [FinanceAccess]

    @extend_schema(responses={200: OrderInvoiceableSerializer, **READ_ERRORS})
    def get(self, request, order_id: int):
        order = selectors.visible_order(user=request.user, order_id=order_id)
        return Response(OrderInvoiceableSerializer(selectors.order_invoiceable(order=order)).data)


class InvoiceCreditNoteCreateApi(APIView):
    """Finance issues a red-letter credit note (红字发票) reversing part or all of the invoice;
    the answer is the credit note."""

    permission_classes = [FinanceAccess]

    @extend_schema(
        request=CreditNoteInputSerializer,
        responses={201: InvoiceDetailSerializer, **INVOICE_ERRORS},
    )
    def post(self, request, pk: int):
        invoice = selectors.invoice_get(user=request.user, invoice_id=pk)
        data = parse(CreditNoteInputSerializer, request.data)
        lines = data.get("lines")
        note = credit_note_issue(
            invoice=invoice,
            actor=request.user,
            fapiao_number=data["fapiao_number"],
            reason=data["reason"],
            issue_date=data["issue_date"],
            quantities=None if lines is None else {x["invoice_line"]: x["quantity"] for x in lines},
        )
        return _invoice_response(request, note.pk, status.HTTP_201_CREATED)
