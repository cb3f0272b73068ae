"""Finance races on real PostgreSQL connections: never more allocated than received, never the
same quantity invoiced twice, and no deadlock between allocations, reversals, credit notes and
invoices on one order."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from core.errors import ApplicationError, ValidationFailed
from core.roles import Role
from finance.models import Allocation, Invoice, Receipt
from finance.services import (
    allocation_create,
    allocation_reverse,
    credit_note_issue,
    invoice_issue,
    receipt_record,
)
from tests.factories import UserFactory
from tests.test_concurrency import run_in_threads

from .builders import fapiao, order_for, product, ship, shipped_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal


def test_ten_allocations_of_100_from_a_receipt_of_500(rep, warehouse, finance):
    order = shipped_order(rep, warehouse, (product("1130.0000"), "1"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    receipt = receipt_record(customer=order.customer, actor=finance, amount="500.00")

    def allocate():
        return allocation_create(
            receipt=receipt, actor=finance, order=order, invoice=invoice, amount="100.00"
        )

    results = run_in_threads([allocate] * 10)

    assert sum(isinstance(r, Allocation) for r in results) == 5, results
    refused = [r for r in results if not isinstance(r, Allocation)]
    assert len(refused) == 5
    assert all(isinstance(r, ValidationFailed) and set(r.fields) == {"amount"} for r in refused)
    receipt.refresh_from_db()
    invoice.refresh_from_db()
    assert (receipt.allocated, invoice.allocated) == (D("500.00"), D("500.00"))
    assert Allocation.objects.count() == 5


def test_ten_prepayments_racing_for_one_order(rep, warehouse, finance):
    order = order_for(
        rep, (product("1000.0000"), "1"), warehouse=warehouse, settlement="prepayment"
    )
    receipts = [
        receipt_record(customer=order.customer, actor=finance, amount="300.00") for _ in range(10)
    ]

    def allocate(receipt):
        return lambda: allocation_create(
            receipt=receipt, actor=finance, order=order, amount="300.00"
        )

    results = run_in_threads([allocate(r) for r in receipts])

    assert sum(isinstance(r, Allocation) for r in results) == 3, results
    total = Allocation.objects.filter(order=order).aggregate(s=Sum("amount"))["s"]
    assert total == D("900.00")  # a fourth 300 would exceed the order's 1000


def test_two_finance_users_invoicing_the_same_quantity(rep, warehouse):
    order = shipped_order(rep, warehouse, (product("1130.0000"), "2"))
    line = order.lines.get()
    clerks = [UserFactory(roles=[Role.FINANCE]) for _ in range(2)]

    def issue(clerk):
        return lambda: invoice_issue(
            order=order, actor=clerk, fapiao_number=fapiao(), quantities={line.pk: "2"}
        )

    results = run_in_threads([issue(c) for c in clerks])

    invoices = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if not isinstance(r, Invoice)]
    assert len(invoices) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], ValidationFailed)
    assert set(refused[0].fields) == {f"lines.{line.pk}"}
    assert Invoice.objects.count() == 1
    assert Invoice.objects.get().total == D("2260.00")


def test_two_invoices_with_one_fapiao_number_at_once(rep, warehouse):
    order = shipped_order(rep, warehouse, (product("1130.0000"), "2"))
    line = order.lines.get()
    clerks = [UserFactory(roles=[Role.FINANCE]) for _ in range(2)]
    number = fapiao()

    def issue(clerk):
        return lambda: invoice_issue(
            order=order, actor=clerk, fapiao_number=number, quantities={line.pk: "1"}
        )

    results = run_in_threads([issue(c) for c in clerks])

    assert sum(isinstance(r, Invoice) for r in results) == 1, results
    [refused] = [r for r in results if not isinstance(r, Invoice)]
    assert set(refused.fields) == {"fapiao_number"}


def test_allocations_reversals_credit_notes_and_invoices_on_one_order_never_deadlock(
    rep, warehouse, finance
):
    order = shipped_order(rep, warehouse, (product("100.0000"), "20"), quantities={0: "10"})
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())  # 1000.00
    receipt = receipt_record(customer=order.customer, actor=finance, amount="2000.00")
    existing = [
        allocation_create(
            receipt=receipt, actor=finance, order=order, invoice=invoice, amount="50.00"
        )
        for _ in range(4)
    ]
    source = invoice.lines.get()
    ship(order, warehouse, {0: "5"})

    calls = []
    for allocation in existing:
        calls.append(
            lambda a=allocation: allocation_reverse(allocation=a, actor=finance, reason="并发")
        )
    for _ in range(4):
        calls.append(
            lambda: allocation_create(
                receipt=receipt, actor=finance, order=order, invoice=invoice, amount="60.00"
            )
        )
        calls.append(
            lambda: allocation_create(receipt=receipt, actor=finance, order=order, amount="40.00")
        )
    for _ in range(2):
        calls.append(
            lambda: credit_note_issue(
                invoice=invoice,
                actor=finance,
                fapiao_number=fapiao(),
                reason="并发",
                quantities={source.pk: "1"},
            )
        )
    calls.append(lambda: invoice_issue(order=order, actor=finance, fapiao_number=fapiao()))

    results = run_in_threads(calls)

    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, ApplicationError)
    ]
    assert unexpected == []  # no deadlock, no integrity error, no 500
    receipt = Receipt.objects.get(pk=receipt.pk)
    live = Allocation.objects.filter(reversed_at__isnull=True)
    assert receipt.allocated == live.aggregate(s=Sum("amount"))["s"]
    for inv in Invoice.objects.filter(kind="normal"):
        assert inv.allocated == (
            live.filter(invoice=inv).aggregate(s=Sum("amount"))["s"] or D("0.00")
        )
        assert 0 <= inv.allocated <= inv.total + inv.credited
