"""Representations of the finance API (DESIGN §7). Output only: each view module keeps the input
serializers it parses; the rules live in finance.services."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from orders.enums import InvoiceType, OrderStatus

from ..enums import AGEING_BUCKETS, InvoiceKind, ReceiptMethod
from ..models import Allocation, Invoice, InvoiceLine, Receipt
from .common import PersonField, enum_field, money_field, quantity_field


# --- invoices -------------------------------------------------------------------------------------
class InvoiceSerializer(serializers.ModelSerializer):
    kind = enum_field(InvoiceKind, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    invoice_type = enum_field(InvoiceType, read_only=True)
    invoice_type_display = serializers.CharField(source="get_invoice_type_display", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    original_number = serializers.CharField(
        source="original.number", read_only=True, default=None, allow_null=True
    )
    net_total = money_field(help_text=_("The total less the credit notes reversing it."))
    open_amount = money_field(help_text=_("What is still to be paid (0 for a credit note)."))
    overdue = serializers.SerializerMethodField(help_text=_("Unpaid after the due date."))

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "kind_display",
            "invoice_type",
            "invoice_type_display",
            "fapiao_number",
            "order",
            "order_number",
            "customer",
            "customer_name",
            "original",
            "original_number",
            "issue_date",
            "due_date",
            "amount_excl",
            "tax_amount",
            "total",
            "adjustment",
            "credited",
            "allocated",
            "net_total",
            "open_amount",
            "overdue",
            "reason",
            "remarks",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, invoice) -> bool:
        return invoice.open_amount > 0 and invoice.due_date < timezone.localdate()


class InvoiceLineSerializer(serializers.ModelSerializer):
    sequence = serializers.IntegerField(source="order_line.sequence", read_only=True)
    product_code = serializers.CharField(source="order_line.product.code", read_only=True)
    product_name = serializers.CharField(source="order_line.product.name", read_only=True)
    unit = serializers.CharField(source="order_line.unit", read_only=True)

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "order_line",
            "sequence",
            "product_code",
            "product_name",
            "unit",
            "quantity",
            "unit_price",
            "tax_rate",
            "amount_excl",
            "tax_amount",
            "total",
        ]
        read_only_fields = fields


class CreditNoteSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Invoice
        fields = ["id", "number", "fapiao_number", "issue_date", "total", "reason"]
        read_only_fields = fields


class AllocationSerializer(serializers.ModelSerializer):
    receipt_number = serializers.CharField(source="receipt.number", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    invoice_number = serializers.CharField(
        source="invoice.number", read_only=True, default=None, allow_null=True
    )
    fapiao_number = serializers.CharField(
        source="invoice.fapiao_number", read_only=True, default=None, allow_null=True
    )
    created_by_name = PersonField(source="created_by")
    reversed_by_name = PersonField(source="reversed_by")
    is_reversed = serializers.SerializerMethodField()

    class Meta:
        model = Allocation
        fields = [
            "id",
            "receipt",
            "receipt_number",
            "order",
            "order_number",
            "invoice",
            "invoice_number",
            "fapiao_number",
            "amount",
            "created_by_name",
            "created_at",
            "is_reversed",
            "reversed_at",
            "reversed_by_name",
            "reverse_reason",
        ]
        read_only_fields = fields

    def get_is_reversed(self, allocation) -> bool:
        return allocation.reversed_at is not None


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    credit_notes = CreditNoteSummarySerializer(many=True, read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)
    total_in_words = serializers.CharField(
        read_only=True, help_text=_("The total in Chinese capitals (大写).")
    )

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *InvoiceSerializer.Meta.fields,
            "total_in_words",
            "lines",
            "credit_notes",
            "allocations",
        ]
        read_only_fields = fields


class InvoiceableLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("The order line's id"))
    sequence = serializers.IntegerField()
    product_code = serializers.CharField()
    product_name = serializers.CharField()
    unit = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=4)
    ordered = quantity_field()
    shipped = quantity_field()
    is_closed = serializers.BooleanField(help_text=_("Fully shipped or short-closed."))
    basis = quantity_field(
        help_text=_(
            "What may be invoiced in total: the shipped quantity, or the ordered quantity of an "
            "open line when the order is invoiced on the order (prepayment)."
        )
    )
    invoiced = quantity_field(help_text=_("Invoiced, net of credit notes."))
    invoiced_amount = money_field()
    invoiceable = quantity_field(help_text=_("What may still be invoiced."))


class OrderInvoiceableSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    order_number = serializers.CharField()
    invoices_on_the_order = serializers.BooleanField(
        help_text=_("A prepayment order is invoiced on the order, before shipping.")
    )
    lines = InvoiceableLineSerializer(many=True)


# --- receipts -------------------------------------------------------------------------------------
class PaymentSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    method = enum_field(ReceiptMethod, read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    unallocated = money_field(help_text=_("What is left on the customer's account."))

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "amount",
            "received_on",
            "method",
            "method_display",
            "payer",
            "bank_reference",
            "remarks",
            "allocated",
            "unallocated",
            "created_at",
        ]
        read_only_fields = fields


class PaymentDetailSerializer(PaymentSerializer):
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "allocations"]
        read_only_fields = fields


# --- receivables ----------------------------------------------------------------------------------
class ReceivableBucketsSerializer(serializers.Serializer):
    """Open amounts by days past the due date (finance.enums.AGEING_BUCKETS)."""

    not_due = money_field(help_text=_("Not yet due (due today or later)."))
    d0_30 = money_field(help_text=_("1 to 30 days past due."))
    d31_60 = money_field(help_text=_("31 to 60 days past due."))
    d61_90 = money_field(help_text=_("61 to 90 days past due."))
    d90_plus = money_field(help_text=_("Over 90 days past due."))


BUCKET_KEYS = [key for key, *_rest in AGEING_BUCKETS]


def buckets_of(row: dict) -> dict:
    return {key: row[key] for key in BUCKET_KEYS}


class ReceivableSerializer(serializers.Serializer):
    """One customer's receivables: built from a finance.selectors.receivables_queryset row."""

    customer = serializers.IntegerField()
    customer_name = serializers.CharField()
    customer_short_name = serializers.CharField()
    open_amount = money_field()
    overdue = money_field(help_text=_("Every bucket past the due date."))
    buckets = ReceivableBucketsSerializer()
    unallocated = money_field(
        help_text=_("Money received from the customer and not yet allocated.")
    )


class ReceivablesSummarySerializer(serializers.Serializer):
    as_of = serializers.DateField()
    open_amount = money_field()
    overdue = money_field()
    buckets = ReceivableBucketsSerializer()
    sales_90_days = money_field(help_text=_("Net invoiced over the last 90 days."))
    dso = serializers.DecimalField(
        max_digits=10,
        decimal_places=1,
        allow_null=True,
        help_text=_(
            "Days sales outstanding: open receivables ÷ net invoiced over the last 90 days × 90; "
            "null when nothing was invoiced."
        ),
    )


class OrderBalanceSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    order_number = serializers.CharField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    total = money_field(help_text=_("The order's total."))
    deliverable = money_field(
        help_text=_(
            "What may be invoiced: shipped (or, for prepayment, ordered and open) quantities × "
            "price, plus freight less discount; short-closed remainders excluded."
        )
    )
    invoiced = money_field(help_text=_("Net of credit notes."))
    paid = money_field(help_text=_("Live allocations to the order and its invoices."))
    uninvoiced = money_field()
    unpaid = money_field(help_text=_("Invoiced and not paid."))
    outstanding = money_field(help_text=_("Deliverable and not paid."))
