"""Reads for approvers: the inbox, the chain of an order, decisions taken, delegations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.calendar import add_working_hours, working_hours_between
from core.roles import user_roles
from orders.models import Order
from orders.permissions import STEP_ROLE, may_decide_step
from orders.selectors import order_list_with_lines

from .enums import RoundOutcome
from .models import ApprovalDecision, CheckResult, Delegation
from .policy import PolicyApprovalHooks, active_delegations

# Each step is decided within 1 working day of reaching it (REQUIREMENTS §9, 000 D5).
STEP_DEADLINE_HOURS = 9.0
NEAR_DEADLINE_HOURS = 2.0


@dataclass(frozen=True)
class Age:
    """How long a step has waited, in working hours, against its 1-working-day deadline."""

    opened_at: dt.datetime | None
    hours: float
    due_at: dt.datetime | None

    @property
    def state(self) -> str:
        """ok / near / late — drives the inbox badge."""
        if self.opened_at is None:
            return "ok"
        if self.hours >= STEP_DEADLINE_HOURS:
            return "late"
        return "near" if STEP_DEADLINE_HOURS - self.hours <= NEAR_DEADLINE_HOURS else "ok"


def step_age(opened_at: dt.datetime | None, now: dt.datetime | None = None) -> Age:
    if opened_at is None:
        return Age(None, 0.0, None)
    now = now or timezone.now()
    return Age(
        opened_at,
        round(max(working_hours_between(opened_at, now), 0.0), 1),
        add_working_hours(opened_at, STEP_DEADLINE_HOURS),
    )


def decidable_statuses(user) -> list[str]:
    """Review states the user may decide: their own roles, and roles delegated to them today."""
    roles = set(user_roles(user)) | set(PolicyApprovalHooks._delegators_by_role(user))
    return [step for step, role in STEP_ROLE.items() if role in roles]


def approval_inbox(*, user, filters: dict | None = None) -> list[Order]:
    """Orders waiting on a step this user may decide now, oldest step first.

    Each order carries `approval_round` (with its current step's checks) and `age`. The
    candidates come from one query; the per-order rules (own order, one step per person) run
    on prefetched data, so the cost does not grow with the inbox.
    """
    statuses = decidable_statuses(user)
    if not statuses:
        return []
    filters = filters or {}
    # order_list_with_lines already prefetches the open round (hooks().prefetch, to_attr
    # "open_rounds"); a second Prefetch to the same attribute is a ValueError, so the checks
    # are fetched through it.
    queryset = (
        order_list_with_lines(user=user)
        .filter(status__in=statuses)
        .exclude(owner=user)
        .prefetch_related(
            Prefetch("open_rounds__checks", queryset=CheckResult.objects.order_by("code"))
        )
    )
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("customer"):
        queryset = queryset.filter(customer__name__icontains=filters["customer"])
    if filters.get("min_total") is not None:
        queryset = queryset.filter(total__gte=filters["min_total"])
    now = timezone.now()
    inbox = []
    for order in queryset:
        if not may_decide_step(user, order):
            continue
        order.approval_round = order.open_rounds[0] if order.open_rounds else None
        opened = order.approval_round.step_opened_at if order.approval_round else order.submitted_at
        order.age = step_age(opened, now)
        order.current_checks = [
            c
            for c in (order.approval_round.checks.all() if order.approval_round else [])
            if c.step == order.status
        ]
        order.failed_checks = [c for c in order.current_checks if not c.passed]
        inbox.append(order)
    inbox.sort(key=lambda o: o.age.opened_at or now)
    if filters.get("overdue"):
        inbox = [o for o in inbox if o.age.state == "late"]
    return inbox


def decisions_by(*, user) -> QuerySet[ApprovalDecision]:
    """Decisions the user took, themselves or as a delegate, newest first."""
    return (
        ApprovalDecision.objects.filter(Q(actor=user) | Q(on_behalf_of=user))
        .select_related("order", "order__customer", "actor", "on_behalf_of")
        .order_by("-decided_at", "-id")
    )


def order_chain(*, order: Order) -> list[dict]:
    """The latest round's chain: each step with its decision (who, on whose behalf, when,
    comment, override reason) or, for the open step, its checks."""
    round_ = order.approval_rounds.order_by("-number").first()
    if round_ is None:
        return []
    decisions = {d.step: d for d in round_.decisions.select_related("actor", "on_behalf_of")}
    checks: dict[str, list[CheckResult]] = {}
    for check in round_.checks.order_by("code"):
        checks.setdefault(check.step, []).append(check)
    return [
        {
            "step": step,
            "decision": decisions.get(step),
            "checks": checks.get(step, []),
            "current": round_.outcome == RoundOutcome.OPEN and order.status == step,
            "round": round_,
        }
        for step in round_.steps
    ]


def delegation_list(*, user) -> QuerySet[Delegation]:
    """Delegations the user gave or received."""
    return Delegation.objects.filter(Q(approver=user) | Q(delegate=user)).select_related(
        "approver", "delegate"
    )


def delegations_active_for(*, user) -> QuerySet[Delegation]:
    return active_delegations(user).select_related("approver")
