"""Reads for the warehouse and production board and the production instruction pages.

Every function answers in a fixed number of queries whatever the number of orders: the board
loads the orders that are ready to ship once (the shipping gate is decided in Python, by
fulfillment.gate, for all of them together), and the other sections are limited database
queries; the rows shown are then completed (open lines, deviation counts, pending risk
requests) with one query each for all of them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.calendar import next_working_day
from core.errors import NotFound
from core.roles import Role, has_role
from orders import permissions as order_perms
from orders.enums import OrderStatus
from orders.models import Order, OrderLine
from orders.selectors import order_list

from .enums import OPEN_DEVIATION, OPEN_PRODUCTION, OPEN_RISK, DeviationKind
from .gate import Gate, gate_blocks
from .models import (
    Deviation,
    ProductionInstruction,
    ProductionInstructionLine,
    ProductionReport,
    RiskShipmentRequest,
)

S = OrderStatus
BOARD_VIEWERS = (Role.WAREHOUSE, Role.PRODUCTION, Role.SALES_HEAD, Role.GM, Role.ADMIN)
READY = (S.READY_TO_SHIP, S.PARTIALLY_SHIPPED)
# Approved and not yet (fully) shipped: what the warehouse and production still owe.
TO_SHIP = (S.APPROVED, S.IN_PRODUCTION, S.READY_TO_SHIP, S.PARTIALLY_SHIPPED)
UNSHIPPED = (*TO_SHIP, S.ON_HOLD)
BOARD_LIMIT = 20
LINES_SHOWN = 2

# Section keys in the order the board shows them, with their headings.
SECTIONS = {
    "pick_today": _("To pick today"),
    "this_week": _("To ship this week"),
    "blocked": _("Blocked"),
    "overdue": _("Overdue"),
    "production": _("In production"),
    "deviations": _("Open deviations and complaints"),
}


def may_view_board(user) -> bool:
    return has_role(user, *BOARD_VIEWERS)


# --- rows ----------------------------------------------------------------------------------------
@dataclass
class OpenLine:
    code: str
    name: str
    quantity: object
    unit: str


@dataclass
class OrderRow:
    """One order on the board with what the warehouse needs to see at a glance."""

    order: Order
    planned_ship: dt.date | None = None
    late: bool = False
    open_lines: list[OpenLine] = field(default_factory=list)
    more_lines: int = 0
    deviations: int = 0
    complaints: int = 0
    gate: Gate | None = None
    risk_request: RiskShipmentRequest | None = None

    @property
    def blocked(self) -> bool:
        return self.gate is not None and self.gate.blocked

    @property
    def open_issues(self) -> int:
        return self.deviations + self.complaints


@dataclass
class ProductionRow:
    instruction: ProductionInstruction
    row: OrderRow
    overdue: bool = False


@dataclass
class Section:
    key: str
    title: str
    count: int
    rows: list = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.rows), 0)


@dataclass
class Board:
    today: dt.date
    week_end: dt.date
    sections: dict[str, Section]

    def __iter__(self):
        return iter(self.sections.values())


# --- the pieces ----------------------------------------------------------------------------------
def _planned_ship(order: Order) -> dt.date | None:
    plan = getattr(order, "execution_plan", None)
    return plan.planned_ship if plan is not None else None


def _orders(user) -> QuerySet[Order]:
    return order_list(user=user).select_related("execution_plan")


def _week_end(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=6 - today.weekday())


def _pick_today(order: Order, today: dt.date, pick_by: dt.date) -> bool:
    planned = _planned_ship(order)
    return bool(
        (planned is not None and planned <= today)
        or (order.promised_date is not None and order.promised_date <= pick_by)
    )


def _ready_orders(user):
    """Every order ready to ship (the gate is decided per order in Python), with its gate."""
    ready = list(_orders(user).filter(status__in=READY).order_by("promised_date", "number"))
    return ready, gate_blocks(ready)


def _week_queryset(user, today: dt.date, week_end: dt.date, exclude_ids) -> QuerySet[Order]:
    window = Q(execution_plan__planned_ship__range=(today, week_end)) | Q(
        promised_date__range=(today, week_end)
    )
    return (
        _orders(user)
        .filter(window, status__in=TO_SHIP)
        .exclude(pk__in=exclude_ids)
        .order_by("promised_date", "number")
    )


def _overdue_queryset(user, today: dt.date) -> QuerySet[Order]:
    return (
        _orders(user)
        .filter(status__in=UNSHIPPED, promised_date__lt=today)
        .order_by("promised_date", "number")
    )


def _deviation_orders_queryset(user) -> QuerySet[Order]:
    open_ = Q(deviations__status__in=OPEN_DEVIATION)
    return (
        _orders(user)
        .annotate(
            open_deviations=Count(
                "deviations", filter=open_ & Q(deviations__kind=DeviationKind.DEVIATION)
            ),
            open_complaints=Count(
                "deviations", filter=open_ & Q(deviations__kind=DeviationKind.COMPLAINT)
            ),
        )
        .filter(Q(open_deviations__gt=0) | Q(open_complaints__gt=0))
        .order_by("promised_date", "number")
    )


def production_open_queryset(user) -> QuerySet[ProductionInstruction]:
    return (
        production_list(user=user)
        .filter(status__in=OPEN_PRODUCTION)
        .select_related("order__execution_plan")
        .order_by("planned_finish", "id")
    )


def _limited(queryset, limit: int) -> tuple[list, int]:
    """The first `limit` rows and the total; the count query only when the page is full."""
    rows = list(queryset[:limit])
    count = len(rows) if len(rows) < limit else queryset.count()
    return rows, count


def complete_rows(orders, *, today: dt.date, gates: dict | None = None) -> dict[int, OrderRow]:
    """OrderRows for `orders` with their open lines, open deviations and complaints, the gate
    (when known) and any pending risk-shipment request: three queries for all of them."""
    orders = {order.pk: order for order in orders}
    gates = gates or {}
    rows = {
        pk: OrderRow(
            order=order,
            planned_ship=_planned_ship(order),
            late=order.promised_date is not None and order.promised_date < today,
            gate=gates.get(pk),
        )
        for pk, order in orders.items()
    }
    if not rows:
        return rows
    lines = defaultdict(list)
    for line in (
        OrderLine.objects.filter(order_id__in=rows)
        .select_related("product")
        .order_by("order_id", "sequence")
    ):
        if line.open_quantity > 0:
            lines[line.order_id].append(
                OpenLine(line.product.code, line.product.name, line.open_quantity, line.unit)
            )
    for pk, open_lines in lines.items():
        rows[pk].open_lines = open_lines[:LINES_SHOWN]
        rows[pk].more_lines = max(len(open_lines) - LINES_SHOWN, 0)
    for order_id, kind, n in (
        Deviation.objects.filter(order_id__in=rows, status__in=OPEN_DEVIATION)
        .values_list("order_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if kind == DeviationKind.COMPLAINT:
            rows[order_id].complaints += n
        else:
            rows[order_id].deviations += n
    blocked = [pk for pk, row in rows.items() if row.blocked]
    if blocked:
        for request in RiskShipmentRequest.objects.filter(
            order_id__in=blocked, status__in=OPEN_RISK
        ):
            rows[request.order_id].risk_request = request
    return rows


# --- the board -----------------------------------------------------------------------------------
def board_get(*, user, today: dt.date | None = None, limit: int = BOARD_LIMIT) -> Board:
    """The board's sections, each with its count and its first `limit` rows."""
    today = today or timezone.localdate()
    pick_by = next_working_day(today)
    week_end = _week_end(today)
    ready, gates = _ready_orders(user)
    pick = [o for o in ready if _pick_today(o, today, pick_by)]
    blocked = [o for o in ready if gates[o.pk].blocked]
    week, week_count = _limited(_week_queryset(user, today, week_end, [o.pk for o in pick]), limit)
    overdue, overdue_count = _limited(_overdue_queryset(user, today), limit)
    deviating, deviating_count = _limited(_deviation_orders_queryset(user), limit)
    instructions, production_count = _limited(production_open_queryset(user), limit)

    shown = [*pick[:limit], *blocked[:limit], *week, *overdue, *deviating]
    shown += [i.order for i in instructions]
    rows = complete_rows(shown, today=today, gates=gates)

    def order_rows(orders):
        return [rows[o.pk] for o in orders]

    sections = {
        "pick_today": Section("pick_today", SECTIONS["pick_today"], len(pick)),
        "this_week": Section("this_week", SECTIONS["this_week"], week_count),
        "blocked": Section("blocked", SECTIONS["blocked"], len(blocked)),
        "overdue": Section("overdue", SECTIONS["overdue"], overdue_count),
        "production": Section("production", SECTIONS["production"], production_count),
        "deviations": Section("deviations", SECTIONS["deviations"], deviating_count),
    }
    sections["pick_today"].rows = order_rows(pick[:limit])
    sections["this_week"].rows = order_rows(week)
    sections["blocked"].rows = order_rows(blocked[:limit])
    sections["overdue"].rows = order_rows(overdue)
    sections["deviations"].rows = order_rows(deviating)
    sections["production"].rows = [
        ProductionRow(i, rows[i.order_id], overdue=i.planned_finish < today) for i in instructions
    ]
    return Board(today=today, week_end=week_end, sections=sections)


def board_section_items(*, user, key: str, today: dt.date | None = None):
    """All the items of one section (a list or a queryset, to be paginated), or None for an
    unknown key."""
    today = today or timezone.localdate()
    if key in ("pick_today", "blocked", "this_week"):
        ready, gates = _ready_orders(user)
        pick = [o for o in ready if _pick_today(o, today, next_working_day(today))]
        if key == "pick_today":
            return pick
        if key == "blocked":
            return [o for o in ready if gates[o.pk].blocked]
        return _week_queryset(user, today, _week_end(today), [o.pk for o in pick])
    if key == "overdue":
        return _overdue_queryset(user, today)
    if key == "deviations":
        return _deviation_orders_queryset(user)
    if key == "production":
        return production_open_queryset(user)
    return None


def board_section_rows(items, *, key: str, today: dt.date | None = None) -> list:
    """The rows of one page of a section (see board_section_items)."""
    today = today or timezone.localdate()
    items = list(items)
    if key == "production":
        rows = complete_rows([i.order for i in items], today=today)
        return [ProductionRow(i, rows[i.order_id], overdue=i.planned_finish < today) for i in items]
    # The gate matters for what is ready to ship; the page's ready orders are decided together.
    gates = gate_blocks([o for o in items if o.status in READY])
    rows = complete_rows(items, today=today, gates=gates)
    return [rows[o.pk] for o in items]


# --- production instructions ---------------------------------------------------------------------
def production_list(*, user, filters: dict | None = None) -> QuerySet[ProductionInstruction]:
    """Instructions of the orders the user may see; filters: status, overdue (True/False)."""
    filters = filters or {}
    qs = ProductionInstruction.objects.filter(
        order__in=order_list(user=user).values("pk")
    ).select_related("order", "order__customer")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    late = Q(status__in=OPEN_PRODUCTION, planned_finish__lt=timezone.localdate())
    if filters.get("overdue") is True:
        qs = qs.filter(late)
    elif filters.get("overdue") is False:
        qs = qs.exclude(late)
    return qs.order_by("planned_finish", "id")


def production_list_with_lines(*, user, filters: dict | None = None):
    lines = ProductionInstructionLine.objects.select_related("product").order_by("id")
    return production_list(user=user, filters=filters).prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def production_get(*, user, pk) -> ProductionInstruction:
    """One instruction with its lines and reports; NotFound unless the user may see its order."""
    instruction = (
        ProductionInstruction.objects.select_related(
            "order",
            "order__customer",
            "order__owner",
            "issued_by",
            "started_by",
            "finished_by",
        )
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ProductionInstructionLine.objects.select_related(
                    "product", "order_line"
                ).order_by("id"),
            ),
            Prefetch(
                "reports",
                queryset=ProductionReport.objects.select_related("actor").order_by("at", "id"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if instruction is None or not (
        may_view_board(user) or order_perms.may_view(user, instruction.order)
    ):
        raise NotFound()
    return instruction


def instruction_is_overdue(instruction: ProductionInstruction, today: dt.date | None = None):
    today = today or timezone.localdate()
    return instruction.status in OPEN_PRODUCTION and instruction.planned_finish < today
