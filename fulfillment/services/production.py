"""Production instructions (生产指令, REQUIREMENTS §6).

Issued by the approval itself (well within the 4 working hours the regulations allow) for the
make-to-order lines and whatever stock could not cover; planned from the products' standard
production cycles. Production starts it (the order goes in_production), reports progress and
finishes it after QC: the goods go into stock reserved for the order, which is ready to ship.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.calendar import add_working_days, next_working_day
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.numbering import next_number
from core.roles import Role, has_role
from orders.enums import SupplyMode
from orders.models import Order
from orders.services.transitions import order_finish_production, order_start_production

from ..enums import ProductionReason, ProductionStatus
from ..models import ProductionInstruction, ProductionInstructionLine, ProductionReport
from ..selectors import order_reserved_by_line
from .plan import plan_update
from .stock import receive_for_order

ZERO = Decimal("0")


def may_run_production(user) -> bool:
    # The same role the order's start/finish production transitions allow (orders.permissions
    # ROLE_TRANSITIONS): an administrator passing here would be refused by the order anyway.
    return has_role(user, Role.PRODUCTION)


def production_needs(order: Order, shortages: dict[int, Decimal]) -> list[tuple]:
    """(order line, quantity, reason) to be made: make-to-order lines for what is open and not
    already made for them (reserved), make-to-stock lines for what stock could not cover."""
    reserved = order_reserved_by_line(order=order)
    needs = []
    for line in order.lines.select_related("product").order_by("sequence"):
        if line.product.supply_mode == SupplyMode.MAKE_TO_ORDER:
            missing = line.open_quantity - reserved.get(line.pk, ZERO)
            if missing > 0:
                needs.append((line, missing, ProductionReason.MAKE_TO_ORDER))
        elif shortages.get(line.pk, ZERO) > 0:
            needs.append((line, shortages[line.pk], ProductionReason.SHORT_STOCK))
    return needs


def production_issue(*, order: Order, actor, shortages: dict[int, Decimal]):
    """Issue the instruction for what must be made; None when stock covers everything."""
    needs = production_needs(order, shortages)
    if not needs:
        return None
    today = timezone.localdate()
    start = next_working_day(today)
    cycle = max(line.product.production_cycle_days for line, _qty, _reason in needs)
    with transaction.atomic():
        instruction = ProductionInstruction.objects.create(
            number=next_number("PI", today),
            order=order,
            planned_start=start,
            planned_finish=add_working_days(start, cycle),
            issued_by=actor if actor is not None and actor.is_authenticated else None,
        )
        ProductionInstructionLine.objects.bulk_create(
            ProductionInstructionLine(
                instruction=instruction,
                order_line=line,
                product=line.product,
                quantity=quantity,
                reason=reason,
            )
            for line, quantity, reason in needs
        )
    return instruction


def _locked(instruction: ProductionInstruction, actor, *expected: str) -> ProductionInstruction:
    if not may_run_production(actor):
        raise PermissionDenied()
    locked = (
        ProductionInstruction.objects.select_for_update()
        .select_related("order")
        .get(pk=instruction.pk)
    )
    if locked.status not in expected:
        raise InvalidTransition(
            _("The production instruction is “%(status)s”.")
            % {"status": locked.get_status_display()},
            extra={"status": locked.status},
        )
    return locked


def production_start(*, instruction: ProductionInstruction, actor, note: str = ""):
    """Production starts: the order goes in_production (it must still be approved, not held)."""
    note = (note or "").strip()
    with transaction.atomic():
        locked = _locked(instruction, actor, ProductionStatus.ISSUED)
        order_start_production(order=locked.order, actor=actor, comment=note)
        locked.status = ProductionStatus.IN_PROGRESS
        locked.started_at = timezone.now()
        locked.started_by = actor
        locked.save(update_fields=["status", "started_at", "started_by"])
        ProductionReport.objects.create(
            instruction=locked, progress=0, note=note[:300], actor=actor
        )
    return locked


def _progress(value) -> int:
    try:
        progress = int(str(value).strip())
    except (TypeError, ValueError):
        progress = -1
    if not 0 <= progress <= 100:
        raise ValidationFailed(fields={"progress": [_("Enter a whole number from 0 to 100.")]})
    return progress


def production_report(*, instruction: ProductionInstruction, actor, progress, note: str = ""):
    """A progress report on a running instruction (0–100 %, with a note)."""
    progress = _progress(progress)
    with transaction.atomic():
        locked = _locked(instruction, actor, ProductionStatus.IN_PROGRESS)
        if progress == 100:
            raise ValidationFailed(
                fields={"progress": [_("Finish the instruction (with QC) to report 100 %.")]}
            )
        locked.progress = progress
        locked.save(update_fields=["progress"])
        ProductionReport.objects.create(
            instruction=locked, progress=progress, note=(note or "").strip()[:300], actor=actor
        )
    return locked


def production_finish(
    *, instruction: ProductionInstruction, actor, qc_passed: bool, qc_note: str = ""
):
    """Finished and checked (入库, QC passed): the goods are received into stock reserved for
    the order's lines, and the order is ready to ship."""
    qc_note = (qc_note or "").strip()
    with transaction.atomic():
        locked = _locked(instruction, actor, ProductionStatus.IN_PROGRESS)
        if qc_passed is not True:
            raise ValidationFailed(
                _("Goods go into stock only after they pass quality control."),
                fields={"qc_passed": [_("Confirm that QC passed.")]},
            )
        order = locked.order
        quantities = {}
        for item in locked.lines.select_related("order_line__product"):
            line = item.order_line
            if line is not None and line.open_quantity > 0:
                quantities[line] = min(item.quantity, line.open_quantity)
        receive_for_order(order=order, quantities=quantities, actor=actor, reference=locked.number)
        order_finish_production(order=order, actor=actor, comment=qc_note)
        now = timezone.now()
        locked.status = ProductionStatus.FINISHED
        locked.progress = 100
        locked.qc_passed = True
        locked.qc_note = qc_note[:300]
        locked.finished_at = now
        locked.finished_by = actor
        locked.save(
            update_fields=[
                "status",
                "progress",
                "qc_passed",
                "qc_note",
                "finished_at",
                "finished_by",
            ]
        )
        ProductionReport.objects.create(
            instruction=locked, progress=100, note=qc_note[:300], actor=actor
        )
        plan_update(order=order, actual_into_stock=timezone.localdate())
    return locked


def production_cancel_open(*, order: Order) -> int:
    """The order was cancelled: its open instruction is cancelled with it."""
    return ProductionInstruction.objects.filter(
        order=order, status__in=[ProductionStatus.ISSUED, ProductionStatus.IN_PROGRESS]
    ).update(status=ProductionStatus.CANCELLED)
