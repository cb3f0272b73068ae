"""Settlement (ISSUE 6 items 3 and 8): automatic when the last allocation lands, when the last
invoice of a prepaid order is issued, when a paid order is delivered; by hand through the settle
transition only within the tolerance and with a reason. Always exactly one settle event."""

from decimal import Decimal

import pytest

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.roles import Role
from finance.balances import order_balance
from finance.services import (
    allocation_create,
    credit_note_issue,
    invoice_issue,
    receipt_record,
    settle_if_complete,
)
from orders.enums import OrderStatus as S
from orders.enums import OrderTransition
from orders.models import Order
from orders.services.transitions import order_settle
from tests.factories import UserFactory

from .builders import deliver, fapiao, finance_state, order_for, product, ship, shipped_order

pytestmark = pytest.mark.django_db
D = Decimal


def _settle_events(order):
    return list(
        Order.objects.get(pk=order.pk)
        .events.filter(transition=OrderTransition.SETTLE)
        .values_list("from_status", "to_status", "comment")
    )


def _status(order):
    return Order.objects.get(pk=order.pk).status


def _pay(order, finance, amount, invoice=None):
    receipt = receipt_record(customer=order.customer, actor=finance, amount=amount)
    return allocation_create(
        receipt=receipt, actor=finance, order=order, invoice=invoice, amount=amount
    )


def test_the_last_allocation_settles_a_delivered_order(rep, warehouse, finance, pump):
    order = deliver(shipped_order(rep, warehouse, (pump, "3")), warehouse)
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    assert order.status == S.DELIVERED

    _pay(order, finance, "3000.00", invoice)
    assert _status(order) == S.DELIVERED  # 390 still open
    _pay(order, finance, "390.00", invoice)

    settled = Order.objects.get(pk=order.pk)
    assert settled.status == S.SETTLED
    assert settled.closed_at is not None
    assert _settle_events(order) == [(S.DELIVERED, S.SETTLED, "Invoiced and paid in full.")]
    assert settle_if_complete(order=settled, actor=finance) is False
    assert len(_settle_events(order)) == 1


def test_money_for_the_order_settles_it_too(rep, warehouse, finance, pump):
    order = deliver(shipped_order(rep, warehouse, (pump, "2")), warehouse)
    invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    _pay(order, finance, "2260.00")  # to the order: applied to its open invoice

    assert _status(order) == S.SETTLED
    assert len(_settle_events(order)) == 1


def test_the_last_invoice_settles_a_prepaid_delivered_order(rep, warehouse, finance, pump):
    order = order_for(
        rep,
        (pump, "2"),
        warehouse=warehouse,
        settlement="prepayment",
        header={"freight": D("40.00")},
    )
    _pay(order, finance, "2300.00")  # the whole order in advance, freight included
    order = deliver(ship(order, warehouse), warehouse)
    assert order.status == S.DELIVERED  # paid, but not invoiced yet

    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    assert (invoice.total, invoice.allocated) == (D("2300.00"), D("2300.00"))
    assert _status(order) == S.SETTLED
    assert len(_settle_events(order)) == 1


def test_confirming_delivery_of_a_paid_order_settles_it(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "2"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    _pay(order, finance, "2260.00", invoice)
    assert _status(order) == S.SHIPPED  # paid, not yet delivered

    deliver(order, warehouse)

    assert _status(order) == S.SETTLED
    assert [e[:2] for e in _settle_events(order)] == [(S.DELIVERED, S.SETTLED)]


def test_nothing_settles_while_something_is_uninvoiced_or_unpaid(rep, warehouse, finance, pump):
    order = deliver(shipped_order(rep, warehouse, (pump, "3")), warehouse)
    line = order.lines.get()
    invoice = invoice_issue(
        order=order, actor=finance, fapiao_number=fapiao(), quantities={line.pk: "2"}
    )
    _pay(order, finance, "2260.00", invoice)

    assert _status(order) == S.DELIVERED  # one unit is not invoiced
    assert settle_if_complete(order=order, actor=finance) is False
    assert _settle_events(order) == []


def test_credit_note_and_reinvoice_then_settle(rep, warehouse, finance, pump):
    order = deliver(shipped_order(rep, warehouse, (pump, "2")), warehouse)
    wrong = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    credit_note_issue(invoice=wrong, actor=finance, fapiao_number=fapiao(), reason="抬头错误")
    right = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    _pay(order, finance, "2260.00", right)

    assert _status(order) == S.SETTLED
    balance = order_balance(order)
    assert (balance.deliverable, balance.invoiced, balance.paid) == (
        D("2260.00"),
        D("2260.00"),
        D("2260.00"),
    )


# --- by hand --------------------------------------------------------------------------------------
@pytest.fixture
def short_paid(rep, warehouse, finance, pump):
    """A function: a delivered order, invoiced in full (3390.00), paid all but `short`."""

    def build(short: str):
        order = deliver(shipped_order(rep, warehouse, (pump, "3")), warehouse)
        invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
        _pay(order, finance, str(D("3390.00") - D(short)), invoice)
        order = Order.objects.get(pk=order.pk)
        assert order.status == S.DELIVERED
        return order

    return build


def test_settling_by_hand_within_the_tolerance_with_a_reason(short_paid, finance, settings):
    assert D("100.00") == settings.SETTLEMENT_TOLERANCE
    order = short_paid("100.00")

    settled = order_settle(order=order, actor=finance, comment="客户扣款100元，经理同意")

    assert settled.status == S.SETTLED
    assert settled.closed_at is not None
    assert _settle_events(order) == [(S.DELIVERED, S.SETTLED, "客户扣款100元，经理同意")]


def test_settling_by_hand_beyond_the_tolerance_is_refused(short_paid, finance):
    order = short_paid("100.01")
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        order_settle(order=order, actor=finance, comment="客户不付了")

    assert set(exc.value.fields) == {"comment"}
    assert "¥100.01" in str(exc.value.message)
    assert finance_state(order) == before
    assert Order.objects.get(pk=order.pk).closed_at is None


def test_settling_a_difference_by_hand_needs_a_reason(short_paid, finance):
    """Even a cent."""
    order = short_paid("0.01")
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        order_settle(order=order, actor=finance, comment="   ")

    assert set(exc.value.fields) == {"comment"}
    assert finance_state(order) == before


def test_an_uninvoiced_difference_within_the_tolerance_may_be_settled(
    rep, warehouse, finance, pump
):
    cheap = product("50.0000")
    order = deliver(shipped_order(rep, warehouse, (pump, "1"), (cheap, "1")), warehouse)
    first, second = order.lines.order_by("sequence")
    invoice = invoice_issue(
        order=order, actor=finance, fapiao_number=fapiao(), quantities={first.pk: "1"}
    )
    _pay(order, finance, "1130.00", invoice)
    assert _status(order) == S.DELIVERED  # 50.00 delivered and never invoiced

    assert order_settle(order=order, actor=finance, comment="样品不开票").status == S.SETTLED


def test_a_settled_order_is_not_settled_again(rep, warehouse, finance, pump):
    order = deliver(shipped_order(rep, warehouse, (pump, "1")), warehouse)
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    _pay(order, finance, "1130.00", invoice)
    settled = Order.objects.get(pk=order.pk)
    assert settled.status == S.SETTLED

    with pytest.raises(InvalidTransition):
        order_settle(order=settled, actor=finance, comment="再结一次")

    assert len(_settle_events(order)) == 1


@pytest.mark.parametrize("status", [S.SHIPPED, S.PARTIALLY_SHIPPED, S.APPROVED])
def test_only_delivered_orders_are_settled(rep, finance, pump, status):
    from orders.tests.helpers import force_status

    order = force_status(order_for(rep, (pump, "1")), status)
    with pytest.raises(InvalidTransition):
        order_settle(order=order, actor=finance, comment="x")
    assert _status(order) == status


@pytest.mark.parametrize(
    "role, allowed",
    [
        (Role.SALES_REP, False),
        (Role.SALES_HEAD, False),
        (Role.GM, False),
        (Role.PRODUCTION, False),
        (Role.WAREHOUSE, False),
        (Role.ADMIN, False),  # the settle transition is finance's alone (orders.permissions)
        (Role.FINANCE, True),
    ],
)
def test_who_may_settle_by_hand(short_paid, rep, role, allowed):
    order = short_paid("10.00")
    actor = rep if role == Role.SALES_REP else UserFactory(roles=[role])
    if allowed:
        assert order_settle(order=order, actor=actor, comment="尾差").status == S.SETTLED
    else:
        with pytest.raises(PermissionDenied):
            order_settle(order=order, actor=actor, comment="尾差")
        assert _settle_events(order) == []
