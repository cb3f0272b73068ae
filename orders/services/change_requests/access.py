"""Who may ask for a change and who decides a request's current step (DESIGN §4): the owner or a
sales head asks; the holder of the step's role (or their delegate) decides, never the requester
or the order's owner, and by default not the person who approved an earlier step."""

from django.utils.translation import gettext as _

from core.roles import Role, has_role, user_roles

from ... import permissions as perms
from ...approval_hooks import hooks
from ...enums import (
    CANCELLABLE_BY_REQUEST,
    CHANGEABLE_STATES,
    HOLDABLE_STATES,
    ChangeKind,
    OrderStatus,
)
from ...models import ChangeRequest, ChangeRequestDecision, Order

S = OrderStatus
K = ChangeKind


# The order states in which each kind of request may be made.
ELIGIBLE_STATES = {
    K.CHANGE: CHANGEABLE_STATES,
    K.CANCEL: CANCELLABLE_BY_REQUEST,
    K.HOLD: HOLDABLE_STATES,
    K.RESUME: (S.ON_HOLD,),
}


# --- who may do what ------------------------------------------------------------------------------
def may_request(user, order: Order) -> bool:
    """The order's owner or a sales head asks for changes (REQUIREMENTS §5)."""
    if user is None or not user.is_authenticated or not perms.may_view(user, order):
        return False
    return perms.is_owner(user, order) or has_role(user, Role.SALES_HEAD)


def requestable_kinds(user, order: Order) -> list[str]:
    """The kinds of request `user` may make on `order` now (none while one is pending)."""
    if not may_request(user, order):
        return []
    return [kind for kind in K.values if order.status in ELIGIBLE_STATES[kind]]


def _approver_ids(request: ChangeRequest) -> set[int]:
    ids: set[int] = set()
    for decision in request.decisions.all():
        if decision.decision == ChangeRequestDecision.Decision.APPROVE:
            ids |= {i for i in (decision.actor_id, decision.on_behalf_of_id) if i}
    return ids


def change_decides_as(user, request: ChangeRequest, order: Order):
    """Whom `user` decides the request's current step as: themselves (they hold the step's
    role), the approver they stand in for (delegation), or None."""
    role = perms.STEP_ROLE.get(request.current_step)
    if not request.is_pending or role is None or user is None or not user.is_authenticated:
        return None
    if role in user_roles(user):
        return user
    delegators = hooks().acting_for(user=user, order=order, step=request.current_step)
    delegators = [d for d in delegators if d.pk != request.requested_by_id]
    if len(delegators) > 1 and hooks().distinct_approvers(order=order):
        decided = _approver_ids(request)
        delegators = [d for d in delegators if d.pk not in decided] or delegators
    return delegators[0] if delegators else None


def refusal_reason(user, principal, request: ChangeRequest, order: Order) -> str:
    """Why `user` (deciding as `principal`) may not decide the current step, or ""."""
    if principal is None:
        return _("Your role does not decide this step.")
    own = {request.requested_by_id, order.owner_id}
    if user.pk in own or principal.pk in own:
        return _("You cannot decide a request you made or one on your own order.")
    if hooks().distinct_approvers(order=order) and {user.pk, principal.pk} & _approver_ids(request):
        return _("You approved an earlier step of this request; another person decides this one.")
    return ""


def may_decide(user, request: ChangeRequest, order: Order) -> bool:
    principal = change_decides_as(user, request, order)
    return principal is not None and not refusal_reason(user, principal, request, order)


def had_a_say(user, request: ChangeRequest, order: Order) -> bool:
    """The user holds the role of one of the request's steps (or stands in for one)."""
    roles = user_roles(user)
    return any(perms.STEP_ROLE.get(step) in roles for step in request.steps) or any(
        hooks().acting_for(user=user, order=order, step=step) for step in request.steps
    )
