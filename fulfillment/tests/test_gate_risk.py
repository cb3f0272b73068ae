"""The shipping gate and risk-shipment requests (风险发货申请, REQUIREMENTS §6, 000 D6):
prepayment orders and customers over the credit limit ship only when paid or when a request
is approved by finance, then the general manager."""

from decimal import Decimal

import pytest

from contracts.models import Customer
from core.errors import ErrorCode, InvalidTransition, PermissionDenied, ValidationFailed
from core.models import OutboxMessage
from core.roles import Role
from fulfillment.enums import GateReason, RiskRequestStatus
from fulfillment.gate import ShippingBlocked, gate_blocks, gate_check, gate_for
from fulfillment.models import RiskShipmentDecision, RiskShipmentRequest, Shipment
from fulfillment.services.risk import (
    risk_request_create,
    risk_request_decide,
    risk_request_withdraw,
)
from fulfillment.services.shipping import shipment_create
from orders import lifecycle
from orders.enums import OrderStatus as S
from orders.models import Order
from orders.services.transitions import order_ship
from tests.factories import UserFactory

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db
R = RiskRequestStatus
DETAILS = {"carrier": "德邦物流", "transport_mode": "road"}
REASON = "老客户, 已承诺本周付款, 销售负责跟进"


@pytest.fixture
def prepaid(ready_order, rep, mts):
    """A prepayment order, ready to ship, nothing paid."""
    return ready_order(rep, (mts, "2"), settlement_method="prepayment")


@pytest.fixture
def over_limit(ready_order, rep, mts):
    """A monthly-settlement order whose customer's limit was lowered below the order."""
    order = ready_order(rep, (mts, "2"))
    Customer.objects.filter(pk=order.customer_id).update(credit_limit=Decimal("1000.00"))
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def payments():
    """Register a payments provider for a test and restore the previous one afterwards."""
    previous = lifecycle._payments_provider
    received = {}
    lifecycle.register_payments(
        lambda orders: {o.pk: received[o.pk] for o in orders if o.pk in received}
    )
    yield received
    lifecycle.register_payments(previous)


@pytest.fixture
def receivables():
    previous = lifecycle._receivables_provider
    open_amounts = {}
    lifecycle.register_receivables(
        lambda customers: {c.pk: open_amounts[c.pk] for c in customers if c.pk in open_amounts}
    )
    yield open_amounts
    lifecycle.register_receivables(previous)


def approve(request, finance, gm):
    request = risk_request_decide(request=request, actor=finance, decision="approve")
    return risk_request_decide(request=request, actor=gm, decision="approve", comment="同意")


# --- the gate ---------------------------------------------------------------------------------
def test_a_prepayment_order_is_blocked_and_nothing_changes(prepaid, warehouse, state):
    before = state(prepaid)

    with pytest.raises(ShippingBlocked) as info:
        shipment_create(order=prepaid, actor=warehouse, **DETAILS)

    total = f"¥{prepaid.total:,.2f}"
    assert info.value.code == ErrorCode.SHIPPING_BLOCKED == "shipping_blocked"
    assert info.value.status_code == 400
    assert info.value.message == (
        f"Shipping is blocked: Prepayment required: ¥0.00 of {total} received. Ask for a "
        "risk-shipment approval (风险发货申请) or wait for the payment."
    )
    assert info.value.extra == {"reasons": ["prepayment"]}
    assert state(prepaid) == before
    assert not Shipment.objects.exists()


def test_the_plain_ship_transition_is_blocked_too(prepaid, warehouse, state):
    before = state(prepaid)
    with pytest.raises(ShippingBlocked):
        order_ship(order=prepaid, actor=warehouse)
    assert state(prepaid) == before


def test_gate_for_a_prepayment_order(prepaid):
    gate = gate_for(prepaid)
    assert (gate.blocked, gate.reasons, gate.risk_approved) == (
        True,
        [GateReason.PREPAYMENT],
        False,
    )


def test_an_open_monthly_order_is_not_blocked(ready_order, rep, mts):
    order = ready_order(rep, (mts, "1"))
    gate = gate_for(order)
    assert (gate.blocked, gate.reasons, gate.exposure) == (False, [], order.total)
    gate_check(order)  # no exception


def test_over_the_credit_limit_is_blocked(over_limit, warehouse, state):
    before = state(over_limit)

    with pytest.raises(ShippingBlocked) as info:
        shipment_create(order=over_limit, actor=warehouse, **DETAILS)

    assert info.value.extra == {"reasons": ["credit"]}
    assert "Over the credit limit: exposure ¥2,260.00, limit ¥1,000.00." in info.value.message
    assert state(over_limit) == before


def test_exposure_counts_the_customers_other_open_orders_and_receivables(
    ready_order, rep, mts, receivables
):
    order = ready_order(rep, (mts, "1"))  # ¥1,130
    customer = order.customer
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("3000"))
    other = ready_order(rep, (mts, "1"))
    Order.objects.filter(pk=other.pk).update(customer=customer)  # a second ¥1,130 order
    assert gate_for(Order.objects.get(pk=order.pk)).exposure == Decimal("2260.00")
    assert not gate_for(Order.objects.get(pk=order.pk)).blocked

    receivables[customer.pk] = Decimal("800.00")  # invoiced, unpaid

    gate = gate_for(Order.objects.get(pk=order.pk))
    assert (gate.exposure, gate.reasons) == (Decimal("3060.00"), [GateReason.CREDIT])


def test_a_prepayment_order_is_not_checked_against_the_credit_limit(ready_order, rep, mts):
    order = ready_order(rep, (mts, "1"), settlement_method="prepayment")
    Customer.objects.filter(pk=order.customer_id).update(credit_limit=Decimal("0"))
    assert gate_for(Order.objects.get(pk=order.pk)).reasons == [GateReason.PREPAYMENT]


def test_payment_in_full_opens_the_gate(prepaid, warehouse, payments):
    payments[prepaid.pk] = prepaid.total - Decimal("0.01")
    with pytest.raises(ShippingBlocked) as info:
        shipment_create(order=prepaid, actor=warehouse, **DETAILS)
    assert f"¥{prepaid.total - Decimal('0.01'):,.2f} of ¥{prepaid.total:,.2f}" in (
        info.value.message
    )

    payments[prepaid.pk] = prepaid.total

    shipment = shipment_create(order=prepaid, actor=warehouse, **DETAILS)
    assert Order.objects.get(pk=prepaid.pk).status == S.SHIPPED
    assert shipment.lines.count() == 1


def test_the_finance_provider_is_back_after_the_payments_fixture(prepaid):
    from finance.providers import paid_by_order, receivables_by_customer

    assert lifecycle._payments_provider is paid_by_order
    assert lifecycle._receivables_provider is receivables_by_customer
    assert lifecycle.amount_received(prepaid) == Decimal("0.00")  # nothing allocated yet


# --- the risk request: finance, then the GM ------------------------------------------------
def test_an_approved_request_lets_a_blocked_order_ship(prepaid, rep, finance, gm, warehouse):
    request = risk_request_create(order=prepaid, actor=rep, reason=f"  {REASON}  ")
    assert (request.status, request.reason, request.requested_by) == (R.FINANCE, REASON, rep)
    assert request.gate_reasons == ["prepayment"]
    assert request.exposure == prepaid.total
    assert list(OutboxMessage.objects.filter(task_name="fulfillment.risk_request_changed")) != []

    request = risk_request_decide(request=request, actor=finance, decision="approve")
    assert (request.status, request.closed_at) == (R.GM, None)
    with pytest.raises(ShippingBlocked):  # finance alone does not open the gate
        shipment_create(order=prepaid, actor=warehouse, **DETAILS)

    request = risk_request_decide(request=request, actor=gm, decision="approve", comment="同意")
    assert request.status == R.APPROVED
    assert request.closed_at is not None
    assert list(
        RiskShipmentDecision.objects.filter(request=request)
        .order_by("id")
        .values_list("step", "decision", "actor", "comment")
    ) == [
        (S.FINANCE_REVIEW, "approve", finance.pk, ""),
        (S.GM_REVIEW, "approve", gm.pk, "同意"),
    ]
    assert OutboxMessage.objects.filter(task_name="fulfillment.risk_request_changed").count() == 3
    gate = gate_for(prepaid)
    assert (gate.blocked, gate.risk_approved, gate.reasons) == (False, True, ["prepayment"])

    shipment_create(order=prepaid, actor=warehouse, **DETAILS)
    assert Order.objects.get(pk=prepaid.pk).status == S.SHIPPED


def test_an_approved_request_opens_the_gate_for_an_over_limit_order(
    over_limit, rep, finance, gm, warehouse
):
    request = risk_request_create(order=over_limit, actor=rep, reason=REASON)
    assert request.gate_reasons == ["credit"]
    approve(request, finance, gm)
    line = over_limit.lines.get()
    shipment_create(
        order=over_limit,
        actor=warehouse,
        quantities={line.pk: 1},
        customer_consent="客户同意",
        **DETAILS,
    )
    # ...and for every later shipment of the order
    order = Order.objects.get(pk=over_limit.pk)
    shipment_create(order=order, actor=warehouse, **DETAILS)
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED


@pytest.mark.parametrize("who", ["rep", "sales_head", "admin_user"])
def test_who_may_request(prepaid, request, who):
    actor = request.getfixturevalue(who)
    created = risk_request_create(order=prepaid, actor=actor, reason=REASON)
    assert created.requested_by == actor


@pytest.mark.parametrize("who", ["other_rep", "finance", "gm", "warehouse", "production"])
def test_who_may_not_request(prepaid, request, state, who):
    before = state(prepaid)
    with pytest.raises(PermissionDenied):
        risk_request_create(order=prepaid, actor=request.getfixturevalue(who), reason=REASON)
    assert state(prepaid) == before


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_a_request_needs_a_reason(prepaid, rep, state, reason):
    before = state(prepaid)
    with pytest.raises(ValidationFailed) as info:
        risk_request_create(order=prepaid, actor=rep, reason=reason)
    assert info.value.fields == {"reason": ["Explain why the order should ship now."]}
    assert state(prepaid) == before


def test_no_request_when_nothing_blocks(ready_order, rep, mts, state):
    order = ready_order(rep, (mts, "1"))
    before = state(order)
    with pytest.raises(ValidationFailed) as info:
        risk_request_create(order=order, actor=rep, reason=REASON)
    assert info.value.fields == {
        "reason": ["Nothing blocks this order's shipment; no request is needed."]
    }
    assert state(order) == before


def test_one_open_request_per_order(prepaid, rep, sales_head, state):
    risk_request_create(order=prepaid, actor=rep, reason=REASON)
    before = state(prepaid)

    with pytest.raises(ValidationFailed) as info:
        risk_request_create(order=prepaid, actor=sales_head, reason="再申请一次")

    assert info.value.fields == {
        "reason": ["A request for this order is already waiting for a decision."]
    }
    assert state(prepaid) == before


def test_one_open_request_also_while_the_gm_decides(prepaid, rep, finance, state):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    risk_request_decide(request=request, actor=finance, decision="approve")
    before = state(prepaid)
    with pytest.raises(ValidationFailed):
        risk_request_create(order=prepaid, actor=rep, reason=REASON)
    assert state(prepaid) == before


def test_no_second_request_once_approved(prepaid, rep, finance, gm, state):
    approve(risk_request_create(order=prepaid, actor=rep, reason=REASON), finance, gm)
    before = state(prepaid)
    with pytest.raises(ValidationFailed) as info:
        risk_request_create(order=prepaid, actor=rep, reason=REASON)
    assert info.value.fields == {
        "reason": ["A risk shipment has already been approved for this order."]
    }
    assert state(prepaid) == before


@pytest.mark.parametrize("status", [S.SHIPPED, S.DRAFT, S.CANCELLED, S.ON_HOLD])
def test_no_request_outside_the_execution_states(prepaid, rep, state, status):
    Order.objects.filter(pk=prepaid.pk).update(status=status)
    order = Order.objects.get(pk=prepaid.pk)
    before = state(order)
    with pytest.raises(InvalidTransition):
        risk_request_create(order=order, actor=rep, reason=REASON)
    assert state(order) == before


def test_a_request_may_be_made_for_an_approved_order_in_production(rep, mto):
    order = approve_fully(order_of(rep, (mto, "1"), settlement_method="prepayment"))
    assert order.status == S.APPROVED
    assert risk_request_create(order=order, actor=rep, reason=REASON).status == R.FINANCE


# --- deciding -------------------------------------------------------------------------------
def test_the_gm_does_not_decide_before_finance(prepaid, rep, gm, state):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    before = state(prepaid)
    with pytest.raises(PermissionDenied):
        risk_request_decide(request=request, actor=gm, decision="approve")
    assert state(prepaid) == before


def test_finance_does_not_decide_the_gm_step(prepaid, rep, finance, state):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    request = risk_request_decide(request=request, actor=finance, decision="approve")
    other_finance = UserFactory(roles=[Role.FINANCE])
    before = state(prepaid)
    with pytest.raises(PermissionDenied):
        risk_request_decide(request=request, actor=other_finance, decision="approve")
    assert state(prepaid) == before


def test_the_same_person_cannot_decide_both_steps(prepaid, rep, state):
    both = UserFactory(roles=[Role.FINANCE, Role.GM])
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    request = risk_request_decide(request=request, actor=both, decision="approve")
    before = state(prepaid)

    with pytest.raises(PermissionDenied):
        risk_request_decide(request=request, actor=both, decision="approve")

    assert state(prepaid) == before
    assert RiskShipmentRequest.objects.get(pk=request.pk).status == R.GM


def test_one_person_may_decide_both_steps_when_the_setting_allows(prepaid, rep, settings):
    settings.APPROVAL_DISTINCT_APPROVERS = False
    both = UserFactory(roles=[Role.FINANCE, Role.GM])
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    request = risk_request_decide(request=request, actor=both, decision="approve")
    request = risk_request_decide(request=request, actor=both, decision="approve")
    assert request.status == R.APPROVED


def test_the_rep_cannot_decide(prepaid, rep, sales_head, state):
    request = risk_request_create(order=prepaid, actor=sales_head, reason=REASON)
    before = state(prepaid)
    with pytest.raises(PermissionDenied):
        risk_request_decide(request=request, actor=rep, decision="approve")
    assert state(prepaid) == before


def test_the_orders_owner_cannot_decide_even_holding_the_role(prepaid, rep, sales_head, state):
    from django.contrib.auth.models import Group

    rep.groups.add(Group.objects.get_or_create(name=Role.FINANCE)[0])
    rep = type(rep).objects.get(pk=rep.pk)  # forget the cached roles
    request = risk_request_create(order=prepaid, actor=sales_head, reason=REASON)
    before = state(prepaid)
    with pytest.raises(PermissionDenied):
        risk_request_decide(request=request, actor=rep, decision="approve")
    assert state(prepaid) == before


def test_the_requester_cannot_decide_their_own_request(prepaid, state):
    head_and_finance = UserFactory(roles=[Role.SALES_HEAD, Role.FINANCE])
    request = risk_request_create(order=prepaid, actor=head_and_finance, reason=REASON)
    before = state(prepaid)
    with pytest.raises(PermissionDenied):
        risk_request_decide(request=request, actor=head_and_finance, decision="approve")
    assert state(prepaid) == before


@pytest.mark.parametrize("comment", ["", "   "])
def test_a_rejection_needs_a_comment(prepaid, rep, finance, state, comment):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    before = state(prepaid)
    with pytest.raises(ValidationFailed) as info:
        risk_request_decide(request=request, actor=finance, decision="reject", comment=comment)
    assert info.value.fields == {"comment": ["Give a reason."]}
    assert state(prepaid) == before


def test_a_rejection_closes_the_request_and_keeps_the_gate_shut(prepaid, rep, finance, warehouse):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)

    request = risk_request_decide(
        request=request, actor=finance, decision="reject", comment="逾期款未清"
    )

    assert request.status == R.REJECTED
    assert request.closed_at is not None
    assert gate_for(prepaid).blocked
    with pytest.raises(ShippingBlocked):
        shipment_create(order=prepaid, actor=warehouse, **DETAILS)
    # A new request may be made afterwards
    assert risk_request_create(order=prepaid, actor=rep, reason="已付部分").status == R.FINANCE


def test_the_gm_may_reject_after_finance_approved(prepaid, rep, finance, gm):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    request = risk_request_decide(request=request, actor=finance, decision="approve")
    request = risk_request_decide(request=request, actor=gm, decision="reject", comment="风险大")
    assert request.status == R.REJECTED
    assert not gate_for(prepaid).risk_approved


@pytest.mark.parametrize("decision", ["", "maybe", None])
def test_a_decision_must_be_approve_or_reject(prepaid, rep, finance, state, decision):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    before = state(prepaid)
    with pytest.raises(ValidationFailed) as info:
        risk_request_decide(request=request, actor=finance, decision=decision)
    assert info.value.fields == {"decision": ["Choose approve or reject."]}
    assert state(prepaid) == before


@pytest.mark.parametrize("closed_by", ["approved", "rejected", "withdrawn"])
def test_deciding_a_closed_request_is_a_conflict(prepaid, rep, finance, gm, state, closed_by):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    if closed_by == "approved":
        request = approve(request, finance, gm)
    elif closed_by == "rejected":
        request = risk_request_decide(
            request=request, actor=finance, decision="reject", comment="不"
        )
    else:
        request = risk_request_withdraw(request=request, actor=rep)
    before = state(prepaid)

    for actor in (finance, gm):
        with pytest.raises(InvalidTransition) as info:
            risk_request_decide(request=request, actor=actor, decision="approve")
        assert info.value.extra == {"status": closed_by}
    assert state(prepaid) == before


def test_a_stale_request_is_a_conflict(prepaid, rep, finance, state):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    stale = RiskShipmentRequest.objects.get(pk=request.pk)
    risk_request_decide(request=request, actor=finance, decision="approve")
    before = state(prepaid)

    with pytest.raises(InvalidTransition) as info:
        risk_request_decide(
            request=stale, actor=UserFactory(roles=[Role.FINANCE]), decision="approve"
        )

    assert info.value.message == "The request is now “Waiting for the general manager”."
    assert state(prepaid) == before


# --- withdrawing ----------------------------------------------------------------------------
def test_the_requester_withdraws(prepaid, rep, state):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)

    withdrawn = risk_request_withdraw(request=request, actor=rep)

    assert withdrawn.status == R.WITHDRAWN
    assert withdrawn.closed_at is not None
    # ...and may ask again
    assert risk_request_create(order=prepaid, actor=rep, reason=REASON).status == R.FINANCE


def test_an_administrator_withdraws(prepaid, rep, admin_user):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    assert risk_request_withdraw(request=request, actor=admin_user).status == R.WITHDRAWN


@pytest.mark.parametrize("who", ["sales_head", "finance", "other_rep"])
def test_others_may_not_withdraw(prepaid, rep, request, state, who):
    risk = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    before = state(prepaid)
    with pytest.raises(PermissionDenied):
        risk_request_withdraw(request=risk, actor=request.getfixturevalue(who))
    assert state(prepaid) == before


def test_a_decided_request_cannot_be_withdrawn(prepaid, rep, finance, gm, state):
    request = approve(risk_request_create(order=prepaid, actor=rep, reason=REASON), finance, gm)
    before = state(prepaid)
    with pytest.raises(InvalidTransition):
        risk_request_withdraw(request=request, actor=rep)
    assert state(prepaid) == before
    assert gate_for(prepaid).risk_approved


def test_withdrawing_while_the_gm_decides(prepaid, rep, finance, gm, state):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    request = risk_request_decide(request=request, actor=finance, decision="approve")
    risk_request_withdraw(request=request, actor=rep)
    before = state(prepaid)
    with pytest.raises(InvalidTransition):
        risk_request_decide(request=request, actor=gm, decision="approve")
    assert state(prepaid) == before


# --- a page of orders in fixed queries -----------------------------------------------------
def make_orders(rep, mts, n):
    orders = []
    for index in range(n):
        settlement = "prepayment" if index % 2 else "monthly"
        orders.append(order_of(rep, (mts, "1"), settlement_method=settlement))
    return orders


@pytest.fixture
def without_money_providers():
    """The gate's own queries, without the finance app's per-order/per-customer providers."""
    previous = (
        lifecycle._payments_provider,
        lifecycle._receivables_provider,
        lifecycle._invoiced_provider,
    )
    lifecycle.register_payments(None)
    lifecycle.register_receivables(None)
    lifecycle.register_invoiced(None)
    yield
    lifecycle.register_payments(previous[0])
    lifecycle.register_receivables(previous[1])
    lifecycle.register_invoiced(previous[2])


@pytest.mark.parametrize("n", [3, 30])
def test_gate_blocks_uses_a_fixed_number_of_queries(
    without_money_providers, rep, mts, django_assert_num_queries, n
):
    orders = make_orders(rep, mts, n)
    ids = [o.pk for o in orders]

    with django_assert_num_queries(4):  # orders, customers, unsettled totals, requests
        gates = gate_blocks(Order.objects.filter(pk__in=ids).order_by("pk"))

    assert len(gates) == n
    assert [gates[pk].reasons for pk in ids[:2]] == [[], [GateReason.PREPAYMENT]]


@pytest.mark.parametrize("n", [3, 30])
def test_gate_blocks_with_customers_loaded_already(
    without_money_providers, rep, mts, django_assert_num_queries, n
):
    ids = [o.pk for o in make_orders(rep, mts, n)]
    orders = list(Order.objects.filter(pk__in=ids).select_related("customer"))
    with django_assert_num_queries(2):  # unsettled totals, approved requests
        gates = gate_blocks(orders)
    assert len(gates) == n


@pytest.mark.parametrize("n", [3, 30])
def test_gate_blocks_with_the_finance_providers_is_fixed_too(
    rep, mts, django_assert_num_queries, n
):
    ids = [o.pk for o in make_orders(rep, mts, n)]
    # orders, customers, unsettled totals, invoiced, receivables, prepaid orders' payments,
    # approved requests
    with django_assert_num_queries(7):
        gate_blocks(Order.objects.filter(pk__in=ids))


def test_gate_blocks_of_no_orders_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert gate_blocks([]) == {}
