"""The weekly tracking report (REQUIREMENTS §9, 000 D21), as plain data.

Sections:
- orders: every order in execution (approved, in production, ready to ship, partially
  shipped, shipped, on hold) with its status, promised date, shipped / invoiced / received
  percentages, days late and the reason;
- next_week: the shipments planned for the following Monday to Sunday;
- overdue: the orders not fully shipped whose promised date has passed;
- blocked: ready (or partly shipped) orders the shipping gate holds back, and why;
- deviations: open deviations and complaints.

Percentages are by amount: shipped = Σ shipped quantity × unit price ÷ the lines' total (the
goods; freight is not shipped), invoiced = Σ invoices net of credit notes ÷ the order total,
received = Σ live allocations ÷ the order total.

Days late are calendar days from the promised date to the report's date (the Friday it is
built, or the period's last day for a past week), for orders not fully shipped; 0 when not
late, empty without a promised date. Calendar days because the promise to the customer is a
calendar date and the deadline rule "shipment overdue" counts calendar days too.

The reason, first found: the latest open deviation or complaint of the order (category and
title), else why the shipping gate blocks it, else the comment of its last hold when it is
on hold, else nothing.

A fixed number of queries whatever the number of orders (about ten).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery

from orders.enums import OrderEventType, OrderStatus
from orders.models import Order, OrderEvent

from ..enums import ReportKind
from .common import (
    READY,
    amount,
    blocked_reasons,
    deviation_row,
    invoiced_by_order,
    iso,
    lines_prefetch,
    open_deviations,
    order_head,
    planned_shipments,
    ratio,
    received_by_order,
    shipped_value,
    total_of,
)
from .periods import next_period, period_of

S = OrderStatus
IN_EXECUTION = (
    S.APPROVED,
    S.IN_PRODUCTION,
    S.READY_TO_SHIP,
    S.PARTIALLY_SHIPPED,
    S.SHIPPED,
    S.ON_HOLD,
)


def _last_hold_comment():
    return Subquery(
        OrderEvent.objects.filter(
            order=OuterRef("pk"), event_type=OrderEventType.TRANSITION, transition="hold"
        )
        .order_by("-created_at", "-id")
        .values("comment")[:1]
    )


def days_late(order: Order, as_of: dt.date) -> int | None:
    if order.promised_date is None:
        return None
    if order.status == S.SHIPPED:
        return 0
    return max((as_of - order.promised_date).days, 0)


def weekly_report_data(*, period_start: dt.date, as_of: dt.date) -> dict:
    """The weekly report of the week starting `period_start`, as of the day `as_of`."""
    start, end = period_of(ReportKind.WEEKLY, period_start)
    next_start, next_end = next_period(ReportKind.WEEKLY, start)
    orders = list(
        Order.objects.filter(status__in=IN_EXECUTION)
        .select_related("customer", "owner")
        .prefetch_related(lines_prefetch())
        .annotate(hold_comment=_last_hold_comment())
        .order_by("promised_date", "number")
    )
    ids = [order.pk for order in orders]
    invoiced = invoiced_by_order(ids)
    received = received_by_order(ids)
    blocked = blocked_reasons([o for o in orders if o.status in READY])
    deviations = open_deviations(as_of)
    latest_deviation = {}
    for deviation in deviations:  # most recent first: keep the first seen per order
        latest_deviation.setdefault(deviation.order_id, deviation)

    rows = []
    for order in orders:
        shipped = shipped_value(order)
        late = days_late(order, as_of)
        rows.append(
            {
                **order_head(order),
                "promised_date": iso(order.promised_date),
                "total": amount(order.total),
                "shipped_value": amount(shipped),
                "invoiced": amount(invoiced.get(order.pk)),
                "received": amount(received.get(order.pk)),
                "shipped_pct": ratio(shipped, order.lines_total),
                "invoiced_pct": ratio(invoiced.get(order.pk), order.total),
                "received_pct": ratio(received.get(order.pk), order.total),
                "days_late": late,
                "reason": _reason(order, latest_deviation.get(order.pk), blocked.get(order.pk)),
            }
        )
    overdue = sorted(
        (row for row in rows if row["days_late"]),
        key=lambda row: (-row["days_late"], row["number"]),
    )
    blocked_rows = [
        {**row, "gate_reasons": blocked[row["id"]]} for row in rows if row["id"] in blocked
    ]
    deviation_rows = [deviation_row(d, as_of) for d in deviations]
    next_week = planned_shipments(next_start, next_end)
    return {
        "kind": ReportKind.WEEKLY.value,
        "period": {"start": iso(start), "end": iso(end)},
        "as_of": iso(as_of),
        "next_period": {"start": iso(next_start), "end": iso(next_end)},
        "orders": rows,
        "next_week": next_week,
        "overdue": overdue,
        "blocked": blocked_rows,
        "deviations": deviation_rows,
        "totals": {
            "orders": len(rows),
            "overdue": len(overdue),
            "blocked": len(blocked_rows),
            "deviations": sum(1 for d in deviation_rows if d["kind"] == "deviation"),
            "complaints": sum(1 for d in deviation_rows if d["kind"] == "complaint"),
            "next_week": len(next_week),
            "next_week_value": amount(total_of(next_week, "open_value")),
        },
    }


def _reason(order: Order, deviation, gate_reasons) -> dict | None:
    if deviation is not None:
        return {
            "source": "deviation",
            "number": deviation.number,
            "kind": deviation.kind,
            "category": deviation.category,
            "title": deviation.title,
        }
    if gate_reasons:
        return {"source": "gate", "reasons": list(gate_reasons)}
    if order.status == S.ON_HOLD and order.hold_comment:
        return {"source": "hold", "comment": order.hold_comment}
    return None
