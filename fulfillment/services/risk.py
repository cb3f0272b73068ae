"""Risk-shipment requests (风险发货申请, REQUIREMENTS §6, 000 D6): the order's rep (or the sales
head) asks to ship although the gate blocks; finance decides first, then the general manager.
Approved, the gate lets the order ship; rejected or withdrawn, it stays blocked."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.roles import Role, has_role
from orders import permissions as order_perms
from orders.enums import HOLDABLE_STATES, OrderStatus
from orders.models import Order

from ..enums import OPEN_RISK, RiskRequestStatus
from ..gate import gate_for
from ..models import RiskShipmentDecision, RiskShipmentRequest

S = OrderStatus
R = RiskRequestStatus
Decision = RiskShipmentDecision.Decision
# Which role decides which step, and the step's name in the decision record.
RISK_STEPS = {
    R.FINANCE: (Role.FINANCE, S.FINANCE_REVIEW, R.GM),
    R.GM: (Role.GM, S.GM_REVIEW, R.APPROVED),
}
REQUESTABLE_STATES = (*HOLDABLE_STATES,)


def may_request_risk_shipment(user, order: Order) -> bool:
    return order_perms.is_owner(user, order) or has_role(user, Role.SALES_HEAD, Role.ADMIN)


def may_decide_risk(user, request: RiskShipmentRequest) -> bool:
    step = RISK_STEPS.get(request.status)
    if step is None or not has_role(user, step[0]):
        return False
    if user.pk in (request.requested_by_id, request.order.owner_id):
        return False  # never one's own request or order
    if settings.APPROVAL_DISTINCT_APPROVERS:
        return not request.decisions.filter(actor=user).exists()
    return True


def risk_request_create(*, order: Order, actor, reason: str) -> RiskShipmentRequest:
    if not may_request_risk_shipment(actor, order):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if order.status not in REQUESTABLE_STATES:
        raise InvalidTransition(
            _("A risk shipment can be requested only before the order is fully shipped."),
            extra={"status": order.status},
        )
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Explain why the order should ship now.")]})
    gate = gate_for(order)
    if not gate.reasons:
        raise ValidationFailed(
            fields={"reason": [_("Nothing blocks this order's shipment; no request is needed.")]}
        )
    if gate.risk_approved:
        raise ValidationFailed(
            fields={"reason": [_("A risk shipment has already been approved for this order.")]}
        )
    try:
        with transaction.atomic():
            request = RiskShipmentRequest.objects.create(
                order=order,
                reason=reason,
                gate_reasons=[str(r) for r in gate.reasons],
                exposure=gate.exposure,
                requested_by=actor,
            )
            outbox.enqueue("fulfillment.risk_request_changed", request_id=request.pk)
    except IntegrityError as exc:
        raise ValidationFailed(
            fields={"reason": [_("A request for this order is already waiting for a decision.")]}
        ) from exc
    return request


def risk_request_decide(
    *, request: RiskShipmentRequest, actor, decision: str, comment: str = ""
) -> RiskShipmentRequest:
    comment = (comment or "").strip()
    if decision not in Decision.values:
        raise ValidationFailed(fields={"decision": [_("Choose approve or reject.")]})
    with transaction.atomic():
        locked = (
            RiskShipmentRequest.objects.select_for_update()
            .select_related("order")
            .get(pk=request.pk)
        )
        if locked.status != request.status or locked.status not in OPEN_RISK:
            raise InvalidTransition(
                _("The request is now “%(status)s”.") % {"status": locked.get_status_display()},
                extra={"status": locked.status},
            )
        if not may_decide_risk(actor, locked):
            raise PermissionDenied()
        if decision == Decision.REJECT and not comment:
            raise ValidationFailed(fields={"comment": [_("Give a reason.")]})
        _role, step, next_status = RISK_STEPS[locked.status]
        RiskShipmentDecision.objects.create(
            request=locked, step=step, decision=decision, actor=actor, comment=comment
        )
        locked.status = next_status if decision == Decision.APPROVE else R.REJECTED
        if locked.status not in OPEN_RISK:
            locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        outbox.enqueue("fulfillment.risk_request_changed", request_id=locked.pk)
    return locked


def risk_request_withdraw(*, request: RiskShipmentRequest, actor) -> RiskShipmentRequest:
    with transaction.atomic():
        locked = RiskShipmentRequest.objects.select_for_update().get(pk=request.pk)
        if locked.requested_by_id != actor.pk and not has_role(actor, Role.ADMIN):
            raise PermissionDenied()
        if locked.status not in OPEN_RISK:
            raise InvalidTransition(
                _("The request is now “%(status)s”.") % {"status": locked.get_status_display()},
                extra={"status": locked.status},
            )
        locked.status = R.WITHDRAWN
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
    return locked
