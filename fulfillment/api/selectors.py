"""Reads behind the fulfillment API, scoped by who may see the order (orders.selectors): a
sales rep reaches only the instructions, shipments, requests and reports of their own orders;
anything else is not found. Every list is one query plus a fixed number of prefetches.

Kept next to the API until the pages need the same reads; then they belong in
fulfillment/selectors.py.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import NotFound
from core.roles import has_role
from orders.models import Order
from orders.selectors import order_list

from ..enums import OPEN_DEVIATION, OPEN_PRODUCTION, CycleKey
from ..models import (
    Deviation,
    ExecutionPlan,
    ProductionInstruction,
    ProductionInstructionLine,
    ProductionReport,
    RiskShipmentDecision,
    RiskShipmentRequest,
    Shipment,
    ShipmentLine,
)
from ..models.plan import MILESTONES
from ..services.plan import MANUAL_MILESTONES, plan_dates, standard_cycles
from ..services.risk import RISK_STEPS


def _visible(user):
    return order_list(user=user).values("pk")


def _found(queryset, pk):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


# --- production -----------------------------------------------------------------------------------
def production_instruction_list(*, user, filters: dict | None = None) -> QuerySet:
    """Filters: status, order, overdue (open and past the planned finish)."""
    filters = filters or {}
    qs = (
        ProductionInstruction.objects.filter(order__in=_visible(user))
        .select_related("order", "order__customer", "issued_by", "started_by", "finished_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ProductionInstructionLine.objects.select_related(
                    "product", "order_line"
                ).order_by("id"),
            )
        )
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("order"):
        qs = qs.filter(order_id=filters["order"])
    if filters.get("overdue") is True:
        qs = qs.filter(status__in=OPEN_PRODUCTION, planned_finish__lt=timezone.localdate())
    elif filters.get("overdue") is False:
        qs = qs.exclude(status__in=OPEN_PRODUCTION, planned_finish__lt=timezone.localdate())
    return qs.order_by("planned_finish", "id")


def production_instruction_get(*, user, instruction_id) -> ProductionInstruction:
    reports = ProductionReport.objects.select_related("actor").order_by("at", "id")
    return _found(
        production_instruction_list(user=user).prefetch_related(
            Prefetch("reports", queryset=reports)
        ),
        instruction_id,
    )


# --- shipments ------------------------------------------------------------------------------------
def shipment_list(*, user, filters: dict | None = None) -> QuerySet:
    """Filters: order, status, date_from and date_to (the ship date, inclusive)."""
    filters = filters or {}
    qs = (
        Shipment.objects.filter(order__in=_visible(user))
        .select_related(
            "order",
            "order__customer",
            "follow_up_owner",
            "created_by",
            "receipt",
            "receipt__uploaded_by",
        )
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ShipmentLine.objects.select_related(
                    "order_line", "order_line__product"
                ).order_by("order_line__sequence", "id"),
            )
        )
    )
    if filters.get("order"):
        qs = qs.filter(order_id=filters["order"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("date_from"):
        qs = qs.filter(shipped_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(shipped_on__lte=filters["date_to"])
    return qs.order_by("-shipped_on", "-id")


def shipment_get(*, user, shipment_id) -> Shipment:
    return _found(shipment_list(user=user), shipment_id)


# --- risk-shipment requests -----------------------------------------------------------------------
def risk_request_list(*, user, filters: dict | None = None) -> QuerySet:
    """Filters: status, order, waiting_for_me (a step the user decides now: finance the first,
    the general manager the second; never one's own request or order)."""
    filters = filters or {}
    decisions = RiskShipmentDecision.objects.select_related("actor", "on_behalf_of").order_by(
        "decided_at", "id"
    )
    qs = (
        RiskShipmentRequest.objects.filter(order__in=_visible(user))
        .select_related("order", "order__customer", "requested_by")
        .prefetch_related(Prefetch("decisions", queryset=decisions))
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("order"):
        qs = qs.filter(order_id=filters["order"])
    if filters.get("waiting_for_me"):
        steps = [step for step, (role, *_rest) in RISK_STEPS.items() if has_role(user, role)]
        qs = qs.filter(status__in=steps).exclude(requested_by=user).exclude(order__owner=user)
        if settings.APPROVAL_DISTINCT_APPROVERS:
            qs = qs.exclude(decisions__actor=user)
    return qs.order_by("-requested_at", "-id")


def risk_request_get(*, user, request_id) -> RiskShipmentRequest:
    return _found(risk_request_list(user=user), request_id)


# --- deviations -----------------------------------------------------------------------------------
def deviation_list(*, user, filters: dict | None = None) -> QuerySet:
    """Filters: kind, status, open (open or in progress), order."""
    filters = filters or {}
    qs = Deviation.objects.filter(order__in=_visible(user)).select_related(
        "order", "order__customer", "owner", "raised_by"
    )
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("open") is True:
        qs = qs.filter(status__in=OPEN_DEVIATION)
    elif filters.get("open") is False:
        qs = qs.exclude(status__in=OPEN_DEVIATION)
    if filters.get("order"):
        qs = qs.filter(order_id=filters["order"])
    return qs.order_by("-raised_at", "-id")


def deviation_get(*, user, deviation_id) -> Deviation:
    return _found(deviation_list(user=user), deviation_id)


# --- execution plan -------------------------------------------------------------------------------
MILESTONE_LABELS = {
    "survey": _("Site survey"),
    "into_stock": _("Into stock"),
    "ship": _("Shipment"),
    "arrival": _("Arrival"),
    "installation": _("Installation"),
    "acceptance": _("Acceptance"),
}


def execution_plan_get(*, order: Order) -> dict:
    """Planned next to actual for each milestone. An order without a stored plan (not yet
    approved) shows the plan its dates would give, computed without writing it."""
    plan = ExecutionPlan.objects.filter(order=order).first()
    if plan is not None:
        values = {
            f"{kind}_{name}": getattr(plan, f"{kind}_{name}")
            for name in MILESTONES
            for kind in ("planned", "actual")
        }
    else:
        values = plan_dates(order, standard_cycles())
    today = timezone.localdate()
    milestones = []
    for name in MILESTONES:
        planned: dt.date | None = values.get(f"planned_{name}")
        actual: dt.date | None = values.get(f"actual_{name}")
        late = planned is not None and (actual or today) > planned
        milestones.append(
            {
                "milestone": name,
                "label": MILESTONE_LABELS[name],
                "planned": planned,
                "actual": actual,
                "manual": name in MANUAL_MILESTONES,
                "late": late,
            }
        )
    return {
        "order": order.pk,
        "stored": plan is not None,
        "computed_at": plan.computed_at if plan is not None else None,
        "milestones": milestones,
    }


def standard_cycle_rows() -> list[dict]:
    """Every standard cycle with its working days (the defaults where the table has no row)."""
    cycles = standard_cycles()
    return [
        {"key": key.value, "label": key.label, "working_days": cycles[key.value]}
        for key in CycleKey
    ]
