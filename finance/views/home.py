"""The finance home page (REQUIREMENTS §7): overdue receivables with their ageing, orders with
something left to invoice, receipts with unallocated money, delivered orders not yet settled,
and the ways to the exports and statements. A rep sees the figures of their own customers."""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from contracts.enums import SettlementMethod
from core.money import ZERO
from orders.enums import OrderStatus
from orders.models import OrderLine
from orders.selectors import order_list

from ..enums import AGEING_BUCKETS
from ..models import InvoiceLine
from ..permissions import may_write_finance
from ..selectors import receipt_list, receivables_by_customer, receivables_summary
from ..services.invoices import PREPAID_STATES, SHIPPED_STATES
from .common import finance_page, url_or_none

TO_INVOICE_LIMIT = 20
TOP_OVERDUE = 8
QTY = DecimalField(max_digits=14, decimal_places=3)
MONEY = DecimalField(max_digits=16, decimal_places=2)


def lines_left_to_invoice():
    """Order lines whose invoicing basis (shipped, or ordered for prepayment) exceeds what is
    invoiced net of credit notes — computed in the database, one subquery per line."""
    invoiced = (
        InvoiceLine.objects.filter(order_line=OuterRef("pk"))
        .values("order_line")
        .annotate(s=Sum("quantity"))
        .values("s")[:1]
    )
    basis = Case(
        When(
            Q(order__settlement_method=SettlementMethod.PREPAYMENT, is_closed=False),
            then=F("quantity"),
        ),
        default=F("shipped_quantity"),
        output_field=QTY,
    )
    return (
        OrderLine.objects.annotate(
            basis=basis, invoiced_qty=Coalesce(Subquery(invoiced), Value(ZERO), output_field=QTY)
        )
        .filter(basis__gt=F("invoiced_qty"))
        .annotate(left_value=(F("basis") - F("invoiced_qty")) * F("unit_price"))
    )


def orders_to_invoice(user):
    """Visible orders with something invoiceable: shipped ones, or prepayment orders from
    approval on; with the value still to invoice (lines only, before freight/discount)."""
    lines = lines_left_to_invoice().filter(order=OuterRef("pk"))
    value = lines.values("order").annotate(v=Sum("left_value")).values("v")[:1]
    prepaid = Q(settlement_method=SettlementMethod.PREPAYMENT, status__in=PREPAID_STATES)
    shipped = ~Q(settlement_method=SettlementMethod.PREPAYMENT) & Q(status__in=SHIPPED_STATES)
    return (
        order_list(user=user)
        .filter(prepaid | shipped)
        .filter(Exists(lines))
        .annotate(left_to_invoice=Coalesce(Subquery(value), Value(ZERO), output_field=MONEY))
        .order_by("order_date", "id")
    )


def _overdue_customers(user) -> list[dict]:
    rows = [row for row in receivables_by_customer(user=user) if row["overdue"] > 0]
    rows.sort(key=lambda row: (-row["overdue"], row["customer__name"]))
    invoices = reverse("finance:invoice_list")
    for row in rows:
        row["invoices_url"] = f"{invoices}?customer={row['customer']}&overdue=1"
        row["buckets"] = [row[key] for key, *_rest in AGEING_BUCKETS if key != "not_due"]
    return rows


@finance_page
@require_safe
def finance_home_view(request):
    user = request.user
    summary = receivables_summary(user=user)
    overdue_rows = _overdue_customers(user)
    to_invoice = orders_to_invoice(user)
    unallocated = receipt_list(user=user, filters={"unallocated": True}).aggregate(
        n=Count("id"),
        s=Coalesce(Sum(F("amount") - F("allocated")), Value(ZERO), output_field=MONEY),
    )
    delivered = order_list(user=user).filter(status=OrderStatus.DELIVERED).count()
    invoices = reverse("finance:invoice_list")
    context = {
        "summary": summary,
        "buckets": [
            {"key": key, "label": label, "amount": summary[key]}
            for key, label, *_rest in AGEING_BUCKETS
        ],
        "overdue_rows": overdue_rows[:TOP_OVERDUE],
        "overdue_more": max(len(overdue_rows) - TOP_OVERDUE, 0),
        "overdue_url": f"{invoices}?overdue=1",
        "open_url": f"{invoices}?open=1",
        "to_invoice": list(to_invoice[:TO_INVOICE_LIMIT]),
        "to_invoice_count": to_invoice.count(),
        "to_invoice_limit": TO_INVOICE_LIMIT,
        "unallocated_count": unallocated["n"],
        "unallocated_sum": unallocated["s"],
        "unallocated_url": reverse("finance:receipt_list") + "?unallocated=1",
        "delivered_count": delivered,
        "delivered_url": reverse("orders:list") + f"?status={OrderStatus.DELIVERED}",
        "may_write": may_write_finance(user),
        "export_url": url_or_none("finance:export_settlement"),
        "statements_url": url_or_none("finance:statement_list"),
        "ageing_labels": [label for key, label, *_rest in AGEING_BUCKETS if key != "not_due"],
    }
    return render(request, "finance/home.html", context)
