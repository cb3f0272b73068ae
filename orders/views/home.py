"""The signed-in user's home page: real counts for their role, each linking to its list."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core.roles import Role, user_roles

from .. import lifecycle
from ..approval_hooks import hooks
from ..enums import EXECUTION_STATES, REVIEW_STATES, OrderStatus
from ..permissions import STEP_ROLE
from ..selectors import order_list

S = OrderStatus


def _status_link(*statuses, **extra) -> str:
    query = "&".join([f"status={s}" for s in statuses] + [f"{k}={v}" for k, v in extra.items()])
    return f"{reverse('orders:list')}?{query}"


def _approvals_link(my_steps) -> str:
    """The approval inbox (approvals app) when it is installed, else the order list."""
    try:
        return reverse("approvals:inbox")
    except NoReverseMatch:
        return _status_link(*my_steps)


def home_cards(user) -> list[dict]:
    """Counts for the user's home page, computed in one aggregate query."""
    roles = user_roles(user)
    my_steps = [step for step, role in STEP_ROLE.items() if role in roles]
    # Steps the user decides: their roles' and those delegated to them today; never their own
    # orders (the approval inbox has the exact list, with the per-order rules).
    waiting_q = Q(status__in=my_steps)
    delegated = hooks().visible_q(user=user)
    if delegated is not None:
        waiting_q |= delegated
    counts = order_list(user=user).aggregate(
        drafts=Count("id", filter=Q(status=S.DRAFT)),
        rejected=Count("id", filter=Q(status=S.REJECTED)),
        in_review=Count("id", filter=Q(status__in=REVIEW_STATES)),
        my_step=Count("id", filter=waiting_q & ~Q(owner=user)),
        in_execution=Count("id", filter=Q(status__in=EXECUTION_STATES)),
        in_production=Count("id", filter=Q(status__in=[S.APPROVED, S.IN_PRODUCTION])),
        to_ship=Count("id", filter=Q(status__in=[S.READY_TO_SHIP, S.PARTIALLY_SHIPPED])),
        to_settle=Count("id", filter=Q(status=S.DELIVERED)),
    )
    cards = []
    if my_steps or delegated is not None:
        cards.append(
            {
                "key": "my_step",
                "label": _("Waiting for my approval"),
                "count": counts["my_step"],
                "url": _approvals_link(my_steps),
                "style": "primary",
            }
        )
    if roles & {Role.SALES_REP, Role.SALES_HEAD}:
        cards += [
            {
                "key": "drafts",
                "label": _("Drafts"),
                "count": counts["drafts"],
                "url": _status_link(S.DRAFT),
                "style": "secondary",
            },
            {
                "key": "rejected",
                "label": _("Rejected, to fix"),
                "count": counts["rejected"],
                "url": _status_link(S.REJECTED),
                "style": "danger",
            },
        ]
    cards.append(
        {
            "key": "in_review",
            "label": _("In review"),
            "count": counts["in_review"],
            "url": _status_link(*REVIEW_STATES),
            "style": "info",
        }
    )
    if Role.PRODUCTION in roles:
        cards.append(
            {
                "key": "in_production",
                "label": _("To produce"),
                "count": counts["in_production"],
                "url": _status_link(S.APPROVED, S.IN_PRODUCTION),
                "style": "warning",
            }
        )
    if Role.WAREHOUSE in roles:
        cards.append(
            {
                "key": "to_ship",
                "label": _("To ship"),
                "count": counts["to_ship"],
                "url": _status_link(S.READY_TO_SHIP, S.PARTIALLY_SHIPPED),
                "style": "warning",
            }
        )
    if Role.FINANCE in roles:
        cards.append(
            {
                "key": "to_settle",
                "label": _("Delivered, to settle"),
                "count": counts["to_settle"],
                "url": _status_link(S.DELIVERED),
                "style": "success",
            }
        )
    cards.append(
        {
            "key": "in_execution",
            "label": _("In execution"),
            "count": counts["in_execution"],
            "url": _status_link(*EXECUTION_STATES),
            "style": "success",
        }
    )
    # Later apps' cards: deadline alerts (reports), ...
    return cards + lifecycle.home_cards_of(user)


@login_required
def home(request):
    recent = order_list(user=request.user).order_by("-updated_at")[:10]
    context = {"cards": home_cards(request.user), "recent": recent}
    context.update(hooks().home_context(user=request.user))
    return render(request, "orders/home.html", context)
