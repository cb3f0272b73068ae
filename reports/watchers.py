"""What each deadline rule watches: one query per rule for the watched items that may be due.

A watcher returns (order id, key, anchor) rows for the items whose condition holds and whose
anchor is old enough that the deadline *may* have passed (a cheap superset computed from the
offset in real time); `due_at` then computes each exact due time with the working-day calendar
and the scan keeps those due by now. No loop over all orders, and the superset stays small:
only items close to or past their deadline.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from core.calendar import add_working_days, add_working_hours
from finance.enums import InvoiceKind
from finance.models import Invoice, InvoiceLine
from fulfillment.enums import ProductionStatus, ShipmentStatus
from fulfillment.models import ProductionInstruction, Shipment, ShipmentLine
from orders.enums import (
    REVIEW_STATES,
    ChangeRequestStatus,
    OrderEventType,
    OrderStatus,
    SupplyMode,
)
from orders.models import ChangeRequest, Order, OrderEvent, OrderLine

from .enums import OffsetUnit, RuleCode
from .models import CustomerFeedback, DeadlineRule

S = OrderStatus
Row = tuple[int, str, object]  # (order id, key, anchor: datetime or date)
NOT_YET_SHIPPED = (S.APPROVED, S.IN_PRODUCTION, S.READY_TO_SHIP, S.PARTIALLY_SHIPPED)
# Shipped goods are invoiced while the order runs (also on hold); a settled order is done.
INVOICE_EXPECTED = (S.PARTIALLY_SHIPPED, S.SHIPPED, S.DELIVERED, S.ON_HOLD)
FEEDBACK_WINDOW = dt.timedelta(days=30)  # older deliveries are no longer followed up


def _hours_per_day() -> float:
    start = dt.datetime.strptime(settings.WORKING_HOURS_START, "%H:%M")
    end = dt.datetime.strptime(settings.WORKING_HOURS_END, "%H:%M")
    return (end - start).total_seconds() / 3600


def _local_start(day: dt.date, midnight: bool = False) -> dt.datetime:
    at = (
        dt.time(0, 0)
        if midnight
        else dt.datetime.strptime(settings.WORKING_HOURS_START, "%H:%M").time()
    )
    return timezone.make_aware(dt.datetime.combine(day, at))


def due_at(rule: DeadlineRule, anchor) -> dt.datetime:
    """The exact due time of an item anchored at `anchor` (a datetime, or a date such as the
    promised date: then the due day starts at the opening of working hours, or at midnight
    for calendar days)."""
    n, unit = rule.offset, rule.offset_unit
    if isinstance(anchor, dt.datetime):
        if unit == OffsetUnit.WORKING_HOURS:
            return add_working_hours(anchor, n)
        if unit == OffsetUnit.WORKING_DAYS:
            return add_working_hours(anchor, n * _hours_per_day())
        if unit == OffsetUnit.HOURS:
            return anchor + dt.timedelta(hours=n)
        return anchor + dt.timedelta(days=n)
    if unit == OffsetUnit.WORKING_DAYS:
        return _local_start(add_working_days(anchor, n))
    if unit == OffsetUnit.DAYS:
        return _local_start(anchor + dt.timedelta(days=n), midnight=True)
    if unit == OffsetUnit.WORKING_HOURS:
        return add_working_hours(_local_start(anchor), n)
    return _local_start(anchor, midnight=True) + dt.timedelta(hours=n)


def _latest_moment(rule: DeadlineRule, now: dt.datetime) -> dt.datetime:
    """Anchors after this cannot be due yet: the offset takes at least this much real time."""
    n, unit = max(rule.offset, 0), rule.offset_unit
    if unit == OffsetUnit.WORKING_DAYS:
        return now - dt.timedelta(hours=n * _hours_per_day())
    if unit in (OffsetUnit.WORKING_HOURS, OffsetUnit.HOURS):
        return now - dt.timedelta(hours=n)
    return now - dt.timedelta(days=n)


def _latest_day(rule: DeadlineRule, today: dt.date) -> dt.date:
    """Dates after this cannot be due yet (a negative offset looks ahead)."""
    n, unit = rule.offset, rule.offset_unit
    if n >= 0:
        # The due day is at least this many calendar days after the anchor: n calendar or
        # working days; a day per 24 hours; for working hours, all but the last period.
        if unit == OffsetUnit.HOURS:
            back = n // 24
        elif unit == OffsetUnit.WORKING_HOURS:
            back = max(0, math.ceil(n / _hours_per_day()) - 1)
        else:
            back = n
        return today - dt.timedelta(days=back)
    # n working days before the date: dates up to about n working days (+ a holiday) ahead.
    return add_working_days(today, -n) + dt.timedelta(days=7)


def _keyed(prefix: str, rows) -> list[Row]:
    """(order id, item id, anchor) to rows of an item an order may have several of (change
    requests, shipments, invoices): the key tells the alerts of one order apart."""
    return [(order_id, f"{prefix}{pk}", anchor) for order_id, pk, anchor in rows]


def _per_order(rows) -> list[Row]:
    """(order id, anchor) to rows of a rule that watches the order itself: one alert, no key."""
    return [(pk, "", anchor) for pk, anchor in rows]


def _entered_current_status():
    return Subquery(
        OrderEvent.objects.filter(
            order=OuterRef("pk"),
            event_type=OrderEventType.TRANSITION,
            to_status=OuterRef("status"),
        )
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )


def approval_step(rule, now) -> Iterable[Row]:
    rows = (
        Order.objects.filter(status__in=REVIEW_STATES)
        .annotate(anchor=_entered_current_status())
        .filter(anchor__lte=_latest_moment(rule, now))
        .values_list("pk", "status", "anchor")
    )
    return list(rows)


def change_request(rule, now) -> Iterable[Row]:
    rows = ChangeRequest.objects.filter(
        status=ChangeRequestStatus.PENDING, created_at__lte=_latest_moment(rule, now)
    ).values_list("order_id", "pk", "created_at")
    return _keyed("cr", rows)


def production_instruction(rule, now) -> Iterable[Row]:
    needs_production = Exists(
        OrderLine.objects.filter(
            order=OuterRef("pk"),
            product__supply_mode=SupplyMode.MAKE_TO_ORDER,
            is_closed=False,
        )
    )
    has_instruction = Exists(
        ProductionInstruction.objects.filter(order=OuterRef("pk")).exclude(
            status=ProductionStatus.CANCELLED
        )
    )
    rows = (
        Order.objects.filter(status=S.APPROVED, approved_at__lte=_latest_moment(rule, now))
        .filter(needs_production, ~has_instruction)
        .values_list("pk", "approved_at")
    )
    return _per_order(rows)


def _promised(rule, now) -> list[Row]:
    rows = Order.objects.filter(
        status__in=NOT_YET_SHIPPED,
        promised_date__isnull=False,
        promised_date__lte=_latest_day(rule, timezone.localdate(now)),
    ).values_list("pk", "promised_date")
    return _per_order(rows)


def follow_up(rule, now) -> Iterable[Row]:
    return _promised(rule, now)


def shipment_overdue(rule, now) -> Iterable[Row]:
    return _promised(rule, now)


def receipt_missing(rule, now) -> Iterable[Row]:
    rows = Shipment.objects.filter(
        status=ShipmentStatus.SHIPPED,
        shipped_on__lte=_latest_day(rule, timezone.localdate(now)),
    ).values_list("order_id", "pk", "shipped_on")
    return _keyed("sh", rows)


def customer_feedback(rule, now) -> Iterable[Row]:
    delivered = Subquery(
        OrderEvent.objects.filter(
            order=OuterRef("pk"),
            event_type=OrderEventType.TRANSITION,
            to_status=S.DELIVERED,
        )
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    rows = (
        Order.objects.filter(status__in=(S.DELIVERED, S.SETTLED))
        .filter(~Exists(CustomerFeedback.objects.filter(order=OuterRef("pk"))))
        .annotate(anchor=delivered)
        .filter(anchor__lte=_latest_moment(rule, now), anchor__gte=now - FEEDBACK_WINDOW)
        .values_list("pk", "anchor")
    )
    return _per_order(rows)


def invoice_due(rule, now) -> Iterable[Row]:
    """Each shipment whose goods are not all invoiced yet, anchored at its own shipping time.

    Invoices are not tied to shipments: a line's invoiced quantity covers its shipments in
    order (first shipped, first invoiced), so a shipment is open while, for one of its lines,
    the quantity shipped up to and including it exceeds what is invoiced for that line. A
    later shipment does not restart the clock of an earlier one."""
    shipped_so_far = Subquery(
        ShipmentLine.objects.filter(
            order_line=OuterRef("order_line"), shipment_id__lte=OuterRef("shipment_id")
        )
        .values("order_line")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    invoiced = Subquery(
        InvoiceLine.objects.filter(order_line=OuterRef("order_line"))
        .values("order_line")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    not_invoiced = (
        ShipmentLine.objects.filter(shipment=OuterRef("pk"))
        .annotate(shipped_so_far=shipped_so_far, invoiced=invoiced)
        .filter(Q(invoiced__isnull=True) | Q(invoiced__lt=F("shipped_so_far")))
    )
    rows = (
        Shipment.objects.filter(
            order__status__in=INVOICE_EXPECTED, created_at__lte=_latest_moment(rule, now)
        )
        .filter(Exists(not_invoiced))
        .values_list("order_id", "pk", "created_at")
    )
    return _keyed("sh", rows)


def payment_overdue(rule, now) -> Iterable[Row]:
    rows = (
        Invoice.objects.filter(kind=InvoiceKind.NORMAL, allocated__lt=F("total") + F("credited"))
        .filter(due_date__lte=_latest_day(rule, timezone.localdate(now)))
        .values_list("order_id", "pk", "due_date")
    )
    return _keyed("iv", rows)


WATCHERS: dict[str, Callable] = {
    RuleCode.APPROVAL_STEP: approval_step,
    RuleCode.CHANGE_REQUEST: change_request,
    RuleCode.PRODUCTION_INSTRUCTION: production_instruction,
    RuleCode.FOLLOW_UP: follow_up,
    RuleCode.SHIPMENT_OVERDUE: shipment_overdue,
    RuleCode.RECEIPT_MISSING: receipt_missing,
    RuleCode.CUSTOMER_FEEDBACK: customer_feedback,
    RuleCode.INVOICE_DUE: invoice_due,
    RuleCode.PAYMENT_OVERDUE: payment_overdue,
}
