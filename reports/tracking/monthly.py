"""The monthly execution report (REQUIREMENTS §9, 000 D6/D21), as plain data.

Sections:
- record: 销售合同执行月度记录表 — every order executed in the period (approved, shipped,
  delivered or settled within it) with contract, customer, dates and the amounts ordered,
  shipped, invoiced and received (to date);
- next_month: the shipments planned in the next period (26th to 25th);
- kpi.on_time: on-time delivery per line — a line fully shipped in the period is on time when
  its last ship date is on or before its order's promised date (a line without a promised
  date cannot be late); rate = on time ÷ lines fully shipped in the period;
- kpi.lead_time: approval lead time per review step — for every step left in the period
  (approved, rejected or cancelled), the working hours (core.calendar) from the order
  entering the step to leaving it, averaged per step;
- kpi.delay_reasons: a Pareto of why orders were late — the late orders are those with a line
  shipped late in the period and those not fully shipped whose promised date has passed;
  each late order counts once per cause category of its deviations and complaints, or once
  as "no reason recorded"; sorted by count, with the cumulative share;
- kpi.collection: cash collection rate = received in the period ÷ (open receivables at the
  period's start + invoiced in the period). Received = live allocations of receipts received
  in the period (prepayments included, so the rate may pass 100 %); invoiced = invoices net of
  credit notes issued in the period; open receivables at the start = invoices issued before it
  less what was allocated to them from receipts received before it.

A fixed number of queries whatever the number of orders (about fifteen).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from core.calendar import working_hours_between
from core.money import ZERO, money
from core.templatetags.ui import person
from finance.models import Allocation, Invoice
from fulfillment.enums import DeviationCategory
from fulfillment.models import Deviation
from orders.enums import REVIEW_STATES, OrderEventType, OrderStatus
from orders.models import Order, OrderEvent, OrderLine

from ..enums import ReportKind
from .common import (
    UNSHIPPED,
    amount,
    invoiced_by_order,
    iso,
    lines_prefetch,
    planned_shipments,
    ratio,
    received_by_order,
    shipped_value,
    total_of,
)
from .periods import bounds, next_period, period_of

S = OrderStatus
NO_REASON = "none"
EXECUTION_TRANSITIONS = ("ship", "confirm_delivery", "settle")
HOURS = Decimal("0.01")


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


def _entered(status: str):
    return Subquery(
        OrderEvent.objects.filter(
            order=OuterRef("pk"), event_type=OrderEventType.TRANSITION, to_status=status
        )
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )


def monthly_report_data(*, period_start: dt.date, as_of: dt.date) -> dict:
    """The monthly report of the period starting `period_start` (a 26th), as of `as_of`."""
    start, end = period_of(ReportKind.MONTHLY, period_start)
    next_start, next_end = next_period(ReportKind.MONTHLY, start)
    start_at, end_at = bounds(start, end)
    record = _record(start_at, end_at)
    on_time, late_lines = _on_time(start, end)
    late_orders = _late_orders(late_lines, end, as_of)
    next_month = planned_shipments(next_start, next_end)
    return {
        "kind": ReportKind.MONTHLY.value,
        "period": {"start": iso(start), "end": iso(end)},
        "as_of": iso(as_of),
        "next_period": {"start": iso(next_start), "end": iso(next_end)},
        "record": record,
        "record_totals": {
            key: amount(total_of(record, key))
            for key in ("total", "shipped_value", "invoiced", "received")
        },
        "next_month": next_month,
        "kpi": {
            "on_time": on_time,
            "lead_time": _lead_times(start_at, end_at),
            "delay_reasons": _pareto(late_orders),
            "late_orders": late_orders,
            "collection": _collection(start, end),
        },
        "totals": {
            "record": len(record),
            "next_month": len(next_month),
            "next_month_value": amount(total_of(next_month, "open_value")),
        },
    }


# --- the execution record -------------------------------------------------------------------------
def _record(start_at: dt.datetime, end_at: dt.datetime) -> list[dict]:
    executed = Exists(
        OrderEvent.objects.filter(
            order=OuterRef("pk"),
            event_type=OrderEventType.TRANSITION,
            transition__in=EXECUTION_TRANSITIONS,
            created_at__gte=start_at,
            created_at__lt=end_at,
        )
    )
    orders = list(
        Order.objects.filter(Q(approved_at__gte=start_at, approved_at__lt=end_at) | executed)
        .select_related("customer", "owner", "contract")
        .prefetch_related(lines_prefetch())
        .annotate(delivered_at=_entered(S.DELIVERED), settled_at=_entered(S.SETTLED))
        .order_by("number")
    )
    ids = [order.pk for order in orders]
    invoiced = invoiced_by_order(ids)
    received = received_by_order(ids)
    rows = []
    for order in orders:
        ship_dates = [line.last_ship_date for line in order.lines.all() if line.last_ship_date]
        rows.append(
            {
                "id": order.pk,
                "number": order.number,
                "contract": order.contract.number if order.contract else "",
                "customer": order.customer.name,
                "owner": person(order.owner),
                "status": order.status,
                "order_date": iso(order.order_date),
                "approved_on": iso(_local_date(order.approved_at)),
                "promised_date": iso(order.promised_date),
                "last_shipped_on": iso(max(ship_dates) if ship_dates else None),
                "delivered_on": iso(_local_date(order.delivered_at)),
                "settled_on": iso(_local_date(order.settled_at)),
                "total": amount(order.total),
                "shipped_value": amount(shipped_value(order)),
                "invoiced": amount(invoiced.get(order.pk)),
                "received": amount(received.get(order.pk)),
            }
        )
    return rows


# --- on-time delivery per line ------------------------------------------------------------------
def _on_time(start: dt.date, end: dt.date) -> tuple[dict, list[dict]]:
    lines = list(
        OrderLine.objects.filter(
            shipped_quantity__gte=F("quantity"),
            last_ship_date__gte=start,
            last_ship_date__lte=end,
        )
        .select_related("order", "order__customer", "product")
        .order_by("order__number", "sequence")
    )
    late = []
    for line in lines:
        promised = line.order.promised_date
        if promised is not None and line.last_ship_date > promised:
            late.append(
                {
                    "order_id": line.order_id,
                    "order": line.order.number,
                    "customer": line.order.customer.name,
                    "sequence": line.sequence,
                    "product": f"{line.product.code} {line.product.name}",
                    "promised_date": iso(promised),
                    "shipped_on": iso(line.last_ship_date),
                    "days_late": (line.last_ship_date - promised).days,
                }
            )
    summary = {
        "lines": len(lines),
        "on_time": len(lines) - len(late),
        "late": len(late),
        "rate": ratio(len(lines) - len(late), len(lines)),
        "late_lines": late,
    }
    return summary, late


# --- delay reasons --------------------------------------------------------------------------------
def _late_orders(late_lines: list[dict], end: dt.date, as_of: dt.date) -> list[dict]:
    """Orders late in the period: a line shipped late in it, or still not fully shipped past
    the promised date. Each with the cause categories of its deviations (one query each)."""
    late = {}
    for line in late_lines:
        row = late.setdefault(
            line["order_id"],
            {
                "id": line["order_id"],
                "number": line["order"],
                "customer": line["customer"],
                "promised_date": line["promised_date"],
                "days_late": 0,
                "shipped": True,
            },
        )
        row["days_late"] = max(row["days_late"], line["days_late"])
    cutoff = min(as_of, end + dt.timedelta(days=1))
    for order in (
        Order.objects.filter(status__in=UNSHIPPED, promised_date__lt=cutoff)
        .select_related("customer")
        .order_by("promised_date", "number")
    ):
        late.setdefault(
            order.pk,
            {
                "id": order.pk,
                "number": order.number,
                "customer": order.customer.name,
                "promised_date": iso(order.promised_date),
                "days_late": (cutoff - order.promised_date).days,
                "shipped": False,
            },
        )
    categories = defaultdict(set)
    for order_id, category in Deviation.objects.filter(order_id__in=list(late)).values_list(
        "order_id", "category"
    ):
        categories[order_id].add(category)
    order_of_category = {code: i for i, code in enumerate(DeviationCategory.values)}
    rows = []
    for row in late.values():
        found = sorted(categories.get(row["id"], ()), key=order_of_category.get)
        rows.append({**row, "categories": found or [NO_REASON]})
    return sorted(rows, key=lambda row: (-row["days_late"], row["number"]))


def _pareto(late_orders: list[dict]) -> list[dict]:
    counts = Counter(category for row in late_orders for category in row["categories"])
    rank = {code: i for i, code in enumerate([*DeviationCategory.values, NO_REASON])}
    total = sum(counts.values())
    rows, running = [], 0
    for category, count in sorted(counts.items(), key=lambda kv: (-kv[1], rank[kv[0]])):
        running += count
        rows.append(
            {
                "category": category,
                "count": count,
                "share": ratio(count, total),
                "cumulative": ratio(running, total),
            }
        )
    return rows


# --- approval lead time per step ------------------------------------------------------------------
def _lead_times(start_at: dt.datetime, end_at: dt.datetime) -> list[dict]:
    entered = Subquery(
        OrderEvent.objects.filter(
            order=OuterRef("order"),
            event_type=OrderEventType.TRANSITION,
            to_status=OuterRef("from_status"),
            pk__lt=OuterRef("pk"),
        )
        .order_by("-pk")
        .values("created_at")[:1]
    )
    left = (
        OrderEvent.objects.filter(
            event_type=OrderEventType.TRANSITION,
            from_status__in=REVIEW_STATES,
            created_at__gte=start_at,
            created_at__lt=end_at,
        )
        .annotate(entered_at=entered)
        .values_list("from_status", "entered_at", "created_at")
    )
    hours = defaultdict(list)
    for step, entered_at, left_at in left:
        if entered_at is not None:
            hours[step].append(Decimal(str(working_hours_between(entered_at, left_at))))
    rows = []
    for step in REVIEW_STATES:
        values = hours.get(step, [])
        average = sum(values, Decimal("0")) / len(values) if values else None
        rows.append(
            {
                "step": step.value,
                "count": len(values),
                "average_hours": _hours(average),
                "max_hours": _hours(max(values)) if values else None,
            }
        )
    return rows


def _hours(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(HOURS, rounding=ROUND_HALF_UP))


# --- cash collection ----------------------------------------------------------------------------
def _collection(start: dt.date, end: dt.date) -> dict:
    def invoiced_where(**lookups) -> Decimal:
        return money(Invoice.objects.filter(**lookups).aggregate(s=Sum("total"))["s"] or ZERO)

    def paid_where(**lookups) -> Decimal:
        """Money received and allocated to invoices; a reversed allocation was never paid."""
        live = Allocation.objects.filter(reversed_at__isnull=True, **lookups)
        return money(live.aggregate(s=Sum("amount"))["s"] or ZERO)

    paid_before = paid_where(invoice__issue_date__lt=start, receipt__received_on__lt=start)
    opening = invoiced_where(issue_date__lt=start) - paid_before
    invoiced = invoiced_where(issue_date__gte=start, issue_date__lte=end)
    received = paid_where(receipt__received_on__gte=start, receipt__received_on__lte=end)
    due = opening + invoiced
    return {
        "opening_receivables": amount(opening),
        "invoiced": amount(invoiced),
        "received": amount(received),
        "due": amount(due),
        "rate": ratio(received, due) if due > 0 else None,
    }
