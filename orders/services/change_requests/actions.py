"""Making, deciding and withdrawing change requests (REQUIREMENTS §5, DESIGN §2).

Each service locks the order and the request, checks, writes, records the OrderEvent and queues
the notifications through the outbox, all in one transaction. The last approval applies a change
as a new revision, or cancels, holds or resumes the order through the order machine."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.errors import (
    ConcurrentModification,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from core.numbering import next_number

from ... import lifecycle
from ... import permissions as perms
from ...approval_hooks import hooks
from ...enums import (
    ChangeCategory,
    ChangeKind,
    ChangeRequestStatus,
    OrderEventType,
    OrderStatus,
    OrderTransition,
)
from ...events import order_event_record
from ...models import ChangeRequest, ChangeRequestDecision, Order, OrderLine, OrderRevision
from ..orders import _save_validated
from ..transitions import order_cancel_approved, order_transition
from .access import ELIGIBLE_STATES, change_decides_as, had_a_say, may_request, refusal_reason
from .proposal import before_after, decode_header, decode_lines, order_snapshot, proposal_evaluate

S = OrderStatus
T = OrderTransition
K = ChangeKind
CR = ChangeRequestStatus

# The order transition the last approval of a cancellation, hold or resume runs.
KIND_TRANSITION = {K.CANCEL: T.CANCEL_APPROVED, K.HOLD: T.HOLD, K.RESUME: T.RESUME}
KIND_CATEGORY = {
    K.CANCEL: ChangeCategory.CANCEL,
    K.HOLD: ChangeCategory.HOLD,
    K.RESUME: ChangeCategory.RESUME,
}


def change_request_preview(
    *, order: Order, actor, header: dict | None = None, lines: list[dict] | None = None
) -> dict:
    """What a change request would ask for, without saving: the diff, the category and the
    steps it would need. Raises what change_request_create would raise for the proposal."""
    if not may_request(actor, order):
        raise PermissionDenied(_("Only the order's owner or a sales head can request changes."))
    result = proposal_evaluate(order, header, lines)
    result["steps"] = _steps(order, result["category"])
    return result


# --- writing --------------------------------------------------------------------------------------
def _steps(order: Order, category: str) -> list[str]:
    steps = [str(s) for s in hooks().change_steps(order=order, category=category)]
    return [s for s in steps if s in perms.STEP_ROLE] or [str(S.SALES_REVIEW)]


def _check_eligible(order: Order, kind: str) -> None:
    if order.status not in ELIGIBLE_STATES[kind]:
        raise InvalidTransition(
            _("A %(kind)s request is not possible while the order is “%(status)s”.")
            % {"kind": K(kind).label.lower(), "status": order.get_status_display()},
            extra={"status": order.status, "kind": kind},
        )


def _notify(request: ChangeRequest, event) -> None:
    outbox.enqueue("orders.change_request_changed", request_id=request.pk, event_id=event.pk)


def change_request_create(
    *,
    order: Order,
    actor,
    kind: str = K.CHANGE,
    reason: str,
    header: dict | None = None,
    lines: list[dict] | None = None,
) -> ChangeRequest:
    """Ask for a change (header values and/or the full new line list), a cancellation, a hold
    or a resume of an approved order. The request waits for the steps the approval policy
    names for its category; the order is untouched until the last approval (REQUIREMENTS §5)."""
    if kind not in K.values:
        raise ValidationFailed(fields={"kind": [_("Choose change, cancel, hold or resume.")]})
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != order.status:
            raise ConcurrentModification(extra={"status": locked.status})
        if not may_request(actor, locked):
            raise PermissionDenied(_("Only the order's owner or a sales head can request changes."))
        _check_eligible(locked, kind)
        pending = locked.change_requests.filter(status=CR.PENDING).first()
        if pending is not None:
            raise InvalidTransition(
                _("Request %(number)s is still waiting for a decision; one at a time.")
                % {"number": pending.number},
                extra={"pending_request": pending.pk},
            )
        if not reason:
            raise ValidationFailed(fields={"reason": [_("Give a reason.")]})
        if kind == K.CHANGE:
            evaluated = proposal_evaluate(locked, header, lines)
            category, diff, proposed = (
                evaluated["category"],
                evaluated["diff"],
                evaluated["proposed"],
            )
        else:
            category, diff, proposed = KIND_CATEGORY[kind], {}, {}
        steps = _steps(locked, category)
        today = timezone.localdate()
        try:
            with transaction.atomic():
                request = ChangeRequest.objects.create(
                    order=locked,
                    number=next_number("CR", today),
                    kind=kind,
                    category=category,
                    steps=steps,
                    current_step=steps[0],
                    requested_by=actor,
                    reason=reason,
                    proposed=proposed,
                    diff=diff,
                    base_revision=locked.revision,
                )
        except IntegrityError as exc:  # another request slipped in (one pending per order)
            raise ConcurrentModification() from exc
        event = order_event_record(
            order=locked,
            actor=actor,
            event_type=OrderEventType.CHANGE_REQUESTED,
            comment=reason,
            payload={
                "change_request": request.pk,
                "number": request.number,
                "kind": kind,
                "category": category,
                "steps": steps,
                **({"total": diff["totals"]["total"]} if diff else {}),
            },
        )
        _notify(request, event)
    return request


def _lock(request: ChangeRequest) -> tuple[ChangeRequest, Order]:
    """The order first, then the request: the same order as every order service takes."""
    order_id = ChangeRequest.objects.values_list("order_id", flat=True).get(pk=request.pk)
    order = Order.objects.select_for_update().get(pk=order_id)
    locked = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    return locked, order


def change_request_decide(
    *, request: ChangeRequest, actor, approve: bool, comment: str = ""
) -> ChangeRequest:
    """Approve or reject the request's current step. The approver holds the step's role or
    stands in for someone who does; never the requester or the order's owner, and by default
    not the person who approved an earlier step. A rejection (reason required) ends the
    request and leaves the order as it was; the last approval applies it.

    `request` is the request as the caller saw it: if its step has been decided since, the
    answer is a conflict (409), not a refusal (DESIGN §2)."""
    comment = (comment or "").strip()
    with transaction.atomic():
        locked, order = _lock(request)
        stale = not locked.is_pending or locked.current_step != request.current_step
        if stale:
            if not had_a_say(actor, locked, order):
                raise PermissionDenied()
            raise InvalidTransition(
                _("Request %(number)s has been decided or moved on (now: %(status)s).")
                % {"number": locked.number, "status": _state_label(locked)},
                extra={"status": locked.status, "current_step": locked.current_step},
            )
        principal = change_decides_as(actor, locked, order)
        refused = refusal_reason(actor, principal, locked, order)
        if refused:
            raise PermissionDenied(refused)
        if not approve and not comment:
            raise ValidationFailed(fields={"comment": [_("Give a reason for the rejection.")]})
        step = locked.current_step
        on_behalf_of = principal if principal != actor else None
        if approve:
            _check_eligible(order, locked.kind)
            if locked.base_revision != order.revision:
                raise ConcurrentModification()
        ChangeRequestDecision.objects.create(
            request=locked,
            step=step,
            decision=ChangeRequestDecision.Decision.APPROVE
            if approve
            else ChangeRequestDecision.Decision.REJECT,
            actor=actor,
            on_behalf_of=on_behalf_of,
            comment=comment,
        )
        later = locked.steps[locked.steps.index(step) + 1 :] if step in locked.steps else []
        now = timezone.now()
        if not approve:
            locked.status, locked.current_step, locked.decided_at = CR.REJECTED, "", now
        elif later:
            locked.current_step = later[0]
        else:
            locked.status, locked.current_step, locked.decided_at = CR.APPROVED, "", now
        locked.save(update_fields=["status", "current_step", "decided_at"])
        event = order_event_record(
            order=order,
            actor=actor,
            on_behalf_of=on_behalf_of,
            event_type=OrderEventType.CHANGE_DECIDED,
            comment=comment,
            payload={
                "change_request": locked.pk,
                "number": locked.number,
                "kind": locked.kind,
                "step": step,
                "decision": "approve" if approve else "reject",
                "next_step": locked.current_step,
                "status": locked.status,
            },
        )
        if locked.status == CR.APPROVED:
            _carry_out(locked, order, actor=actor, principal=principal or actor)
        if locked.status != CR.APPROVED or locked.kind != K.CHANGE:
            _notify(locked, event)  # an applied change is announced by its "revised" event
    return locked


def _state_label(request: ChangeRequest) -> str:
    if request.is_pending:
        return str(S(request.current_step).label)
    return str(request.get_status_display())


def _carry_out(request: ChangeRequest, order: Order, *, actor, principal) -> None:
    """The last approval: apply the change as a revision, or run the order transition."""
    if request.kind == K.CHANGE:
        _apply_change(request, order, actor=actor)
        return
    name = KIND_TRANSITION[request.kind]
    # The approver runs the transition; a delegate without the role runs it as the approver
    # they stand in for (the request's decision records both).
    performer = actor if perms.may_transition(actor, order, name) else principal
    if not perms.may_transition(performer, order, name):
        raise PermissionDenied(
            _("The last approver of this request may not carry it out; check the policy.")
        )
    comment = f"{request.number}: {request.reason}"
    payload = {"change_request": request.pk, "number": request.number}
    if performer != actor:
        payload["decided_by"] = actor.pk
    if request.kind == K.CANCEL:
        order_cancel_approved(order=order, actor=performer, comment=comment, payload=payload)
    else:
        order_transition(order=order, actor=performer, name=name, comment=comment, payload=payload)


def _apply_change(request: ChangeRequest, order: Order, *, actor) -> OrderRevision:
    """Header values and lines as proposed; existing lines are updated in place (their
    shipments stay with them), removed ones deleted, new ones numbered after the last."""
    evaluated = proposal_evaluate(
        order, decode_header(request.proposed), decode_lines(request.proposed)
    )
    existing = evaluated["existing"]
    before = order_snapshot(order, existing)
    for field, value in evaluated["header"].items():
        setattr(order, field, value)
    order.lines_total = evaluated["after"].lines_total
    order.tax_total = evaluated["after"].tax_total
    order.freight = evaluated["after"].freight
    order.discount = evaluated["after"].discount
    order.total = evaluated["after"].total
    order.revision += 1
    _save_validated(order)

    by_id = {line.pk: line for line in existing}
    kept = {line.pk for line in evaluated["lines"] if line.pk}
    OrderLine.objects.filter(pk__in=set(by_id) - kept).delete()
    next_sequence = max((line.sequence for line in existing), default=0) + 1
    new_lines = []
    for priced in evaluated["lines"]:
        line = by_id.get(priced.pk)
        if line is None:
            priced.order = order
            priced.sequence = next_sequence
            next_sequence += 1
            new_lines.append(priced)
            continue
        for field in (
            "quantity",
            "unit_price",
            "unit_price_excl",
            "amount",
            "amount_excl",
            "tax_amount",
            "remarks",
        ):
            setattr(line, field, getattr(priced, field))
        if line.shipped_quantity >= line.quantity:
            line.is_closed = True
        elif line.is_closed and not line.close_reason:
            line.is_closed = False  # closed by its last shipment; open again for the rest
        line.save()
    OrderLine.objects.bulk_create(new_lines)
    # Later apps follow the new lines (e.g. stock reservations), in this transaction.
    lifecycle.lines_changed(order=order, actor=actor)

    after = order_snapshot(order)
    revision = OrderRevision.objects.create(
        order=order,
        number=order.revision,
        change_request=request,
        before=before,
        after=after,
    )
    request.revision = order.revision
    request.save(update_fields=["revision"])
    event = order_event_record(
        order=order,
        actor=actor,
        event_type=OrderEventType.REVISED,
        comment=request.reason,
        payload={
            "change_request": request.pk,
            "number": request.number,
            "revision": order.revision,
            "total": before_after(Decimal(before["header"]["total"]), order.total),
        },
    )
    _notify(request, event)
    return revision


def change_request_withdraw(*, request: ChangeRequest, actor, comment: str = "") -> ChangeRequest:
    """The requester takes a pending request back; the order stays as it was."""
    with transaction.atomic():
        locked, order = _lock(request)
        if locked.requested_by_id != actor.pk:
            if not perms.may_view(actor, order):
                raise PermissionDenied()
            raise PermissionDenied(_("Only the person who made the request can withdraw it."))
        if not locked.is_pending:
            raise InvalidTransition(
                _("Request %(number)s has already been decided.") % {"number": locked.number},
                extra={"status": locked.status},
            )
        locked.status, locked.current_step, locked.decided_at = CR.WITHDRAWN, "", timezone.now()
        locked.save(update_fields=["status", "current_step", "decided_at"])
        event = order_event_record(
            order=order,
            actor=actor,
            event_type=OrderEventType.CHANGE_WITHDRAWN,
            comment=(comment or "").strip(),
            payload={"change_request": locked.pk, "number": locked.number, "kind": locked.kind},
        )
        _notify(locked, event)
    return locked
