"""What the weekly and the monthly report share: per-order amounts, the shipping gate for a
whole list, planned shipments of a period and the rows' plain-data shapes.

Every function here costs a fixed number of queries, whatever the number of orders.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DateField, Prefetch, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.money import ZERO, money
from core.templatetags.ui import person
from finance.balances import line_value
from finance.models import Allocation, Invoice
from fulfillment.enums import OPEN_DEVIATION
from fulfillment.gate import gate_blocks
from fulfillment.models import Deviation
from orders.enums import OrderStatus
from orders.models import Order, OrderLine

S = OrderStatus
# Approved and not (fully) shipped: what is still to be shipped.
UNSHIPPED = (S.APPROVED, S.IN_PRODUCTION, S.READY_TO_SHIP, S.PARTIALLY_SHIPPED, S.ON_HOLD)
# Orders the shipping gate is asked about: those the warehouse could ship now.
READY = (S.READY_TO_SHIP, S.PARTIALLY_SHIPPED)
RATIO = Decimal("0.0001")


# --- plain values -------------------------------------------------------------------------------
def amount(value) -> str:
    return str(money(value or ZERO))


def ratio(part, whole) -> str | None:
    """part ÷ whole as a fraction with 4 decimals ("0.2500"); None when whole is nothing."""
    if not whole:
        return None
    return str((Decimal(part or 0) / Decimal(whole)).quantize(RATIO, rounding=ROUND_HALF_UP))


def total_of(rows, key: str) -> Decimal:
    """Σ row[key] over rows whose values are amounts as strings."""
    return sum((Decimal(row[key]) for row in rows if row[key] is not None), ZERO)


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# --- amounts per order ----------------------------------------------------------------------------
def lines_prefetch() -> Prefetch:
    return Prefetch("lines", queryset=OrderLine.objects.order_by("sequence"))


def order_head(order: Order) -> dict:
    """The columns every order row of a report starts with (customer and owner selected)."""
    return {
        "id": order.pk,
        "number": order.number,
        "customer": order.customer.name,
        "owner": person(order.owner),
        "status": order.status,
    }


def shipped_value(order: Order) -> Decimal:
    """Σ shipped quantity × unit price over the (prefetched) lines; a fully shipped line is
    exactly its amount (finance.balances.line_value)."""
    return sum(
        (line_value(line, line.shipped_quantity) for line in order.lines.all()),
        ZERO,
    )


def open_value(order: Order) -> Decimal:
    """Value still to ship: the open quantity of the lines not closed."""
    return sum(
        (line_value(line, line.open_quantity) for line in order.lines.all() if not line.is_closed),
        ZERO,
    )


def invoiced_by_order(order_ids) -> dict[int, Decimal]:
    """Σ invoices net of red-letter credit notes, per order (one query)."""
    rows = (
        Invoice.objects.filter(order_id__in=order_ids)
        .values_list("order_id")
        .annotate(total=Sum("total"))
    )
    return {order_id: money(total or ZERO) for order_id, total in rows}


def received_by_order(order_ids) -> dict[int, Decimal]:
    """Σ live allocations per order (reversed ones no longer count; one query)."""
    rows = (
        Allocation.objects.filter(order_id__in=order_ids, reversed_at__isnull=True)
        .values_list("order_id")
        .annotate(total=Sum("amount"))
    )
    return {order_id: money(total or ZERO) for order_id, total in rows}


# --- the shipping gate for a list -----------------------------------------------------------------
def blocked_reasons(orders) -> dict[int, list[str]]:
    """The orders the shipping gate blocks (fulfillment.gate, REQUIREMENTS §6, 000 D6), with
    why (GateReason codes); a fixed number of queries for the whole list."""
    return {
        pk: [str(reason) for reason in gate.reasons]
        for pk, gate in gate_blocks(orders).items()
        if gate.blocked
    }


# --- rows ---------------------------------------------------------------------------------------
def deviation_row(deviation: Deviation, today: dt.date) -> dict:
    raised = timezone.localdate(deviation.raised_at) if deviation.raised_at else None
    return {
        "id": deviation.pk,
        "number": deviation.number,
        "kind": deviation.kind,
        "category": deviation.category,
        "severity": deviation.severity,
        "title": deviation.title,
        "status": deviation.status,
        "order_id": deviation.order_id,
        "order": deviation.order.number,
        "customer": deviation.order.customer.name,
        "owner": person(deviation.owner),
        "raised_on": iso(raised),
        "days_open": (today - raised).days if raised else None,
    }


def open_deviations(as_of: dt.date) -> list[Deviation]:
    """Every open deviation and complaint raised by the end of `as_of`, most recent first
    (one query); a report for a past week does not list what was raised after it."""
    tz = timezone.get_default_timezone()
    until = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0, 0), tz)
    return list(
        Deviation.objects.filter(status__in=OPEN_DEVIATION, raised_at__lt=until)
        .select_related("order", "order__customer", "owner")
        .order_by("-raised_at", "-id")
    )


def planned_shipments(start: dt.date, end: dt.date) -> list[dict]:
    """Orders still to ship whose planned ship date (the execution plan's, else the promised
    date) falls in [start, end], by date (two queries)."""
    orders = (
        Order.objects.filter(status__in=UNSHIPPED)
        .annotate(
            ship_on=Coalesce(
                "execution_plan__planned_ship", "promised_date", output_field=DateField()
            )
        )
        .filter(ship_on__gte=start, ship_on__lte=end)
        .select_related("customer", "owner", "execution_plan")
        .prefetch_related(lines_prefetch())
        .order_by("ship_on", "number")
    )
    rows = []
    for order in orders:
        plan = getattr(order, "execution_plan", None)
        from_plan = plan is not None and plan.planned_ship is not None
        rows.append(
            {
                **order_head(order),
                "ship_on": iso(order.ship_on),
                "source": "plan" if from_plan else "promised",
                "promised_date": iso(order.promised_date),
                "open_value": amount(open_value(order)),
                "total": amount(order.total),
            }
        )
    return rows
