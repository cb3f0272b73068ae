"""How the order machine asks the approval policy what to do.

The approvals app owns the policy, the checks, the decisions and delegation (DESIGN §1), but the
order's state changes only in orders.services. Dependencies point one way (orders must not import
approvals), so approvals registers its policy here when it starts (ApprovalsConfig.ready). Without
it the plain chain applies: sales head → finance → general manager for every order.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from core.notifications import users_with_roles

from .enums import REVIEW_STATES, ChangeCategory, OrderStatus

S = OrderStatus

DEFAULT_CHAIN = (S.SALES_REVIEW, S.FINANCE_REVIEW, S.GM_REVIEW)


class ApprovalHooks:
    """The plain chain. Every method is called inside the transition's transaction with the
    order row locked, except `acting_for` and `visible_q`, which only read."""

    def round_start(self, *, order, actor) -> str:
        """The order is being submitted: fix its chain and return the first review state
        (or APPROVED when no step applies)."""
        return self.steps(order=order)[0]

    def steps(self, *, order) -> tuple[str, ...]:
        """The review states of the order's current round, in order."""
        return DEFAULT_CHAIN

    def next_status(self, *, order) -> str:
        """The first step of the chain that comes after the current one (in the canonical
        order of REVIEW_STATES), or APPROVED after the last."""
        chain = self.steps(order=order)
        position = REVIEW_STATES.index(order.status)
        later = [step for step in chain if REVIEW_STATES.index(step) > position]
        return later[0] if later else S.APPROVED

    def distinct_approvers(self, *, order) -> bool:
        """The same person does not approve two steps of one order (DESIGN §4)."""
        return settings.APPROVAL_DISTINCT_APPROVERS

    def acting_for(self, *, user, order, step=None) -> list:
        """Approvers of the order's current step (or of review state `step`, e.g. a change
        request's step) whom `user` stands in for (delegation)."""
        return []

    def visible_q(self, *, user) -> Q | None:
        """Extra orders a user may see because they stand in for an approver (or None)."""
        return None

    def step_recipients(self, *, order) -> set[int]:
        """Ids of the users to tell that the order's current step waits for them: the
        active holders of the step's role. Callers still apply may_decide_step."""
        from .permissions import STEP_ROLE  # permissions imports this module

        role = STEP_ROLE.get(order.status)
        if role is None:
            return set()
        return set(users_with_roles(role).values_list("pk", flat=True))

    def prefetch(self, queryset):
        """What a list of orders needs to answer the questions above without a query per row."""
        return queryset

    def before_decision(self, *, order, actor, name: str, override_reason: str) -> dict:
        """Refuse a decision (raise) or return details for the audit event."""
        return {}

    def after_decision(
        self, *, order, actor, name: str, step: str, event, on_behalf_of, override_reason: str
    ) -> None:
        """The decision has been saved with its OrderEvent."""

    def round_end(self, *, order, outcome: str) -> None:
        """The round ended without a decision on the open step (e.g. the order was cancelled)."""

    def change_steps(self, *, order, category: str) -> list[str]:
        """The review states a change request of `category` (orders.enums.ChangeCategory) goes
        through (REQUIREMENTS §5): delivery dates only → the sales head; an increase of a price,
        a quantity or the total, or an added line → the whole chain; a cancellation → the sales
        head and the general manager; anything else (decreases, removed lines, terms), hold
        and resume → the sales head."""
        if category == ChangeCategory.INCREASE:
            return list(DEFAULT_CHAIN)
        if category == ChangeCategory.CANCEL:
            return [S.SALES_REVIEW, S.GM_REVIEW]
        return [S.SALES_REVIEW]

    def home_context(self, *, user) -> dict:
        """Extra context for an approver's home page (the inbox at a glance)."""
        return {}

    def order_page_context(self, *, order, user) -> dict:
        """Extra context for the order page: the approval chain and the current step's checks
        (`approval_chain`, `approval_checks`, `approval_override_required`)."""
        return {}


_hooks: ApprovalHooks = ApprovalHooks()


def hooks() -> ApprovalHooks:
    return _hooks


def register(new_hooks: ApprovalHooks) -> None:
    global _hooks
    _hooks = new_hooks
