"""Order state transitions (DESIGN §2).

Each service: lock the row, check that the order is still in the state the caller saw (else
409), that the transition exists from that state (409), that the user may take it (403), the
business conditions (400); run the transition, save, record the OrderEvent and queue the side
effects through the outbox - all in one transaction.
"""

import datetime
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from core import outbox
from core.errors import (
    ConcurrentModification,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from core.money import format_quantity
from core.roles import Role, has_role

from .. import lifecycle
from .. import permissions as perms
from ..approval_hooks import hooks
from ..enums import (
    REASON_REQUIRED,
    REVIEW_STATES,
    OrderEventType,
    OrderStatus,
    OrderTransition,
    SupplyMode,
)
from ..events import order_event_record
from ..models import Order, OrderEvent

S = OrderStatus
T = OrderTransition


def order_transition(
    *,
    order: Order,
    actor,
    name: str,
    comment: str = "",
    on_behalf_of=None,
    payload: dict | None = None,
    check: Callable[[Order], None] | None = None,
    prepare: Callable[[Order], dict] | None = None,
    after: Callable[[Order, OrderEvent, str], None] | None = None,
    system: bool = False,
) -> Order:
    """Run transition `name` on `order` as `actor`. `prepare(locked)` returns the transition's
    keyword arguments and may change fields on the locked row before it is saved;
    `after(locked, event, from_status)` runs in the same transaction once the event exists.

    `system=True` is for follow-on transitions the system takes by itself inside another
    service (e.g. ready to ship once approval reserved all stock): no permission check, and
    the event names the actor whose action caused it, if any. Listeners may move the order on
    again; the order returned is always as stored."""
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != order.status:
            raise ConcurrentModification(
                _("The order moved on to “%(status)s” while you were looking at it.")
                % {"status": locked.get_status_display()},
                extra={"status": locked.status},
            )
        method = getattr(locked, name, None)
        if (
            name not in T.values
            or method is None
            or not can_proceed(method, check_conditions=False)
        ):
            raise InvalidTransition(
                _("“%(name)s” is not possible while the order is “%(status)s”.")
                % {"name": name, "status": locked.get_status_display()},
                extra={"status": locked.status, "transition": name},
            )
        # Our own rule set, not django-fsm's has_transition_perm, which also evaluates the
        # conditions and would turn a business refusal into a 403.
        if not system and not perms.may_transition(actor, locked, name):
            if name in (T.APPROVE, T.REJECT) and perms.step_already_decided(actor, locked):
                raise InvalidTransition(
                    _("This step has already been decided; the order is now “%(status)s”.")
                    % {"status": locked.get_status_display()},
                    extra={"status": locked.status, "transition": name},
                )
            raise PermissionDenied()
        if name in REASON_REQUIRED and not comment:
            raise ValidationFailed(fields={"comment": [_("Give a reason.")]})
        if check is not None:
            check(locked)
        from_status = locked.status
        kwargs = prepare(locked) if prepare is not None else {}
        try:
            method(**kwargs)
            locked.save()
        except TransitionNotAllowed as exc:
            raise InvalidTransition(str(exc)) from exc
        except ConcurrentTransition as exc:
            raise ConcurrentModification() from exc
        event = order_event_record(
            order=locked,
            actor=actor,
            on_behalf_of=on_behalf_of,
            event_type=OrderEventType.TRANSITION,
            transition=name,
            from_status=from_status,
            to_status=locked.status,
            comment=comment,
            payload=payload,
        )
        if after is not None:
            after(locked, event, from_status)
        outbox.enqueue("orders.order_status_changed", order_id=locked.pk, event_id=event.pk)
        lifecycle.transition_happened(
            order=locked, event=event, name=name, from_status=from_status, actor=actor
        )
        stored = Order.objects.filter(pk=locked.pk).values_list("status", flat=True).get()
        if stored != locked.status:  # a listener took a follow-on transition
            locked = Order.objects.get(pk=locked.pk)
    return locked


def order_submit(*, order: Order, actor, comment: str = "") -> Order:
    """The rep submits a draft, or resubmits a corrected rejected order (REQUIREMENTS §4)."""

    def check(locked: Order) -> None:
        if not locked.lines.exists():
            raise ValidationFailed(
                fields={"lines": [_("Add at least one line before submitting.")]}
            )

    def prepare(locked: Order) -> dict:
        locked.submitted_at = timezone.now()
        first_status = hooks().round_start(order=locked, actor=actor)
        if first_status == S.APPROVED:  # no review step applies to this order
            locked.approved_at = locked.submitted_at
        return {"first_status": first_status}

    return order_transition(
        order=order, actor=actor, name=T.SUBMIT, comment=comment, check=check, prepare=prepare
    )


def _decide(
    *,
    order: Order,
    actor,
    name: str,
    comment: str,
    override_reason: str,
    prepare: Callable[[Order], dict] | None = None,
) -> Order:
    """Approve or reject the open review step. The approval policy may refuse the decision
    (e.g. a failed check without an override reason) and records it (ApprovalDecision)."""
    principal = perms.decides_as(actor, order)
    on_behalf_of = principal if principal is not None and principal != actor else None
    override_reason = (override_reason or "").strip()
    payload = {"step": order.status}
    if override_reason:
        payload["override_reason"] = override_reason

    def check(locked: Order) -> None:
        payload.update(
            hooks().before_decision(
                order=locked, actor=actor, name=name, override_reason=override_reason
            )
        )

    def after(locked: Order, event, from_status: str) -> None:
        hooks().after_decision(
            order=locked,
            actor=actor,
            name=name,
            step=from_status,
            event=event,
            on_behalf_of=on_behalf_of,
            override_reason=override_reason,
        )

    return order_transition(
        order=order,
        actor=actor,
        name=name,
        comment=comment,
        on_behalf_of=on_behalf_of,
        payload=payload,
        check=check,
        prepare=prepare,
        after=after,
    )


def order_approve(*, order: Order, actor, comment: str = "", override_reason: str = "") -> Order:
    """Approve the step the order waits on; the next step follows the approval policy."""

    def prepare(locked: Order) -> dict:
        next_status = hooks().next_status(order=locked)
        if next_status == S.APPROVED:
            locked.approved_at = timezone.now()
        return {"next_status": next_status}

    return _decide(
        order=order,
        actor=actor,
        name=T.APPROVE,
        comment=comment,
        override_reason=override_reason,
        prepare=prepare,
    )


def order_reject(*, order: Order, actor, comment: str) -> Order:
    """Return the order to the rep with the reason (REQUIREMENTS §4: 重新提交 after correction)."""
    return _decide(order=order, actor=actor, name=T.REJECT, comment=comment, override_reason="")


def _closing(locked: Order) -> dict:
    locked.closed_at = timezone.now()
    return {}


def order_cancel(*, order: Order, actor, comment: str) -> Order:
    """Cancel before approval: the owner, the approver of the current step or an admin."""

    # A delegate cancels as the approver they stand in for; the owner and an admin as themselves.
    on_behalf_of = None
    if not perms.is_owner(actor, order) and not has_role(actor, Role.ADMIN):
        principal = perms.decides_as(actor, order)
        on_behalf_of = principal if principal is not None and principal != actor else None

    def after(locked: Order, event, from_status: str) -> None:
        if from_status in REVIEW_STATES:
            hooks().round_end(order=locked, outcome="cancelled")

    return order_transition(
        order=order,
        actor=actor,
        name=T.CANCEL,
        comment=comment,
        on_behalf_of=on_behalf_of,
        prepare=_closing,
        after=after,
    )


def order_cancel_approved(
    *, order: Order, actor, comment: str, payload: dict | None = None
) -> Order:
    """Cancel an approved order; only called when a cancellation request has been approved."""
    return order_transition(
        order=order,
        actor=actor,
        name=T.CANCEL_APPROVED,
        comment=comment,
        payload=payload,
        prepare=_closing,
    )


def order_hold(*, order: Order, actor, comment: str) -> Order:
    """Pause stocking/shipping (暂停备货/发货, REQUIREMENTS §5)."""
    return order_transition(order=order, actor=actor, name=T.HOLD, comment=comment)


def order_resume(*, order: Order, actor, comment: str = "") -> Order:
    return order_transition(order=order, actor=actor, name=T.RESUME, comment=comment)


def order_start_production(*, order: Order, actor, comment: str = "") -> Order:
    return order_transition(order=order, actor=actor, name=T.START_PRODUCTION, comment=comment)


def order_finish_production(*, order: Order, actor, comment: str = "") -> Order:
    """Finished goods into stock (入库) after QC; the order is ready to ship."""
    return order_transition(order=order, actor=actor, name=T.FINISH_PRODUCTION, comment=comment)


def order_mark_ready(*, order: Order, actor, comment: str = "") -> Order:
    """An order served wholly from stock skips production."""

    def check(locked: Order) -> None:
        if locked.lines.filter(product__supply_mode=SupplyMode.MAKE_TO_ORDER).exists():
            raise ValidationFailed(
                _("This order has make-to-order lines; it must go through production."),
                fields={"non_field_errors": [_("This order has make-to-order lines.")]},
            )

    return order_transition(
        order=order, actor=actor, name=T.MARK_READY, comment=comment, check=check
    )


def ship_quantities_parse(locked: Order, quantities: dict | None) -> dict:
    """{line_id: Decimal}; None ships everything still open. Never more than the open quantity."""
    lines = {line.pk: line for line in locked.lines.all()}
    if quantities is None:
        return {pk: line.open_quantity for pk, line in lines.items() if line.open_quantity > 0}
    errors, parsed = {}, {}
    for raw_id, raw_qty in quantities.items():
        key = f"lines.{raw_id}"
        try:
            line = lines[int(raw_id)]
        except (KeyError, TypeError, ValueError):
            errors[key] = [_("This line is not part of the order.")]
            continue
        try:
            qty = Decimal(str(raw_qty))
        except (InvalidOperation, ValueError):
            errors[key] = [_("Enter a number.")]
            continue
        if not qty.is_finite():
            errors[key] = [_("Enter a number.")]
        elif qty <= 0:
            errors[key] = [_("The quantity must be greater than zero.")]
        elif qty > line.open_quantity:
            errors[key] = [
                _("Only %(open)s %(unit)s are still open on this line.")
                % {"open": format_quantity(line.open_quantity), "unit": line.unit}
            ]
        elif qty != qty.quantize(Decimal("0.001"), rounding=ROUND_DOWN):
            errors[key] = [_("Enter at most 3 decimals.")]
        else:
            parsed[line.pk] = qty
    if errors:
        raise ValidationFailed(fields=errors)
    if not parsed:
        raise ValidationFailed(fields={"lines": [_("Pick at least one line to ship.")]})
    return parsed


def order_ship(
    *,
    order: Order,
    actor,
    quantities: dict | None = None,
    shipped_on: datetime.date | None = None,
    comment: str = "",
    payload: dict | None = None,
) -> Order:
    """Record shipped quantities (partial shipments allowed, REQUIREMENTS §6); the order becomes
    partially_shipped or shipped from the quantities. A fully shipped line closes."""
    shipped_on = shipped_on or timezone.localdate()
    details = dict(payload or {})

    def prepare(locked: Order) -> dict:
        parsed = ship_quantities_parse(locked, quantities)
        lines = list(locked.lines.all())
        for line in lines:
            if line.pk in parsed:
                line.shipped_quantity += parsed[line.pk]
                line.last_ship_date = shipped_on
                if line.shipped_quantity >= line.quantity:
                    line.is_closed = True
                line.save(update_fields=["shipped_quantity", "last_ship_date", "is_closed"])
        details["lines"] = {str(pk): str(qty) for pk, qty in parsed.items()}
        details["shipped_on"] = shipped_on.isoformat()
        return {"fully_shipped": all(line.is_closed for line in lines)}

    return order_transition(
        order=order, actor=actor, name=T.SHIP, comment=comment, payload=details, prepare=prepare
    )


SHORT_CLOSE_STATES = (S.READY_TO_SHIP, S.PARTIALLY_SHIPPED)


def may_short_close(user, order: Order) -> bool:
    """A commercial decision taken with the customer: the order's rep, the sales head, the GM."""
    return perms.is_owner(user, order) or has_role(user, Role.SALES_HEAD, Role.GM, Role.ADMIN)


def order_line_short_close(*, order: Order, line_id, actor, reason: str) -> Order:
    """Close a line's remaining quantity (短交关闭) with a reason: the line ships no more. When
    nothing stays open on a partially shipped order, the order is shipped."""
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in SHORT_CLOSE_STATES:
            raise InvalidTransition(
                _("Lines can be short-closed only while the order is being shipped."),
                extra={"status": locked.status},
            )
        if not may_short_close(actor, locked):
            raise PermissionDenied()
        if not reason:
            raise ValidationFailed(fields={"reason": [_("Give a reason.")]})
        lines = list(locked.lines.select_for_update().order_by("sequence"))
        line = next((x for x in lines if str(x.pk) == str(line_id)), None)
        if line is None:
            raise ValidationFailed(fields={"line": [_("This line is not part of the order.")]})
        if line.open_quantity <= 0:
            raise ValidationFailed(fields={"line": [_("Nothing is open on this line.")]})
        others_open = any(x.open_quantity > 0 for x in lines if x.pk != line.pk)
        if not others_open and not any(x.shipped_quantity > 0 for x in lines):
            raise ValidationFailed(
                _("Nothing has been shipped on this order: cancel it with a change request."),
                fields={"line": [_("This is the last open line of an unshipped order.")]},
            )
        closed_quantity = line.open_quantity
        line.is_closed = True
        line.close_reason = reason[:200]
        line.save(update_fields=["is_closed", "close_reason"])
        order_event_record(
            order=locked,
            actor=actor,
            event_type=OrderEventType.LINE_CLOSED,
            comment=reason,
            payload={
                "line": line.pk,
                "sequence": line.sequence,
                "closed_quantity": str(closed_quantity),
            },
        )
        lifecycle.lines_changed(order=locked, actor=actor)
        if not others_open and locked.status == S.PARTIALLY_SHIPPED:
            return order_transition(
                order=locked,
                actor=actor,
                name=T.SHIP,
                comment=reason,
                payload={"short_closed_line": line.sequence},
                prepare=lambda _locked: {"fully_shipped": True},
                system=True,
            )
    return Order.objects.get(pk=locked.pk)


def order_confirm_delivery(*, order: Order, actor, comment: str = "") -> Order:
    """Delivered once every shipment is signed for and nothing is open (REQUIREMENTS §6)."""

    def check(locked: Order) -> None:
        if locked.lines.filter(is_closed=False).exists():
            raise ValidationFailed(fields={"lines": [_("Some lines still have open quantities.")]})

    return order_transition(
        order=order, actor=actor, name=T.CONFIRM_DELIVERY, comment=comment, check=check
    )


def order_settle(*, order: Order, actor, comment: str = "") -> Order:
    return order_transition(
        order=order, actor=actor, name=T.SETTLE, comment=comment, prepare=_closing
    )


def order_archive(*, order: Order, actor, comment: str = "") -> Order:
    return order_transition(order=order, actor=actor, name=T.ARCHIVE, comment=comment)


# The transitions the API and the order page may call by name. Cancelling an approved order
# and hold/resume happen only when a change request of that kind is approved
# (REQUIREMENTS §5: 暂停备货/发货 go through approval); production starts and finishes only
# through its production instruction (the fulfillment app: goods into stock, QC), so none of
# these are listed here.
TRANSITION_SERVICES: dict[str, Callable[..., Order]] = {
    T.SUBMIT: order_submit,
    T.APPROVE: order_approve,
    T.REJECT: order_reject,
    T.CANCEL: order_cancel,
    T.MARK_READY: order_mark_ready,
    T.SHIP: order_ship,
    T.CONFIRM_DELIVERY: order_confirm_delivery,
    T.SETTLE: order_settle,
    T.ARCHIVE: order_archive,
}
