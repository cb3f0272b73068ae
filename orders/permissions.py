"""Who may do what with an order (DESIGN §4). Used by services, views, the API and django-fsm.

Plain functions of (user, order); they never write. Visibility: a sales rep sees their own
orders only; every other role sees all orders.
"""

from core.roles import Role, has_role, sees_all_records, user_roles

from .approval_hooks import hooks
from .enums import EDITABLE_STATES, OrderStatus, OrderTransition

S = OrderStatus
T = OrderTransition

# Which role decides which review step (REQUIREMENTS §4).
STEP_ROLE = {
    S.SALES_REVIEW: Role.SALES_HEAD,
    S.TECHNICAL_REVIEW: Role.PRODUCTION,
    S.FINANCE_REVIEW: Role.FINANCE,
    S.GM_REVIEW: Role.GM,
}

# Transitions open to a role regardless of ownership (fulfilment, finance, archive, hold).
ROLE_TRANSITIONS = {
    T.CANCEL_APPROVED: {Role.SALES_HEAD, Role.GM, Role.ADMIN},
    T.HOLD: {Role.SALES_HEAD, Role.GM, Role.ADMIN},
    T.RESUME: {Role.SALES_HEAD, Role.GM, Role.ADMIN},
    T.START_PRODUCTION: {Role.PRODUCTION},
    T.FINISH_PRODUCTION: {Role.PRODUCTION},
    T.MARK_READY: {Role.WAREHOUSE},
    T.SHIP: {Role.WAREHOUSE},
    T.CONFIRM_DELIVERY: {Role.WAREHOUSE},
    T.SETTLE: {Role.FINANCE},
    T.ARCHIVE: {Role.FINANCE, Role.ADMIN},
}


def is_owner(user, order) -> bool:
    return user.is_authenticated and order.owner_id == user.pk


def may_view(user, order) -> bool:
    if sees_all_records(user) or is_owner(user, order):
        return True
    return order.status in STEP_ROLE and bool(hooks().acting_for(user=user, order=order))


def may_create(user) -> bool:
    return has_role(user, Role.SALES_REP, Role.SALES_HEAD)


def may_edit(user, order) -> bool:
    """Only the owner edits, and only while the order is a draft or was rejected."""
    return order.status in EDITABLE_STATES and is_owner(user, order)


def round_approver_ids(order) -> set[int]:
    """Users who approved a step since the order was last submitted."""
    events = getattr(order, "current_round_events", None)
    if events is None:
        events = list(
            order.events.filter(transition__in=[T.SUBMIT, T.APPROVE]).order_by("created_at", "id")
        )
    approvers: set[int] = set()
    for event in events:
        if event.transition == T.SUBMIT:
            approvers.clear()
        elif event.transition == T.APPROVE:
            # A delegate's approval counts for the approver they stood in for, too.
            approvers |= {i for i in (event.actor_id, event.on_behalf_of_id) if i}
    return approvers


def decides_as(user, order):
    """Whom `user` decides the current review step as: themselves (they hold the step's role),
    the approver they stand in for (delegation), or None."""
    role = STEP_ROLE.get(order.status)
    if role is None or user is None or not user.is_authenticated:
        return None
    if role in user_roles(user):
        return user
    delegators = hooks().acting_for(user=user, order=order)
    if len(delegators) > 1 and hooks().distinct_approvers(order=order):
        # Stand in for an approver who has not approved an earlier step of this round.
        decided = round_approver_ids(order)
        delegators = [d for d in delegators if d.pk not in decided] or delegators
    return delegators[0] if delegators else None


def may_decide_step(user, order) -> bool:
    """Approve or reject the review step the order waits on.

    The requester never approves their own order; by default the same person does not
    approve two steps of one order (REQUIREMENTS §4, DESIGN §4). A delegate decides for the
    approver who named them, and both count as having decided.
    """
    principal = decides_as(user, order)
    if principal is None or is_owner(user, order) or is_owner(principal, order):
        return False
    if not hooks().distinct_approvers(order=order):
        return True
    return not ({user.pk, principal.pk} & round_approver_ids(order))


def step_already_decided(user, order) -> bool:
    """True when the user decides a review step the order has already passed.

    Such a user lost a race (or looked at a stale page): the answer is a conflict, not a
    refusal (DESIGN §2).
    """
    # Someone who decides the current step (by role or as a delegate) but may not was
    # refused for another reason (own order, one step per person): that is a 403.
    if order.status not in STEP_ROLE or decides_as(user, order) is not None:
        return False
    chain = hooks().steps(order=order)
    if order.status not in chain:
        return False
    passed = chain[: chain.index(order.status)]
    return any(STEP_ROLE[step] in user_roles(user) for step in passed)


def may_transition(user, order, name: str) -> bool:
    if user is None or not user.is_authenticated or not may_view(user, order):
        return False
    if name == T.SUBMIT:
        return is_owner(user, order)
    if name in (T.APPROVE, T.REJECT):
        return may_decide_step(user, order)
    if name == T.CANCEL:
        if is_owner(user, order) or has_role(user, Role.ADMIN):
            return True
        return order.status in STEP_ROLE and may_decide_step(user, order)
    allowed = ROLE_TRANSITIONS.get(name)
    if allowed is None:
        return False
    if name == T.CONFIRM_DELIVERY and is_owner(user, order):
        return True
    return bool(user_roles(user) & allowed)
