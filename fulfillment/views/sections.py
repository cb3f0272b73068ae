"""The fulfillment sections of the order page (registered with orders.lifecycle): production,
the execution plan, shipments, the shipping gate, deviations and complaints — each only once
the order's status makes it relevant, each in one or two queries whatever the order holds."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import Role, has_role
from orders.enums import OrderStatus

from ..enums import OPEN_DEVIATION, OPEN_PRODUCTION, OPEN_RISK
from ..forms.production import PlanActualForm
from ..gate import gate_for
from ..models import (
    Deviation,
    ExecutionPlan,
    ProductionInstruction,
    RiskShipmentRequest,
    Shipment,
    ShipmentLine,
)
from ..models.plan import MILESTONES
from ..services.deviations import may_raise_deviation
from ..services.plan import MANUAL_MILESTONES, may_record_milestone
from ..services.risk import may_request_risk_shipment
from ..services.shipping import may_upload_receipt
from .board import url_or_none

S = OrderStatus
EXECUTING = (S.APPROVED, S.IN_PRODUCTION, S.READY_TO_SHIP, S.PARTIALLY_SHIPPED, S.ON_HOLD)
AFTER_APPROVAL = (*EXECUTING, S.SHIPPED, S.DELIVERED, S.SETTLED, S.ARCHIVED)
SHIPPING = (S.READY_TO_SHIP, S.PARTIALLY_SHIPPED, S.SHIPPED, S.DELIVERED, S.SETTLED, S.ARCHIVED)
READY = (S.READY_TO_SHIP, S.PARTIALLY_SHIPPED)
CLOSED = (S.SETTLED, S.ARCHIVED, S.CANCELLED)

MILESTONE_LABELS = {
    "survey": _("Site survey"),
    "into_stock": _("Into stock"),
    "ship": _("Ship"),
    "arrival": _("Arrival"),
    "installation": _("Installation"),
    "acceptance": _("Acceptance"),
}


def _section(name: str, column: str = "col-12", **context) -> dict:
    return {"template": f"fulfillment/sections/{name}.html", "column": column, "context": context}


def _production(order) -> dict | None:
    instructions = list(
        ProductionInstruction.objects.filter(order=order).order_by("-issued_at", "-id")
    )
    if not instructions:
        return None
    today = timezone.localdate()
    for instruction in instructions:
        instruction.overdue = (
            instruction.status in OPEN_PRODUCTION and instruction.planned_finish < today
        )
    return _section("production", "col-12 col-lg-6", instructions=instructions)


def _gate(request, order) -> dict:
    gate = gate_for(order)
    risk = RiskShipmentRequest.objects.filter(order=order).order_by("-requested_at", "-id").first()
    pending = risk if risk is not None and risk.status in OPEN_RISK else None
    return _section(
        "gate",
        "col-12 col-lg-6",
        gate=gate,
        risk=risk,
        risk_pending=pending,
        risk_url=url_or_none("fulfillment:risk_detail", risk.pk) if risk else None,
        risk_create_url=url_or_none("fulfillment:risk_create", order.pk)
        if gate.blocked and pending is None and may_request_risk_shipment(request.user, order)
        else None,
    )


def _plan(request, order) -> dict | None:
    plan = ExecutionPlan.objects.filter(order=order).first()
    if plan is None:
        return None
    today = timezone.localdate()
    rows = []
    for name in MILESTONES:
        planned = getattr(plan, f"planned_{name}")
        actual = getattr(plan, f"actual_{name}")
        late = planned is not None and (actual or today) > planned
        rows.append(
            {
                "name": name,
                "label": MILESTONE_LABELS[name],
                "planned": planned,
                "actual": actual,
                "late": late,
                "late_days": ((actual or today) - planned).days if late else 0,
                "manual": name in MANUAL_MILESTONES,
            }
        )
    may_record = order.status not in CLOSED and may_record_milestone(request.user, order)
    form = PlanActualForm(initial={"day": today}) if may_record else None
    return _section("plan", rows=rows, plan=plan, form=form, today=today)


def _shipments(request, order) -> dict | None:
    if order.status in (S.APPROVED, S.IN_PRODUCTION):
        return None  # nothing can have shipped yet
    shipments = list(
        Shipment.objects.filter(order=order)
        .select_related("receipt", "follow_up_owner")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line__product"))
        )
        .order_by("shipped_on", "id")
    )
    if not shipments and order.status not in READY:
        return None
    may_upload = may_upload_receipt(request.user, order)
    for shipment in shipments:
        shipment.signed = hasattr(shipment, "receipt")
        shipment.detail_url = url_or_none("fulfillment:shipment_detail", shipment.pk)
        shipment.note_url = url_or_none("fulfillment:shipment_note", shipment.pk)
        shipment.receipt_url = (
            url_or_none("fulfillment:receipt_upload", shipment.pk)
            if may_upload and not shipment.signed
            else None
        )
    ship_url = None
    if order.status in READY and has_role(request.user, Role.WAREHOUSE):
        ship_url = url_or_none("fulfillment:shipment_create", order.pk)
    return _section("shipments", shipments=shipments, ship_url=ship_url)


def _deviations(request, order) -> dict | None:
    deviations = list(
        Deviation.objects.filter(order=order).select_related("owner").order_by("-raised_at", "-id")
    )
    may_raise = order.status not in CLOSED and may_raise_deviation(request.user, order)
    if not deviations and not may_raise:
        return None
    open_ = [d for d in deviations if d.status in OPEN_DEVIATION]
    for deviation in open_:
        deviation.detail_url = url_or_none("fulfillment:deviation_detail", deviation.pk)
    return _section(
        "deviations",
        deviations=open_,
        closed=len(deviations) - len(open_),
        create_url=url_or_none("fulfillment:deviation_create", order.pk) if may_raise else None,
    )


def order_sections(request, order) -> list[dict]:
    """The order page's fulfillment sections for this user and order (none before approval)."""
    if order.status not in AFTER_APPROVAL and order.status != S.CANCELLED:
        return []
    sections = [_production(order)]
    if order.status in AFTER_APPROVAL:
        if order.status in EXECUTING:
            sections.append(_gate(request, order))
        sections += [_plan(request, order), _shipments(request, order)]
    sections.append(_deviations(request, order))
    sections = [section for section in sections if section is not None]
    side_by_side = [s for s in sections if s["column"] != "col-12"]
    if len(side_by_side) == 1:  # production or the gate alone takes the whole width
        side_by_side[0]["column"] = "col-12"
    return sections
