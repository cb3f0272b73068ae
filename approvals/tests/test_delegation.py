"""Delegation (issue 4 item 4): an approver names a delegate for a date range; the delegate sees
those orders in the inbox and decides "on behalf of" the approver, and only within the range."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.models import ApprovalDecision
from approvals.selectors import approval_inbox, decidable_statuses, decisions_by
from approvals.services import delegation_create, delegation_revoke
from core.errors import InvalidTransition, NotFound, PermissionDenied
from core.roles import Role
from orders import services
from orders.enums import OrderStatus, OrderTransition
from orders.models import Order, OrderEvent
from orders.permissions import may_view
from orders.selectors import order_get, order_list
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory, ProductFactory, UserFactory

from .factories import DelegationFactory

pytestmark = pytest.mark.django_db
S = OrderStatus
T = OrderTransition


def fresh(user):
    """The user as the next request loads it (roles and delegations are cached per object)."""
    return get_user_model().objects.get(pk=user.pk)


def today():
    return timezone.localdate()


@pytest.fixture
def at_finance(rep, sales_head):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    return services.order_approve(order=order, actor=sales_head)


def nothing_decided(order, status):
    assert Order.objects.get(pk=order.pk).status == status
    assert not ApprovalDecision.objects.filter(order=order, step=status).exists()
    assert not OrderEvent.objects.filter(order=order, from_status=status).exists()


def test_delegate_sees_and_approves_on_behalf_of_the_approver(at_finance, finance, other_rep):
    delegation_create(
        actor=finance,
        delegate=other_rep,
        start_date=today(),
        end_date=today() + dt.timedelta(days=3),
        reason="出差",
    )
    delegate = fresh(other_rep)

    assert [o.pk for o in approval_inbox(user=delegate)] == [at_finance.pk]
    assert list(order_list(user=delegate)) == [at_finance]
    assert order_get(user=delegate, order_id=at_finance.pk) == at_finance
    assert may_view(delegate, at_finance) is True

    order = services.order_approve(order=at_finance, actor=delegate, comment="代批")

    assert order.status == S.GM_REVIEW
    event = OrderEvent.objects.get(order=order, from_status=S.FINANCE_REVIEW)
    assert (event.transition, event.actor, event.on_behalf_of, event.comment) == (
        T.APPROVE,
        other_rep,
        finance,
        "代批",
    )
    decision = ApprovalDecision.objects.get(order=order, step=S.FINANCE_REVIEW)
    assert (decision.actor, decision.on_behalf_of, decision.event) == (other_rep, finance, event)
    assert list(decisions_by(user=finance)) == [decision]
    assert list(decisions_by(user=other_rep)) == [decision]
    # the order has moved to the GM: out of the delegate's sight again
    delegate = fresh(other_rep)
    assert approval_inbox(user=delegate) == []
    with pytest.raises(NotFound):
        order_get(user=delegate, order_id=order.pk)


def test_delegate_may_also_reject_on_behalf_of_the_approver(at_finance, finance, other_rep):
    DelegationFactory(approver=finance, delegate=other_rep)
    order = services.order_reject(order=at_finance, actor=fresh(other_rep), comment="额度不足")
    assert order.status == S.REJECTED
    decision = ApprovalDecision.objects.get(order=order, step=S.FINANCE_REVIEW)
    assert (decision.decision, decision.actor, decision.on_behalf_of) == (
        "reject",
        other_rep,
        finance,
    )


def test_delegate_sees_only_the_steps_of_the_approvers_role(rep, finance, other_rep):
    DelegationFactory(approver=finance, delegate=other_rep)
    in_sales = services.order_submit(order=draft_order(rep), actor=rep)
    delegate = fresh(other_rep)
    assert decidable_statuses(delegate) == [S.FINANCE_REVIEW]
    assert approval_inbox(user=delegate) == []
    assert list(order_list(user=delegate)) == []
    with pytest.raises(NotFound):
        order_get(user=delegate, order_id=in_sales.pk)
    with pytest.raises(PermissionDenied):
        services.order_approve(order=in_sales, actor=delegate)
    nothing_decided(in_sales, S.SALES_REVIEW)


def test_delegate_keeps_their_own_orders_in_view(at_finance, finance, rep, other_rep):
    DelegationFactory(approver=finance, delegate=other_rep)
    own = draft_order(other_rep, customer=CustomerFactory(account_manager=other_rep))
    assert set(order_list(user=fresh(other_rep))) == {at_finance, own}
    # and the plain rep without a delegation still sees only their own
    assert list(order_list(user=fresh(rep))) == [at_finance]


@pytest.mark.parametrize(
    ("start", "end"),
    [(1, 3), (-5, -1)],
    ids=["not yet started", "already over"],
)
def test_outside_the_date_range_the_delegate_has_nothing(
    at_finance, finance, other_rep, start, end
):
    DelegationFactory(
        approver=finance,
        delegate=other_rep,
        start_date=today() + dt.timedelta(days=start),
        end_date=today() + dt.timedelta(days=end),
    )
    delegate = fresh(other_rep)

    assert approval_inbox(user=delegate) == []
    assert list(order_list(user=delegate)) == []
    assert may_view(delegate, at_finance) is False
    with pytest.raises(NotFound):
        order_get(user=delegate, order_id=at_finance.pk)
    with pytest.raises(PermissionDenied):
        services.order_approve(order=at_finance, actor=delegate)
    nothing_decided(at_finance, S.FINANCE_REVIEW)


def test_the_range_includes_its_first_and_last_day(at_finance, finance, other_rep):
    DelegationFactory(approver=finance, delegate=other_rep, start_date=today(), end_date=today())
    assert [o.pk for o in approval_inbox(user=fresh(other_rep))] == [at_finance.pk]


def test_after_revocation_the_delegate_has_nothing(at_finance, finance, other_rep):
    delegation = DelegationFactory(approver=finance, delegate=other_rep)
    assert [o.pk for o in approval_inbox(user=fresh(other_rep))] == [at_finance.pk]

    delegation_revoke(actor=finance, delegation_id=delegation.pk)

    delegate = fresh(other_rep)
    assert approval_inbox(user=delegate) == []
    with pytest.raises(NotFound):
        order_get(user=delegate, order_id=at_finance.pk)
    with pytest.raises(PermissionDenied):
        services.order_approve(order=at_finance, actor=delegate)
    nothing_decided(at_finance, S.FINANCE_REVIEW)


def test_an_inactive_approver_delegates_nothing(at_finance, finance, other_rep):
    DelegationFactory(approver=finance, delegate=other_rep)
    finance.is_active = False
    finance.save()
    with pytest.raises(PermissionDenied):
        services.order_approve(order=at_finance, actor=fresh(other_rep))
    nothing_decided(at_finance, S.FINANCE_REVIEW)


def test_delegate_never_approves_the_approvers_own_order(rep, other_rep):
    head = UserFactory(roles=[Role.SALES_HEAD])
    order = services.order_submit(
        order=draft_order(head, customer=CustomerFactory(account_manager=head)), actor=head
    )
    DelegationFactory(approver=head, delegate=other_rep)
    delegate = fresh(other_rep)
    assert approval_inbox(user=delegate) == []
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=delegate)
    nothing_decided(order, S.SALES_REVIEW)


def test_delegate_never_approves_their_own_order(rep, sales_head):
    DelegationFactory(approver=sales_head, delegate=rep)
    order = services.order_submit(order=draft_order(rep), actor=rep)
    delegate = fresh(rep)
    assert approval_inbox(user=delegate) == []
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=delegate)
    nothing_decided(order, S.SALES_REVIEW)


# --- separation of duties with delegates --------------------------------------------------


def test_a_delegates_approval_counts_for_the_approver(rep, sales_head, other_rep):
    """The approver on whose behalf a step was approved does not approve the next one."""
    finance_and_gm = UserFactory(roles=[Role.FINANCE, Role.GM])
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=sales_head)
    DelegationFactory(approver=finance_and_gm, delegate=other_rep)
    order = services.order_approve(order=order, actor=fresh(other_rep))
    assert order.status == S.GM_REVIEW

    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=fresh(finance_and_gm))

    nothing_decided(order, S.GM_REVIEW)
    assert services.order_approve(order=order, actor=UserFactory(roles=[Role.GM])).status == (
        S.APPROVED
    )


def test_a_delegates_approval_counts_for_the_delegate(rep, sales_head, finance, gm, other_rep):
    """A delegate who approved one step does not approve the next for another approver."""
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=sales_head)
    DelegationFactory(approver=finance, delegate=other_rep)
    DelegationFactory(approver=gm, delegate=other_rep)
    order = services.order_approve(order=order, actor=fresh(other_rep))
    assert order.status == S.GM_REVIEW

    delegate = fresh(other_rep)
    assert approval_inbox(user=delegate) == []
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=delegate)

    nothing_decided(order, S.GM_REVIEW)


def test_delegating_to_someone_who_approved_an_earlier_step_does_not_bypass_the_rule(
    rep, sales_head, finance
):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=sales_head)
    DelegationFactory(approver=finance, delegate=sales_head)
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=fresh(sales_head))
    nothing_decided(order, S.FINANCE_REVIEW)


def test_with_two_delegators_the_delegate_acts_for_one_who_may_decide(rep, other_rep):
    """One finance approver already approved the sales step (they hold both roles); the
    delegate then acts for the other finance approver, not for them."""
    head_and_finance = UserFactory(roles=[Role.SALES_HEAD, Role.FINANCE], username="aa-both")
    plain_finance = UserFactory(roles=[Role.FINANCE], username="zz-finance")
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=head_and_finance)
    DelegationFactory(approver=head_and_finance, delegate=other_rep)
    DelegationFactory(approver=plain_finance, delegate=other_rep)
    delegate = fresh(other_rep)
    assert [o.pk for o in approval_inbox(user=delegate)] == [order.pk]

    order = services.order_approve(order=order, actor=delegate)

    event = OrderEvent.objects.get(order=order, from_status=S.FINANCE_REVIEW)
    assert (event.actor, event.on_behalf_of) == (other_rep, plain_finance)


def test_a_delegate_who_lost_the_race_gets_a_conflict_or_a_refusal(at_finance, finance, other_rep):
    DelegationFactory(approver=finance, delegate=other_rep)
    stale = Order.objects.get(pk=at_finance.pk)
    services.order_approve(order=at_finance, actor=finance)
    with pytest.raises((InvalidTransition, PermissionDenied)):
        services.order_approve(order=Order.objects.get(pk=stale.pk), actor=fresh(other_rep))
    assert OrderEvent.objects.filter(from_status=S.FINANCE_REVIEW).count() == 1


def test_a_delegate_who_cancels_in_review_is_recorded_on_behalf_of_the_approver(
    at_finance, finance, other_rep
):
    DelegationFactory(approver=finance, delegate=other_rep)

    order = services.order_cancel(order=at_finance, actor=fresh(other_rep), comment="客户撤单")

    assert order.status == S.CANCELLED
    event = OrderEvent.objects.get(order=order, transition=T.CANCEL)
    assert (event.actor, event.on_behalf_of) == (other_rep, finance)


def test_the_owner_who_cancels_acts_for_themselves(at_finance, rep):
    services.order_cancel(order=at_finance, actor=rep, comment="客户撤单")
    event = OrderEvent.objects.get(order=at_finance, transition=T.CANCEL)
    assert (event.actor, event.on_behalf_of) == (rep, None)


# --- the inbox ----------------------------------------------------------------------------


def test_inbox_holds_what_the_user_may_decide_now(rep, sales_head, finance):
    both = UserFactory(roles=[Role.SALES_HEAD, Role.FINANCE])
    waiting = services.order_submit(order=draft_order(rep), actor=rep)
    waiting = services.order_approve(order=waiting, actor=sales_head)
    approved_by_both = services.order_submit(order=draft_order(rep), actor=rep)
    approved_by_both = services.order_approve(order=approved_by_both, actor=both)
    in_sales = services.order_submit(order=draft_order(rep), actor=rep)
    draft_order(rep)  # a draft is in nobody's inbox

    assert [o.pk for o in approval_inbox(user=finance)] == [waiting.pk, approved_by_both.pk]
    # one step per person: `both` is not asked for finance's step of the order they passed
    assert [o.pk for o in approval_inbox(user=fresh(both))] == [waiting.pk, in_sales.pk]
    assert [o.pk for o in approval_inbox(user=fresh(rep))] == []


def test_inbox_items_carry_the_current_steps_checks_and_age(rep, sales_head):
    product = ProductFactory(list_price=Decimal("1000"))
    order = draft_order(
        rep, lines=[{"product": product, "quantity": 1, "unit_price": Decimal("800")}]
    )
    services.order_submit(order=order, actor=rep)

    (item,) = approval_inbox(user=sales_head)

    assert item.approval_round.number == 1
    assert [(c.step, c.code, c.passed) for c in item.current_checks] == [
        (S.SALES_REVIEW, "delivery_date", True),
        (S.SALES_REVIEW, "floor_price", False),
        (S.SALES_REVIEW, "payment_terms", True),
    ]
    assert [c.code for c in item.failed_checks] == ["floor_price"]
    assert item.age.opened_at == item.approval_round.step_opened_at
    assert item.age.state in ("ok", "near", "late")


@pytest.mark.parametrize("delegated", [False, True], ids=["approver", "delegate"])
def test_inbox_query_count_does_not_grow(
    rep, sales_head, finance, other_rep, delegated, django_assert_max_num_queries
):
    def at_finance():
        order = services.order_submit(order=draft_order(rep), actor=rep)
        return services.order_approve(order=order, actor=sales_head)

    if delegated:
        DelegationFactory(approver=finance, delegate=other_rep)
    user = other_rep if delegated else finance
    at_finance()
    with CaptureQueriesContext(connection) as one:
        assert len(approval_inbox(user=fresh(user))) == 1
    for _ in range(4):
        at_finance()
    with django_assert_max_num_queries(len(one)):
        assert len(approval_inbox(user=fresh(user))) == 5


def test_a_delegate_does_not_see_the_delegators_own_orders(rep, sales_head):
    """Review finding: the delegator's own order is not one they (or their stand-in) decide."""
    from django.utils import timezone

    from approvals.services import delegation_create
    from core.errors import NotFound
    from orders.selectors import order_get, order_list
    from orders.services import order_submit
    from orders.tests.helpers import draft_order as make_draft

    heads_own = order_submit(order=make_draft(sales_head), actor=sales_head)
    others = order_submit(order=make_draft(rep), actor=rep)
    delegate = type(rep).objects.create_user("stand_in", password="x")
    today = timezone.localdate()
    delegation_create(actor=sales_head, delegate=delegate, start_date=today, end_date=today)
    delegate = type(rep).objects.get(pk=delegate.pk)
    visible = set(order_list(user=delegate).values_list("pk", flat=True))
    assert others.pk in visible and heads_own.pk not in visible
    with pytest.raises(NotFound):
        order_get(user=delegate, order_id=heads_own.pk)
