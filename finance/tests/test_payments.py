"""Receipts and allocations (ISSUE 6 items 2 and 8): to invoices, to orders as prepayments applied
to the next invoice, never beyond the receipt, the invoice or the order, only to the customer's
own orders; reversal frees the money and is recorded; settled orders are locked."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.roles import Role
from finance.balances import order_balance
from finance.enums import ReceiptMethod
from finance.models import Allocation, Invoice, Receipt
from finance.selectors import customer_unallocated
from finance.services import (
    allocation_create,
    allocation_reverse,
    credit_note_issue,
    invoice_issue,
    receipt_record,
)
from orders.enums import OrderEventType
from orders.enums import OrderStatus as S
from orders.models import Order
from orders.tests.helpers import force_status
from tests.factories import CustomerFactory, UserFactory

from .builders import ROLES, fapiao, finance_state, order_for, ship, shipped_order

pytestmark = pytest.mark.django_db
D = Decimal


def _receipt(order, finance, amount):
    return receipt_record(customer=order.customer, actor=finance, amount=amount)


def _payment_events(order):
    return list(
        Order.objects.get(pk=order.pk)
        .events.filter(event_type=OrderEventType.PAYMENT)
        .order_by("id")
        .values_list("comment", "payload")
    )


# --- receipts -------------------------------------------------------------------------------------
def test_receipt_is_recorded_and_unallocated_money_stays_on_the_customer(finance):
    customer = CustomerFactory(name="杭州甲方机电有限公司")
    today = timezone.localdate()

    receipt = receipt_record(
        customer=customer,
        actor=finance,
        amount="12,345.60",
        received_on=today - dt.timedelta(days=2),
        method=ReceiptMethod.ACCEPTANCE_BILL,
        bank_reference=" BA-001 ",
        remarks=" 承兑 ",
    )

    assert receipt.number == f"RC{today:%Y%m%d}001"
    assert (receipt.amount, receipt.allocated, receipt.unallocated) == (
        D("12345.60"),
        D("0.00"),
        D("12345.60"),
    )
    assert receipt.payer == "杭州甲方机电有限公司"  # defaults to the customer
    assert (receipt.bank_reference, receipt.remarks) == ("BA-001", "承兑")
    assert receipt.received_on == today - dt.timedelta(days=2)
    assert customer_unallocated(customer) == D("12345.60")


@pytest.mark.parametrize(
    "fields, bad",
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1e40"}, "amount"),
        ({"amount": None}, "amount"),
        ({"received_on": dt.date(2999, 1, 1)}, "received_on"),
        ({"received_on": "2026-01-01"}, "received_on"),
        ({"method": "bitcoin"}, "method"),
        ({"payer": "付" * 201}, "payer"),
        ({"bank_reference": "R" * 61}, "bank_reference"),
        ({"customer": None}, "customer"),
    ],
)
def test_bad_receipts_are_refused_by_name(finance, fields, bad):
    values = {"customer": CustomerFactory(), "amount": "100"} | fields

    with pytest.raises(ValidationFailed) as exc:
        receipt_record(actor=finance, **values)

    assert set(exc.value.fields) == {bad}
    assert not Receipt.objects.exists()


# --- allocations to invoices ----------------------------------------------------------------------
def test_allocation_to_an_invoice(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "3"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    receipt = _receipt(order, finance, "5000.00")

    allocation = allocation_create(
        receipt=receipt, actor=finance, order=None, invoice=invoice, amount="1000.50"
    )

    assert (allocation.order_id, allocation.invoice_id, allocation.amount) == (
        order.pk,
        invoice.pk,
        D("1000.50"),
    )
    receipt.refresh_from_db()
    invoice.refresh_from_db()
    assert (receipt.allocated, receipt.unallocated) == (D("1000.50"), D("3999.50"))
    assert (invoice.allocated, invoice.open_amount) == (D("1000.50"), D("2389.50"))
    assert order_balance(order).paid == D("1000.50")
    assert customer_unallocated(order.customer) == D("3999.50")
    assert _payment_events(order) == [
        ("", {"receipt": receipt.number, "invoice": invoice.number, "amount": "1000.50"})
    ]


def test_receipt_recorded_and_allocated_at_once(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "2"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    receipt = receipt_record(
        customer=order.customer,
        actor=finance,
        amount="3000",
        allocations=[{"order": order, "invoice": invoice, "amount": "2260.00"}],
    )

    assert receipt.allocations.get().amount == D("2260.00")
    receipt.refresh_from_db()
    assert receipt.unallocated == D("740.00")


def test_receipt_with_a_bad_allocation_writes_nothing(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "2"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        receipt_record(
            customer=order.customer,
            actor=finance,
            amount="3000",
            allocations=[
                {"order": order, "invoice": invoice, "amount": "100"},
                {"order": order, "invoice": invoice, "amount": "2200"},  # 2160 left
            ],
        )

    assert set(exc.value.fields) == {"allocations.1.amount"}
    assert finance_state(order) == before


def test_over_allocating_the_receipt_is_refused(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "3"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    receipt = _receipt(order, finance, "1000.00")
    allocation_create(receipt=receipt, actor=finance, order=order, invoice=invoice, amount="600")
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        allocation_create(
            receipt=receipt, actor=finance, order=order, invoice=invoice, amount="400.01"
        )

    assert exc.value.fields == {"amount": ["Only 400.00 of this receipt is unallocated."]}
    assert finance_state(order) == before


def test_over_allocating_the_invoice_is_refused(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "3"))
    invoice = invoice_issue(
        order=order, actor=finance, fapiao_number=fapiao(), quantities={order.lines.get().pk: "1"}
    )
    receipt = _receipt(order, finance, "5000.00")
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        allocation_create(
            receipt=receipt, actor=finance, order=order, invoice=invoice, amount="1130.01"
        )

    assert exc.value.fields == {"amount": ["Only 1130.00 of this invoice is unpaid."]}
    assert finance_state(order) == before


def test_over_allocating_the_order_is_refused(rep, warehouse, finance, pump):
    order = order_for(rep, (pump, "2"), warehouse=warehouse, settlement="prepayment")
    receipt = _receipt(order, finance, "5000.00")
    allocation_create(receipt=receipt, actor=finance, order=order, amount="2000.00")
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        allocation_create(receipt=receipt, actor=finance, order=order, amount="260.01")

    assert exc.value.fields == {"amount": ["Only 260.00 of this order is still to be paid."]}
    assert finance_state(order) == before
    allocation_create(receipt=receipt, actor=finance, order=order, amount="260.00")
    assert order_balance(order).paid == D("2260.00") == order.total


def test_a_short_closed_remainder_is_not_owed(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "5"), quantities={0: "2"})
    from orders.services.transitions import order_line_short_close

    order_line_short_close(
        order=order, line_id=order.lines.get().pk, actor=rep, reason="客户取消余量"
    )
    receipt = _receipt(order, finance, "9000.00")

    with pytest.raises(ValidationFailed) as exc:
        allocation_create(receipt=receipt, actor=finance, order=order, amount="2260.01")

    assert exc.value.fields == {"amount": ["Only 2260.00 of this order is still to be paid."]}


def test_another_customers_order_is_refused(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "2"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    stranger = receipt_record(customer=CustomerFactory(), actor=finance, amount="5000")
    before = finance_state(order)

    for kwargs in ({"order": order}, {"order": None, "invoice": invoice}):
        with pytest.raises(ValidationFailed) as exc:
            allocation_create(receipt=stranger, actor=finance, amount="100", **kwargs)
        assert set(exc.value.fields) == {"order"}
    assert finance_state(order) == before


def test_an_invoice_of_another_order_or_a_credit_note_is_refused(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "2"))
    other = shipped_order(rep, warehouse, (pump, "2"), customer=order.customer)
    foreign = invoice_issue(order=other, actor=finance, fapiao_number=fapiao())
    own = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    note = credit_note_issue(
        invoice=own,
        actor=finance,
        fapiao_number=fapiao(),
        reason="x",
        quantities={own.lines.get().pk: "1"},
    )
    receipt = _receipt(order, finance, "5000")
    before = finance_state(order)

    for invoice in (foreign, note):
        with pytest.raises(ValidationFailed) as exc:
            allocation_create(
                receipt=receipt, actor=finance, order=order, invoice=invoice, amount="10"
            )
        assert set(exc.value.fields) == {"invoice"}
    assert finance_state(order) == before


@pytest.mark.parametrize("status", [S.DRAFT, S.FINANCE_REVIEW, S.CANCELLED, S.REJECTED])
def test_orders_not_yet_approved_or_cancelled_take_no_money(rep, finance, pump, status):
    order = force_status(order_for(rep, (pump, "2"), settlement="prepayment"), status)
    receipt = _receipt(order, finance, "100")
    before = finance_state(order)

    with pytest.raises(InvalidTransition):
        allocation_create(receipt=receipt, actor=finance, order=order, amount="100")

    assert finance_state(order) == before


@pytest.mark.parametrize("amount", ["0", "-1", "0.001", "x", "1e30"])
def test_bad_allocation_amounts(rep, warehouse, finance, pump, amount):
    order = shipped_order(rep, warehouse, (pump, "2"))
    receipt = _receipt(order, finance, "100")
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        allocation_create(receipt=receipt, actor=finance, order=order, amount=amount)

    assert set(exc.value.fields) == {"amount"}
    assert finance_state(order) == before


# --- prepayments ----------------------------------------------------------------------------------
def test_prepayment_is_applied_to_the_next_invoice(rep, warehouse, finance, pump):
    order = order_for(rep, (pump, "2"), warehouse=warehouse, settlement="prepayment")
    receipt = _receipt(order, finance, "2260.00")
    prepayment = allocation_create(receipt=receipt, actor=finance, order=order, amount="2260.00")
    assert prepayment.invoice_id is None

    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    prepayment.refresh_from_db()
    assert (prepayment.invoice_id, prepayment.amount) == (invoice.pk, D("2260.00"))
    assert (invoice.allocated, invoice.open_amount) == (D("2260.00"), D("0.00"))
    assert Allocation.objects.count() == 1


def test_a_larger_prepayment_is_split_over_the_invoices(rep, warehouse, finance, pump):
    order = order_for(rep, (pump, "3"), warehouse=warehouse, settlement="prepayment")
    line = order.lines.get()
    receipt = _receipt(order, finance, "3390.00")
    prepayment = allocation_create(receipt=receipt, actor=finance, order=order, amount="3390.00")

    first = invoice_issue(
        order=order, actor=finance, fapiao_number=fapiao(), quantities={line.pk: "1"}
    )

    prepayment.refresh_from_db()
    assert (prepayment.invoice_id, prepayment.amount) == (first.pk, D("1130.00"))
    rest = Allocation.objects.get(invoice__isnull=True)
    assert (rest.receipt_id, rest.order_id, rest.amount, rest.created_by) == (
        receipt.pk,
        order.pk,
        D("2260.00"),
        finance,
    )
    assert first.open_amount == D("0.00")

    second = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    rest.refresh_from_db()
    assert (rest.invoice_id, second.allocated) == (second.pk, D("2260.00"))
    receipt.refresh_from_db()
    assert (receipt.allocated, order_balance(order).paid) == (D("3390.00"), D("3390.00"))


def test_a_smaller_prepayment_pays_part_of_the_invoice(rep, warehouse, finance, pump):
    order = order_for(rep, (pump, "2"), warehouse=warehouse, settlement="prepayment")
    receipt = _receipt(order, finance, "678.00")
    allocation_create(receipt=receipt, actor=finance, order=order, amount="678.00")  # 30 %

    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    assert (invoice.allocated, invoice.open_amount) == (D("678.00"), D("1582.00"))


def test_money_for_the_order_pays_its_open_invoices_oldest_first(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "4"), quantities={0: "1"})
    older = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    order = ship(order, warehouse, {0: "1"})
    newer = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    receipt = _receipt(order, finance, "2000.00")

    allocation = allocation_create(receipt=receipt, actor=finance, order=order, amount="2000.00")

    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.allocated, newer.allocated) == (D("1130.00"), D("870.00"))
    assert (allocation.invoice_id, allocation.amount) == (older.pk, D("1130.00"))
    assert sorted(Allocation.objects.values_list("invoice_id", "amount")) == sorted(
        [(older.pk, D("1130.00")), (newer.pk, D("870.00"))]
    )
    assert order_balance(order).paid == D("2000.00")


# --- reversal -------------------------------------------------------------------------------------
def test_reversal_frees_the_money_and_is_recorded(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "2"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    receipt = _receipt(order, finance, "3000.00")
    allocation = allocation_create(
        receipt=receipt, actor=finance, order=order, invoice=invoice, amount="2000.00"
    )

    reversed_ = allocation_reverse(allocation=allocation, actor=finance, reason=" 认错客户 ")

    assert reversed_.reversed_at is not None
    assert (reversed_.reversed_by, reversed_.reverse_reason) == (finance, "认错客户")
    receipt.refresh_from_db()
    invoice.refresh_from_db()
    assert (receipt.allocated, invoice.allocated) == (D("0.00"), D("0.00"))
    assert Allocation.objects.filter(pk=allocation.pk).exists()  # kept as a record
    assert order_balance(order).paid == D("0.00")
    assert _payment_events(order)[-1] == (
        "认错客户",
        {"reversed_allocation": allocation.pk, "amount": "-2000.00"},
    )
    # The money is free again: it may go elsewhere.
    allocation_create(receipt=receipt, actor=finance, order=order, invoice=invoice, amount="2260")


def test_reversing_twice_or_without_a_reason_is_refused(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "2"))
    receipt = _receipt(order, finance, "3000.00")
    allocation = allocation_create(receipt=receipt, actor=finance, order=order, amount="100")
    with pytest.raises(ValidationFailed) as exc:
        allocation_reverse(allocation=allocation, actor=finance, reason="  ")
    assert set(exc.value.fields) == {"reason"}
    allocation_reverse(allocation=allocation, actor=finance, reason="错")
    before = finance_state(order)

    with pytest.raises(InvalidTransition):
        allocation_reverse(allocation=allocation, actor=finance, reason="再来")

    assert finance_state(order) == before


@pytest.mark.parametrize("status", [S.SETTLED, S.ARCHIVED])
def test_allocations_of_a_settled_order_are_locked(rep, warehouse, finance, pump, status):
    order = shipped_order(rep, warehouse, (pump, "2"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    receipt = _receipt(order, finance, "3000.00")
    allocation = allocation_create(
        receipt=receipt, actor=finance, order=order, invoice=invoice, amount="100"
    )
    order = force_status(order, status)
    before = finance_state(order)

    with pytest.raises(InvalidTransition):
        allocation_reverse(allocation=allocation, actor=finance, reason="x")
    with pytest.raises(InvalidTransition):
        allocation_create(receipt=receipt, actor=finance, order=order, invoice=invoice, amount="1")

    assert finance_state(order) == before


# --- who may --------------------------------------------------------------------------------------


def _actor(role, rep):
    return rep if role == Role.SALES_REP else UserFactory(roles=[role])


@pytest.mark.parametrize("role, allowed", ROLES)
def test_who_may_record_a_receipt(rep, role, allowed):
    customer = CustomerFactory(account_manager=rep)
    actor = _actor(role, rep)
    if allowed:
        assert receipt_record(customer=customer, actor=actor, amount="1").amount == D("1.00")
    else:
        with pytest.raises(PermissionDenied):
            receipt_record(customer=customer, actor=actor, amount="1")
        assert not Receipt.objects.exists()


@pytest.mark.parametrize("role, allowed", ROLES)
def test_who_may_allocate_and_reverse(rep, warehouse, finance, pump, role, allowed):
    order = shipped_order(rep, warehouse, (pump, "2"))
    receipt = _receipt(order, finance, "500")
    existing = allocation_create(receipt=receipt, actor=finance, order=order, amount="100")
    actor = _actor(role, rep)
    before = finance_state(order)

    if allowed:
        allocation_create(receipt=receipt, actor=actor, order=order, amount="100")
        allocation_reverse(allocation=existing, actor=actor, reason="x")
        receipt.refresh_from_db()
        assert receipt.allocated == D("100.00")
    else:
        with pytest.raises(PermissionDenied):
            allocation_create(receipt=receipt, actor=actor, order=order, amount="100")
        with pytest.raises(PermissionDenied):
            allocation_reverse(allocation=existing, actor=actor, reason="x")
        assert finance_state(order) == before


def test_the_invoice_total_is_the_limit_for_its_allocations_in_the_database(
    rep, warehouse, finance, pump
):
    """The check constraint stays as the last guard when the services' checks are bypassed."""
    from django.db import IntegrityError, transaction

    order = shipped_order(rep, warehouse, (pump, "1"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(allocated=D("1130.01"))
