"""The approval policy behind the order machine (REQUIREMENTS §4, issue 4 items 1 and 3):
chain variants, thresholds and skipped steps, rounds that keep their chain, and the
separation-of-duties rules."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from approvals.enums import Decision, RoundOutcome
from approvals.models import ApprovalDecision, ApprovalPolicy, ApprovalRound, CheckResult
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.roles import Role
from orders import approval_hooks, services
from orders.enums import OrderStatus, OrderTransition, OrderType
from orders.models import Order, OrderEvent
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory, ProductFactory, UserFactory

from .factories import ApprovalPolicyFactory, PolicyStepFactory, activate_policy

pytestmark = pytest.mark.django_db
S = OrderStatus
T = OrderTransition

DEFAULT_REGULAR_CHAIN = [S.SALES_REVIEW, S.FINANCE_REVIEW, S.GM_REVIEW]


def order_of_total(owner, total: str, **header):
    """A draft with one line of quantity 1 whose total is exactly `total`."""
    product = ProductFactory(list_price=Decimal(total))
    return draft_order(owner, lines=[{"product": product, "quantity": Decimal("1")}], **header)


def approve_in_turn(order, *actors):
    """Approve step after step; returns the statuses reached."""
    reached = []
    for actor in actors:
        order = services.order_approve(order=order, actor=actor)
        reached.append(order.status)
    return order, reached


def decisions(order):
    return list(
        ApprovalDecision.objects.filter(order=order)
        .order_by("id")
        .values_list("round__number", "step", "decision", "actor__username", "on_behalf_of")
    )


def approve_events(order):
    return OrderEvent.objects.filter(order=order, transition=T.APPROVE).count()


# --- chain variants -----------------------------------------------------------------------


def test_default_policy_is_installed_and_active():
    policy = ApprovalPolicy.objects.get(is_active=True)
    steps = list(policy.steps.values_list("step", "position", "min_amount", "order_types"))
    assert steps == [
        (S.SALES_REVIEW, 1, None, []),
        (S.TECHNICAL_REVIEW, 2, None, [OrderType.NON_REGULAR]),
        (S.FINANCE_REVIEW, 3, None, []),
        (S.GM_REVIEW, 4, None, []),
    ]
    assert policy.distinct_approvers is True


def test_default_policy_regular_order_goes_sales_finance_gm(rep, sales_head, finance, gm):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    assert order.status == S.SALES_REVIEW
    round_ = ApprovalRound.objects.get(order=order)
    policy = ApprovalPolicy.objects.get(is_active=True)
    assert (round_.number, round_.outcome, round_.steps, round_.policy, round_.started_by) == (
        1,
        RoundOutcome.OPEN,
        DEFAULT_REGULAR_CHAIN,
        policy,
        rep,
    )
    assert round_.policy_name == policy.name
    assert round_.distinct_approvers is True
    assert round_.step_opened_at is not None and round_.ended_at is None

    order, reached = approve_in_turn(order, sales_head, finance, gm)

    assert reached == [S.FINANCE_REVIEW, S.GM_REVIEW, S.APPROVED]
    assert order.approved_at is not None
    round_.refresh_from_db()
    assert round_.outcome == RoundOutcome.APPROVED and round_.ended_at is not None
    assert decisions(order) == [
        (1, S.SALES_REVIEW, Decision.APPROVE, "head", None),
        (1, S.FINANCE_REVIEW, Decision.APPROVE, "finance", None),
        (1, S.GM_REVIEW, Decision.APPROVE, "gm", None),
    ]
    # each decision points at the OrderEvent of its transition
    for decision in ApprovalDecision.objects.filter(order=order):
        assert (decision.event.transition, decision.event.from_status, decision.event.actor) == (
            T.APPROVE,
            decision.step,
            decision.actor,
        )


def test_non_regular_order_gets_a_technical_review_by_production(
    rep, sales_head, production, finance, gm
):
    order = draft_order(rep, order_type=OrderType.NON_REGULAR)
    order = services.order_submit(order=order, actor=rep)
    assert ApprovalRound.objects.get(order=order).steps == [
        S.SALES_REVIEW,
        S.TECHNICAL_REVIEW,
        S.FINANCE_REVIEW,
        S.GM_REVIEW,
    ]
    order = services.order_approve(order=order, actor=sales_head)
    assert order.status == S.TECHNICAL_REVIEW
    # the technical step belongs to production: finance is refused, a sales head (whose step
    # has passed) is told the step was decided
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=finance)
    with pytest.raises(InvalidTransition):
        services.order_approve(order=order, actor=UserFactory(roles=[Role.SALES_HEAD]))
    assert Order.objects.get(pk=order.pk).status == S.TECHNICAL_REVIEW
    assert approve_events(order) == 1

    order, reached = approve_in_turn(order, production, finance, gm)

    assert reached == [S.FINANCE_REVIEW, S.GM_REVIEW, S.APPROVED]
    assert [d[1:4] for d in decisions(order)] == [
        (S.SALES_REVIEW, Decision.APPROVE, "head"),
        (S.TECHNICAL_REVIEW, Decision.APPROVE, "production"),
        (S.FINANCE_REVIEW, Decision.APPROVE, "finance"),
        (S.GM_REVIEW, Decision.APPROVE, "gm"),
    ]


@pytest.mark.parametrize("order_type", [OrderType.REGULAR, OrderType.URGENT, OrderType.EXPORT])
def test_other_order_types_skip_the_technical_review(rep, order_type):
    order = services.order_submit(order=draft_order(rep, order_type=order_type), actor=rep)
    assert ApprovalRound.objects.get(order=order).steps == DEFAULT_REGULAR_CHAIN


@pytest.mark.parametrize(
    ("total", "chain"),
    [
        ("9999.99", [S.SALES_REVIEW, S.FINANCE_REVIEW]),
        ("10000.00", DEFAULT_REGULAR_CHAIN),
        ("10000.01", DEFAULT_REGULAR_CHAIN),
    ],
)
def test_gm_step_only_at_or_above_its_threshold(rep, total, chain):
    activate_policy(
        S.SALES_REVIEW, S.FINANCE_REVIEW, {"step": S.GM_REVIEW, "min_amount": Decimal("10000")}
    )
    order = services.order_submit(order=order_of_total(rep, total), actor=rep)
    assert order.total == Decimal(total)
    assert ApprovalRound.objects.get(order=order).steps == chain


def test_below_the_gm_threshold_finance_approval_approves_the_order(rep, sales_head, finance, gm):
    activate_policy(
        S.SALES_REVIEW, S.FINANCE_REVIEW, {"step": S.GM_REVIEW, "min_amount": Decimal("10000")}
    )
    order = services.order_submit(order=order_of_total(rep, "9999.99"), actor=rep)

    order, reached = approve_in_turn(order, sales_head, finance)

    assert reached == [S.FINANCE_REVIEW, S.APPROVED]
    assert order.approved_at is not None
    assert ApprovalRound.objects.get(order=order).outcome == RoundOutcome.APPROVED
    with pytest.raises(InvalidTransition):
        services.order_approve(order=order, actor=gm)
    assert approve_events(order) == 2


def test_at_the_gm_threshold_the_gm_decides_last(rep, sales_head, finance, gm):
    activate_policy(
        S.SALES_REVIEW, S.FINANCE_REVIEW, {"step": S.GM_REVIEW, "min_amount": Decimal("10000")}
    )
    order = services.order_submit(order=order_of_total(rep, "10000.00"), actor=rep)

    order, reached = approve_in_turn(order, sales_head, finance, gm)

    assert reached == [S.FINANCE_REVIEW, S.GM_REVIEW, S.APPROVED]


def test_a_policy_with_only_finance(rep, sales_head, finance):
    activate_policy(S.FINANCE_REVIEW, name="仅财务审批")
    order = services.order_submit(order=draft_order(rep), actor=rep)
    assert order.status == S.FINANCE_REVIEW
    round_ = ApprovalRound.objects.get(order=order)
    assert (round_.steps, round_.policy_name) == ([S.FINANCE_REVIEW], "仅财务审批")
    # the first step's checks are computed when the round opens
    assert set(CheckResult.objects.filter(round=round_).values_list("step", flat=True)) == {
        S.FINANCE_REVIEW
    }
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=sales_head)

    order = services.order_approve(order=order, actor=finance)

    assert order.status == S.APPROVED and order.approved_at is not None
    assert [d[1:4] for d in decisions(order)] == [(S.FINANCE_REVIEW, Decision.APPROVE, "finance")]


def test_when_no_step_applies_submit_approves_the_order_at_once(rep, sales_head):
    activate_policy(
        {"step": S.GM_REVIEW, "min_amount": Decimal("1000000")},
        {"step": S.TECHNICAL_REVIEW, "order_types": [OrderType.NON_REGULAR]},
    )
    order = services.order_submit(order=draft_order(rep), actor=rep)

    assert order.status == S.APPROVED
    assert order.approved_at == order.submitted_at and order.approved_at is not None
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.approved_at) == (S.APPROVED, order.approved_at)
    round_ = ApprovalRound.objects.get(order=order)
    assert (round_.steps, round_.outcome) == ([], RoundOutcome.APPROVED)
    assert round_.ended_at is not None
    assert not CheckResult.objects.filter(round=round_).exists()
    event = OrderEvent.objects.get(order=order, transition=T.SUBMIT)
    assert (event.from_status, event.to_status) == (S.DRAFT, S.APPROVED)
    with pytest.raises(InvalidTransition):
        services.order_approve(order=order, actor=sales_head)
    assert not ApprovalDecision.objects.exists()


def test_steps_follow_their_position_not_their_creation_order(rep, sales_head, finance, gm):
    ApprovalPolicy.objects.filter(is_active=True).update(is_active=False)
    policy = ApprovalPolicyFactory(is_active=True)
    PolicyStepFactory(policy=policy, step=S.SALES_REVIEW, position=3)
    PolicyStepFactory(policy=policy, step=S.GM_REVIEW, position=1)
    PolicyStepFactory(policy=policy, step=S.FINANCE_REVIEW, position=2)

    order = services.order_submit(order=draft_order(rep), actor=rep)
    assert order.status == S.GM_REVIEW
    assert ApprovalRound.objects.get(order=order).steps == [
        S.GM_REVIEW,
        S.FINANCE_REVIEW,
        S.SALES_REVIEW,
    ]
    order, reached = approve_in_turn(order, gm, finance, sales_head)
    assert reached == [S.FINANCE_REVIEW, S.SALES_REVIEW, S.APPROVED]


def test_a_late_approver_of_a_step_already_passed_in_a_reordered_chain_gets_a_conflict(
    rep, gm, finance
):
    activate_policy(S.GM_REVIEW, S.FINANCE_REVIEW)
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=gm)
    with pytest.raises(InvalidTransition):
        services.order_approve(order=order, actor=UserFactory(roles=[Role.GM]))
    assert Order.objects.get(pk=order.pk).status == S.FINANCE_REVIEW
    assert approve_events(order) == 1


def test_editing_the_active_policy_leaves_orders_in_review_on_their_chain(
    rep, sales_head, finance, gm
):
    in_review = services.order_submit(order=draft_order(rep), actor=rep)
    in_review = services.order_approve(order=in_review, actor=sales_head)
    policy = ApprovalPolicy.objects.get(is_active=True)
    # the policy drops the sales head and puts the GM behind a threshold the order is below
    policy.steps.filter(step=S.SALES_REVIEW).delete()
    policy.steps.filter(step=S.GM_REVIEW).update(min_amount=Decimal("1000000"))
    policy.distinct_approvers = False
    policy.save()

    in_review, reached = approve_in_turn(in_review, finance, gm)
    assert reached == [S.GM_REVIEW, S.APPROVED]

    submitted_after = services.order_submit(order=draft_order(rep), actor=rep)
    assert submitted_after.status == S.FINANCE_REVIEW
    round_ = ApprovalRound.objects.get(order=submitted_after)
    assert (round_.steps, round_.distinct_approvers) == ([S.FINANCE_REVIEW], False)


def test_a_resubmitted_order_takes_the_policy_in_force_at_resubmission(rep, sales_head, finance):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=sales_head)
    activate_policy(S.FINANCE_REVIEW, name="New")
    # still on the chain it started with: GM comes after finance
    assert ApprovalRound.objects.get(order=order).steps == DEFAULT_REGULAR_CHAIN
    order = services.order_reject(order=order, actor=finance, comment="付款条件不符")

    order = services.order_submit(order=order, actor=rep)

    assert order.status == S.FINANCE_REVIEW
    rounds = list(
        ApprovalRound.objects.filter(order=order).values_list(
            "number", "policy_name", "steps", "outcome"
        )
    )
    assert rounds == [
        (
            1,
            ApprovalPolicy.objects.get(steps__step=S.TECHNICAL_REVIEW).name,
            DEFAULT_REGULAR_CHAIN,
            RoundOutcome.REJECTED,
        ),
        (2, "New", [S.FINANCE_REVIEW], RoundOutcome.OPEN),
    ]
    order = services.order_approve(order=order, actor=finance)
    assert order.status == S.APPROVED


def test_only_one_policy_is_active_at_a_time(rep):
    default = ApprovalPolicy.objects.get(is_active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalPolicyFactory(is_active=True)
    assert list(ApprovalPolicy.objects.filter(is_active=True)) == [default]

    lean = ApprovalPolicyFactory(name="Lean", is_active=False)
    PolicyStepFactory(policy=lean, step=S.SALES_REVIEW, position=1)
    with transaction.atomic():
        default.is_active = False
        default.save()
        lean.is_active = True
        lean.save()

    order = services.order_submit(order=draft_order(rep), actor=rep)
    round_ = ApprovalRound.objects.get(order=order)
    assert (round_.policy, round_.policy_name, round_.steps) == (
        lean,
        "Lean",
        [S.SALES_REVIEW],
    )


def test_without_an_active_policy_the_plain_chain_applies(rep, sales_head, finance, gm):
    ApprovalPolicy.objects.update(is_active=False)
    order = services.order_submit(
        order=draft_order(rep, order_type=OrderType.NON_REGULAR), actor=rep
    )
    round_ = ApprovalRound.objects.get(order=order)
    assert (round_.policy, round_.steps, round_.distinct_approvers) == (
        None,
        DEFAULT_REGULAR_CHAIN,
        True,
    )
    order, reached = approve_in_turn(order, sales_head, finance, gm)
    assert reached == [S.FINANCE_REVIEW, S.GM_REVIEW, S.APPROVED]


# --- rounds -------------------------------------------------------------------------------


def test_rejection_closes_the_round_and_resubmission_opens_the_next(rep, sales_head, finance):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=sales_head, comment="同意")
    order = services.order_reject(order=order, actor=finance, comment="信用额度不足")
    assert order.status == S.REJECTED
    first = ApprovalRound.objects.get(order=order)
    assert (first.number, first.outcome) == (1, RoundOutcome.REJECTED)
    assert first.ended_at is not None
    reject = ApprovalDecision.objects.get(order=order, decision=Decision.REJECT)
    assert (reject.step, reject.actor, reject.comment, reject.round) == (
        S.FINANCE_REVIEW,
        finance,
        "信用额度不足",
        first,
    )

    order = services.order_submit(order=order, actor=rep)

    assert order.status == S.SALES_REVIEW
    assert list(ApprovalRound.objects.filter(order=order).values_list("number", "outcome")) == [
        (1, RoundOutcome.REJECTED),
        (2, RoundOutcome.OPEN),
    ]
    # the new round decides every step again, the earlier decisions stay with round 1
    order = services.order_approve(order=order, actor=sales_head)
    assert [d[:4] for d in decisions(order)] == [
        (1, S.SALES_REVIEW, Decision.APPROVE, "head"),
        (1, S.FINANCE_REVIEW, Decision.REJECT, "finance"),
        (2, S.SALES_REVIEW, Decision.APPROVE, "head"),
    ]


def test_rejection_needs_a_reason_and_changes_nothing_without_one(rep, sales_head):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    with pytest.raises(ValidationFailed) as exc:
        services.order_reject(order=order, actor=sales_head, comment="  ")
    assert "comment" in exc.value.fields
    assert Order.objects.get(pk=order.pk).status == S.SALES_REVIEW
    assert not ApprovalDecision.objects.exists()
    assert ApprovalRound.objects.get(order=order).outcome == RoundOutcome.OPEN


def test_cancel_during_review_closes_the_round(rep, sales_head):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=sales_head)

    order = services.order_cancel(order=order, actor=rep, comment="客户取消")

    assert order.status == S.CANCELLED
    round_ = ApprovalRound.objects.get(order=order)
    assert (round_.outcome, round_.ended_at is not None) == (RoundOutcome.CANCELLED, True)
    assert [d[1:3] for d in decisions(order)] == [(S.SALES_REVIEW, Decision.APPROVE)]


def test_one_open_round_per_order(rep):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRound.objects.create(order=order, number=2, steps=[S.GM_REVIEW])
    assert list(ApprovalRound.objects.filter(order=order).values_list("number", "outcome")) == [
        (1, RoundOutcome.OPEN)
    ]


# --- separation of duties -----------------------------------------------------------------


def test_requester_never_approves_even_holding_the_role(rep, sales_head):
    both = UserFactory(roles=[Role.SALES_REP, Role.FINANCE])
    customer = CustomerFactory(account_manager=both)
    order = services.order_submit(order=draft_order(both, customer=customer), actor=both)
    order = services.order_approve(order=order, actor=sales_head)
    events_before = OrderEvent.objects.count()

    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=both)

    assert Order.objects.get(pk=order.pk).status == S.FINANCE_REVIEW
    assert OrderEvent.objects.count() == events_before
    assert ApprovalDecision.objects.filter(step=S.FINANCE_REVIEW).count() == 0
    # not even to refuse it: the requester does not decide their own order at all
    with pytest.raises(PermissionDenied):
        services.order_reject(order=order, actor=both, comment="自己驳回")
    assert Order.objects.get(pk=order.pk).status == S.FINANCE_REVIEW


def test_requester_rule_holds_even_when_the_policy_allows_one_person_two_steps(sales_head):
    activate_policy(S.SALES_REVIEW, S.FINANCE_REVIEW, distinct_approvers=False)
    order = services.order_submit(order=draft_order(sales_head), actor=sales_head)
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=sales_head)
    assert Order.objects.get(pk=order.pk).status == S.SALES_REVIEW
    assert not ApprovalDecision.objects.exists()


def test_one_person_does_not_approve_two_steps_by_default(rep):
    both = UserFactory(roles=[Role.SALES_HEAD, Role.FINANCE])
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=both)
    events_before = OrderEvent.objects.count()

    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=both)

    assert Order.objects.get(pk=order.pk).status == S.FINANCE_REVIEW
    assert OrderEvent.objects.count() == events_before
    assert [d[1:4] for d in decisions(order)] == [(S.SALES_REVIEW, Decision.APPROVE, both.username)]
    # another finance user may
    other = UserFactory(roles=[Role.FINANCE])
    assert services.order_approve(order=order, actor=other).status == S.GM_REVIEW


def test_a_policy_may_allow_one_person_two_steps(rep):
    activate_policy(S.SALES_REVIEW, S.FINANCE_REVIEW, S.GM_REVIEW, distinct_approvers=False)
    both = UserFactory(roles=[Role.SALES_HEAD, Role.FINANCE])
    order = services.order_submit(order=draft_order(rep), actor=rep)

    order, reached = approve_in_turn(order, both, both)

    assert reached == [S.FINANCE_REVIEW, S.GM_REVIEW]


def test_an_order_in_review_keeps_the_distinct_approver_rule_it_started_with(rep):
    both = UserFactory(roles=[Role.SALES_HEAD, Role.FINANCE])
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=both)
    ApprovalPolicy.objects.filter(is_active=True).update(distinct_approvers=False)

    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=both)

    assert Order.objects.get(pk=order.pk).status == S.FINANCE_REVIEW


def test_distinct_approvers_survive_a_non_canonical_step_order(rep):
    activate_policy(S.FINANCE_REVIEW, S.SALES_REVIEW)
    both = UserFactory(roles=[Role.SALES_HEAD, Role.FINANCE])
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=both)
    assert order.status == S.SALES_REVIEW
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=both)
    assert Order.objects.get(pk=order.pk).status == S.SALES_REVIEW


# --- the order machine without the approvals app ------------------------------------------


def test_the_plain_chain_works_with_the_base_hooks(monkeypatch, rep, sales_head, finance, gm):
    monkeypatch.setattr(approval_hooks, "_hooks", approval_hooks.ApprovalHooks())
    order = services.order_submit(
        order=draft_order(rep, order_type=OrderType.NON_REGULAR), actor=rep
    )
    assert order.status == S.SALES_REVIEW

    order, reached = approve_in_turn(order, sales_head, finance, gm)

    assert reached == [S.FINANCE_REVIEW, S.GM_REVIEW, S.APPROVED]
    assert not ApprovalRound.objects.exists()
    assert not ApprovalDecision.objects.exists()
    assert OrderEvent.objects.filter(order=order, transition=T.APPROVE).count() == 3


def test_without_an_active_policy_the_distinct_approver_setting_applies(rep, settings):
    settings.APPROVAL_DISTINCT_APPROVERS = False
    ApprovalPolicy.objects.update(is_active=False)
    both = UserFactory(roles=[Role.SALES_HEAD, Role.FINANCE])
    order = services.order_submit(order=draft_order(rep), actor=rep)
    assert ApprovalRound.objects.get(order=order).distinct_approvers is False

    order, reached = approve_in_turn(order, both, both)

    assert reached == [S.FINANCE_REVIEW, S.GM_REVIEW]


def test_a_step_outside_the_rounds_chain_moves_forward_not_back_to_the_start(
    rep, production, finance
):
    """Data repaired by hand can leave an order on a step its round does not list; approving
    it must continue with the later steps of the chain, not restart it."""
    order = services.order_submit(order=draft_order(rep), actor=rep)
    Order.objects.filter(pk=order.pk).update(status=S.TECHNICAL_REVIEW)
    order = Order.objects.get(pk=order.pk)

    order = services.order_approve(order=order, actor=production)

    assert order.status == S.FINANCE_REVIEW
