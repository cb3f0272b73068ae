"""Credit exposure of customers (REQUIREMENTS §4 credit check, §6 shipping gate):

    exposure = open receivables (invoiced, not paid)
             + approved, unsettled orders not yet invoiced (their total − what is invoiced)

Invoiced amounts come from the finance app through orders.lifecycle; with no finance app the
whole value of the unsettled orders counts. One query per part, for any number of customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from core.money import ZERO, money

from . import lifecycle
from .enums import OrderStatus
from .models import Order

S = OrderStatus
# Approved but not yet settled: these amounts are already owed or about to be.
OPEN_EXPOSURE_STATES = (
    S.APPROVED,
    S.IN_PRODUCTION,
    S.READY_TO_SHIP,
    S.PARTIALLY_SHIPPED,
    S.SHIPPED,
    S.DELIVERED,
    S.ON_HOLD,
)


@dataclass(frozen=True)
class Exposure:
    receivables: Decimal
    uninvoiced_orders: Decimal

    @property
    def total(self) -> Decimal:
        return self.receivables + self.uninvoiced_orders


def credit_exposures(customers, *, exclude_order=None) -> dict[int, Exposure]:
    customers = list(customers)
    if not customers:
        return {}
    orders = Order.objects.filter(
        customer__in=[c.pk for c in customers], status__in=OPEN_EXPOSURE_STATES
    )
    if exclude_order is not None:
        orders = orders.exclude(pk=exclude_order.pk)
    totals = dict(orders.values_list("customer_id").annotate(s=Sum("total")))
    invoiced = lifecycle.invoiced_on_orders(orders)
    receivables = lifecycle.receivables_of(customers)
    return {
        c.pk: Exposure(
            receivables=money(receivables.get(c.pk, ZERO)),
            uninvoiced_orders=money(max(totals.get(c.pk) or ZERO, ZERO) - invoiced.get(c.pk, ZERO)),
        )
        for c in customers
    }
