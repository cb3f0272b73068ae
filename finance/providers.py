"""What the finance app tells other apps through orders.lifecycle, for many at once:
money received per order and open receivables per customer, one aggregate query each."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Sum

from core.money import money

from .enums import InvoiceKind
from .models import Allocation, Invoice


def paid_by_order(orders) -> dict[int, Decimal]:
    rows = (
        Allocation.objects.filter(order__in=[o.pk for o in orders], reversed_at__isnull=True)
        .values_list("order_id")
        .annotate(total=Sum("amount"))
    )
    return {order_id: money(total) for order_id, total in rows}


def receivables_by_customer(customers) -> dict[int, Decimal]:
    """Invoiced, net of credit notes, not yet paid, per customer."""
    rows = (
        Invoice.objects.filter(customer__in=[c.pk for c in customers], kind=InvoiceKind.NORMAL)
        .values_list("customer_id")
        .annotate(total=Sum(F("total") + F("credited") - F("allocated")))
    )
    return {customer_id: money(total) for customer_id, total in rows}


def invoiced_by_customer(orders) -> dict[int, Decimal]:
    """Net invoiced (credit notes deducted) per customer over the given orders."""
    rows = (
        Invoice.objects.filter(order__in=orders.values("pk"))
        .values_list("customer_id")
        .annotate(total=Sum("total"))
    )
    return {customer_id: money(total) for customer_id, total in rows}
