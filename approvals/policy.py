"""The approval policy behind the order machine (registered in ApprovalsConfig.ready).

A round is opened when an order is submitted, with the chain copied from the active policy;
the checks of each step are computed when the step opens; each decision is an ApprovalDecision
next to the transition's OrderEvent. All of it runs inside the order service's transaction.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from orders.approval_hooks import DEFAULT_CHAIN, ApprovalHooks
from orders.enums import REVIEW_STATES, OrderStatus, OrderTransition
from orders.permissions import STEP_ROLE

from . import checks
from .enums import CheckCode, Decision, ReviewStep, RoundOutcome
from .models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRound,
    ChangePolicyRule,
    CheckResult,
    Delegation,
)

S = OrderStatus
T = OrderTransition


def active_policy() -> ApprovalPolicy | None:
    return ApprovalPolicy.objects.filter(is_active=True).prefetch_related("steps").first()


def chain_for(order, policy: ApprovalPolicy | None) -> list[str]:
    """The review states this order goes through under `policy`, in the policy's order."""
    if policy is None:
        return list(DEFAULT_CHAIN)
    return [s.step for s in policy.steps.all() if s.applies_to(order)]


_UNSET = object()


def open_round(order) -> ApprovalRound | None:
    """The order's open round; read once per order object (or from a list's prefetch)."""
    cached = getattr(order, "_open_approval_round", _UNSET)
    if cached is not _UNSET:
        return cached
    prefetched = getattr(order, "open_rounds", None)
    if prefetched is not None:
        found = prefetched[0] if prefetched else None
    else:
        found = order.approval_rounds.filter(outcome=RoundOutcome.OPEN).first()
    order._open_approval_round = found
    return found


def compute_checks(round_: ApprovalRound, order, step: str) -> list[CheckResult]:
    CheckResult.objects.filter(round=round_, step=step).delete()
    return CheckResult.objects.bulk_create(
        CheckResult(round=round_, step=step, code=o.code, passed=o.passed, details=o.details)
        for o in checks.run_checks(order, step)
    )


def active_delegations(user, today=None):
    today = today or timezone.localdate()
    return Delegation.objects.filter(
        delegate=user,
        revoked_at__isnull=True,
        start_date__lte=today,
        end_date__gte=today,
        approver__is_active=True,
    )


class PolicyApprovalHooks(ApprovalHooks):
    def round_start(self, *, order, actor) -> str:
        policy = active_policy()
        now = timezone.now()
        order.approval_rounds.filter(outcome=RoundOutcome.OPEN).update(
            outcome=RoundOutcome.SUPERSEDED, ended_at=now
        )
        last = order.approval_rounds.order_by("-number").values_list("number", flat=True).first()
        steps = chain_for(order, policy)
        round_ = ApprovalRound.objects.create(
            order=order,
            number=(last or 0) + 1,
            policy=policy,
            policy_name=policy.name if policy else _("Plain chain"),
            steps=steps,
            distinct_approvers=(
                policy.distinct_approvers if policy else super().distinct_approvers(order=order)
            ),
            started_by=actor,
            step_opened_at=now,
            outcome=RoundOutcome.OPEN if steps else RoundOutcome.APPROVED,
            ended_at=None if steps else now,
        )
        if not steps:
            return S.APPROVED
        order._open_approval_round = round_
        compute_checks(round_, order, steps[0])
        return steps[0]

    def steps(self, *, order) -> tuple[str, ...]:
        round_ = open_round(order)
        return tuple(round_.steps) if round_ is not None else DEFAULT_CHAIN

    def next_status(self, *, order) -> str:
        round_ = open_round(order)
        if round_ is None:
            return super().next_status(order=order)
        chain = list(round_.steps)
        if order.status not in chain:
            # Not a step of this round (data changed by hand): go on with the round's steps
            # that come later in the canonical order, never back to its first step.
            position = REVIEW_STATES.index(order.status)
            later = [step for step in chain if REVIEW_STATES.index(step) > position]
            return later[0] if later else S.APPROVED
        index = chain.index(order.status)
        return chain[index + 1] if index + 1 < len(chain) else S.APPROVED

    def distinct_approvers(self, *, order) -> bool:
        round_ = open_round(order)
        if round_ is None:
            return super().distinct_approvers(order=order)
        return round_.distinct_approvers

    @staticmethod
    def _delegators_by_role(user) -> dict[str, list]:
        """{role: [approvers holding it who delegated to `user` today]}, once per user object."""
        cached = getattr(user, "_delegators_by_role", None)
        if cached is None:
            cached = {}
            approvers = (
                get_user_model()
                .objects.filter(pk__in=active_delegations(user).values("approver"))
                .prefetch_related("groups")
                .order_by("pk")
            )
            for approver in approvers:
                for group in approver.groups.all():
                    cached.setdefault(group.name, []).append(approver)
            user._delegators_by_role = cached
        return cached

    def acting_for(self, *, user, order, step=None) -> list:
        role = STEP_ROLE.get(step or order.status)
        if role is None or not user.is_authenticated:
            return []
        return [a for a in self._delegators_by_role(user).get(role, []) if a.pk != order.owner_id]

    def visible_q(self, *, user) -> Q | None:
        """Orders at a delegated step, except the delegators' own orders (which they could
        not approve, so neither can their delegate)."""
        condition = None
        for role, approvers in self._delegators_by_role(user).items():
            statuses = [step for step, step_role in STEP_ROLE.items() if step_role == role]
            if not statuses:
                continue
            part = Q(status__in=statuses) & ~Q(owner__in=[a.pk for a in approvers])
            condition = part if condition is None else condition | part
        return condition

    def step_recipients(self, *, order) -> set[int]:
        """The step's role holders and whoever stands in for one of them today."""
        holders = super().step_recipients(order=order)
        if not holders:
            return holders
        today = timezone.localdate()
        delegates = Delegation.objects.filter(
            approver__in=holders,
            revoked_at__isnull=True,
            start_date__lte=today,
            end_date__gte=today,
            delegate__is_active=True,
        ).values_list("delegate", flat=True)
        return holders | set(delegates)

    def prefetch(self, queryset):
        return queryset.prefetch_related(
            Prefetch(
                "approval_rounds",
                queryset=ApprovalRound.objects.filter(outcome=RoundOutcome.OPEN),
                to_attr="open_rounds",
            )
        )

    def before_decision(self, *, order, actor, name: str, override_reason: str) -> dict:
        round_ = open_round(order)
        if round_ is None or name != T.APPROVE:
            return {}
        failed = list(
            round_.checks.filter(step=order.status, passed=False).values_list("code", flat=True)
        )
        if failed and not override_reason:
            labels = ", ".join(str(CheckCode(code).label) for code in failed)
            raise ValidationFailed(
                _("These checks failed: %(checks)s. Give a reason to approve anyway.")
                % {"checks": labels},
                fields={
                    "override_reason": [
                        _("Required to approve with failed checks (%(checks)s).")
                        % {"checks": labels}
                    ]
                },
            )
        return {"failed_checks": failed} if failed else {}

    def after_decision(
        self, *, order, actor, name, step, event, on_behalf_of, override_reason
    ) -> None:
        round_ = open_round(order)
        if round_ is None:
            return
        failed = list(round_.checks.filter(step=step, passed=False).values_list("code", flat=True))
        ApprovalDecision.objects.create(
            round=round_,
            order=order,
            step=step,
            decision=Decision.APPROVE if name == T.APPROVE else Decision.REJECT,
            actor=actor,
            on_behalf_of=on_behalf_of,
            comment=event.comment,
            override_reason=override_reason,
            failed_checks=failed,
            event=event,
        )
        now = timezone.now()
        if order.status in REVIEW_STATES:  # the next step opens: fresh figures for it
            round_.step_opened_at = now
            round_.save(update_fields=["step_opened_at"])
            compute_checks(round_, order, order.status)
            return
        round_.outcome = RoundOutcome.APPROVED if name == T.APPROVE else RoundOutcome.REJECTED
        round_.ended_at = now
        round_.save(update_fields=["outcome", "ended_at"])
        order._open_approval_round = None

    def round_end(self, *, order, outcome: str) -> None:
        order.approval_rounds.filter(outcome=RoundOutcome.OPEN).update(
            outcome=outcome, ended_at=timezone.now()
        )
        order._open_approval_round = None

    def change_steps(self, *, order, category: str) -> list[str]:
        """The steps the admin set for this category of change request (ChangePolicyRule);
        the built-in defaults when there is no rule."""
        rule = ChangePolicyRule.objects.filter(category=category).first()
        if rule is None or not rule.steps:
            return super().change_steps(order=order, category=category)
        return [step for step in REVIEW_STATES if step in rule.steps]

    def home_context(self, *, user) -> dict:
        """The approver's inbox at a glance: the five oldest waiting orders with their
        deadline badges, and how many are waiting, due soon and overdue."""
        from .selectors import approval_inbox, decidable_statuses

        if not decidable_statuses(user):
            return {}
        inbox = approval_inbox(user=user)
        states = [order.age.state for order in inbox]
        return {
            "approval_preview": inbox[:5],
            "approval_count": len(inbox),
            "approval_late": states.count("late"),
            "approval_near": states.count("near"),
        }

    def order_page_context(self, *, order, user) -> dict:
        """The latest round's chain for the order page: each step decided (who, on whose
        behalf, when, comment, override reason), current (its checks with their figures) or
        still pending; and whether approving now needs an override reason."""
        from .selectors import order_chain  # selectors import this module

        chain = order_chain(order=order)
        if not chain:
            return {}
        round_ = chain[0]["round"]
        steps = []
        for entry in chain:
            decision = entry["decision"]
            if decision is not None:
                state = decision.decision
            elif entry["current"]:
                state = "current"
            else:
                state = "pending" if round_.outcome == RoundOutcome.OPEN else "not_reached"
            steps.append(
                {
                    **entry,
                    "label": ReviewStep(entry["step"]).label
                    if entry["step"] in ReviewStep.values
                    else entry["step"],
                    "state": state,
                    "checks": [
                        {
                            "code": c.code,
                            "label": c.get_code_display(),
                            "passed": c.passed,
                            "text": checks.describe(c.code, c.passed, c.details),
                        }
                        for c in entry["checks"]
                    ],
                    "failed_labels": [
                        str(CheckCode(code).label) if code in CheckCode.values else code
                        for code in (decision.failed_checks if decision is not None else [])
                    ],
                }
            )
        current = next((s for s in steps if s["state"] == "current"), None)
        current_checks = current["checks"] if current else []
        return {
            "approval_round": round_,
            "approval_chain": steps,
            "approval_checks": current_checks,
            "approval_override_required": any(not c["passed"] for c in current_checks),
        }
