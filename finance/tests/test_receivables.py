"""Receivables (ISSUE 6 items 4 and 8): ageing by days past the due date at the bucket edges
(time frozen with time-machine), what counts as open (partial payments, credit notes), DSO, and
who sees whose figures."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.roles import Role
from finance.selectors import customer_unallocated, receivables_by_customer, receivables_summary
from finance.services import allocation_create, credit_note_issue, invoice_issue, receipt_record
from tests.factories import UserFactory

from .builders import fapiao, shipped_order

pytestmark = pytest.mark.django_db
D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")
T = dt.datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI)
BUCKETS = ("not_due", "d0_30", "d31_60", "d61_90", "d90_plus")


def _at(days: int):
    return time_machine.travel(T + dt.timedelta(days=days), tick=False)


def _invoice(rep, warehouse, finance, pump, qty="1", **kwargs):
    order = shipped_order(rep, warehouse, (pump, qty), **kwargs)
    return invoice_issue(order=order, actor=finance, fapiao_number=fapiao())


def _buckets(row) -> dict:
    return {key: row[key] for key in BUCKETS if row[key]}


@pytest.mark.parametrize(
    "days_later, bucket",
    [
        (0, "not_due"),  # due today
        (1, "d0_30"),
        (30, "d0_30"),
        (31, "d31_60"),
        (60, "d31_60"),
        (61, "d61_90"),
        (90, "d61_90"),
        (91, "d90_plus"),
        (400, "d90_plus"),
    ],
)
def test_bucket_edges(rep, warehouse, finance, pump, days_later, bucket):
    with _at(0):
        invoice = _invoice(rep, warehouse, finance, pump)  # due the day it is issued
        assert invoice.due_date == T.date()

    with _at(days_later):
        [row] = receivables_by_customer(user=finance)
        summary = receivables_summary(user=finance)

    assert _buckets(row) == {bucket: D("1130.00")}
    assert row["open_amount"] == D("1130.00")
    assert row["overdue"] == (D("0.00") if bucket == "not_due" else D("1130.00"))
    assert {key: summary[key] for key in BUCKETS if summary[key]} == {bucket: D("1130.00")}


def test_a_credit_term_moves_the_due_date(rep, warehouse, finance, pump):
    with _at(0):
        invoice = _invoice(rep, warehouse, finance, pump, credit_days=30)
    assert invoice.due_date == T.date() + dt.timedelta(days=30)

    with _at(30):
        assert _buckets(next(receivables_by_customer(user=finance))) == {"not_due": D("1130.00")}
    with _at(31):
        assert _buckets(next(receivables_by_customer(user=finance))) == {"d0_30": D("1130.00")}


def test_as_of_ages_on_another_day(rep, warehouse, finance, pump):
    with _at(0):
        _invoice(rep, warehouse, finance, pump)
    with _at(100):
        [row] = receivables_by_customer(user=finance, as_of=T.date() + dt.timedelta(days=45))
        # The day before it was issued, the invoice was no receivable yet.
        before = T.date() - dt.timedelta(days=1)
        assert list(receivables_by_customer(user=finance, as_of=before)) == []
        assert receivables_summary(user=finance, as_of=before)["open_amount"] == D("0.00")
    assert _buckets(row) == {"d31_60": D("1130.00")}


def test_open_is_net_of_payments_and_credit_notes(rep, warehouse, finance, pump):
    with _at(0):
        invoice = _invoice(rep, warehouse, finance, pump, qty="3")  # 3390.00
        customer = invoice.customer
        credit_note_issue(
            invoice=invoice,
            actor=finance,
            fapiao_number=fapiao(),
            reason="退货",
            quantities={invoice.lines.get().pk: "1"},
        )
        receipt = receipt_record(customer=customer, actor=finance, amount="1500.00")
        allocation_create(
            receipt=receipt, actor=finance, order=invoice.order, invoice=invoice, amount="1000.00"
        )
        partly_paid = _invoice(rep, warehouse, finance, pump, customer=customer)
        allocation_create(
            receipt=receipt,
            actor=finance,
            order=partly_paid.order,
            invoice=partly_paid,
            amount="500.00",
        )
        # Credited in full: nothing open.
        credited = _invoice(rep, warehouse, finance, pump, customer=customer)
        credit_note_issue(invoice=credited, actor=finance, fapiao_number=fapiao(), reason="作废")

    with _at(5):
        [row] = receivables_by_customer(user=finance)

    # 3390 − 1130 credited − 1000 paid, and 630 left of the second invoice.
    assert row["open_amount"] == D("1890.00")
    assert _buckets(row) == {"d0_30": D("1890.00")}
    assert customer_unallocated(customer) == D("0.00")


def test_dso_and_the_summary(rep, warehouse, finance, pump):
    with _at(-100):
        old = _invoice(rep, warehouse, finance, pump)  # 1130.00, out of the 90-day window
        customer = old.customer
    with _at(-10):
        recent = _invoice(rep, warehouse, finance, pump, qty="4", customer=customer)  # 4520.00
        credit_note_issue(
            invoice=recent,
            actor=finance,
            fapiao_number=fapiao(),
            reason="退货",
            quantities={recent.lines.get().pk: "1"},
        )
        receipt = receipt_record(customer=customer, actor=finance, amount="1200.00")
        allocation_create(
            receipt=receipt, actor=finance, order=recent.order, invoice=recent, amount="1000.00"
        )

    with _at(0):
        summary = receivables_summary(user=finance)
        earlier = receivables_summary(user=finance, as_of=T.date() - dt.timedelta(days=10))

    assert summary["open_amount"] == D("3520.00")  # 1130 + (4520 − 1130 − 1000)
    assert {key: summary[key] for key in BUCKETS} == {
        "not_due": D("0.00"),
        "d0_30": D("2390.00"),
        "d31_60": D("0.00"),
        "d61_90": D("0.00"),
        "d90_plus": D("1130.00"),
    }
    assert summary["overdue"] == D("3520.00")
    assert summary["sales_90_days"] == D("3390.00")  # the invoice less its credit note
    assert summary["dso"] == D("93.5")  # 3520 ÷ 3390 × 90 = 93.45
    # Ten days earlier the recent invoice was due that day and the old one 90 days late.
    assert (earlier["not_due"], earlier["d61_90"], earlier["overdue"]) == (
        D("2390.00"),
        D("1130.00"),
        D("1130.00"),
    )
    assert customer_unallocated(customer) == D("200.00")


def test_dso_is_none_without_sales(finance):
    summary = receivables_summary(user=finance)
    assert (summary["open_amount"], summary["sales_90_days"], summary["dso"]) == (
        D("0.00"),
        D("0.00"),
        None,
    )


def test_each_role_sees_its_own_figures(rep, other_rep, warehouse, finance, pump):
    with _at(0):
        mine = _invoice(rep, warehouse, finance, pump)
        theirs = _invoice(other_rep, warehouse, finance, pump, qty="2")

    with _at(0):
        for user in (
            finance,
            UserFactory(roles=[Role.GM]),
            UserFactory(roles=[Role.SALES_HEAD]),
            UserFactory(roles=[Role.ADMIN]),
        ):
            rows = list(receivables_by_customer(user=user))
            assert [r["customer"] for r in rows] == [theirs.customer_id, mine.customer_id]
            assert receivables_summary(user=user)["open_amount"] == D("3390.00")
        assert [r["customer"] for r in receivables_by_customer(user=rep)] == [mine.customer_id]
        assert receivables_summary(user=rep)["open_amount"] == D("1130.00")
        assert [r["customer"] for r in receivables_by_customer(user=other_rep)] == [
            theirs.customer_id
        ]
        stranger = UserFactory(roles=[Role.SALES_REP])
        assert list(receivables_by_customer(user=stranger)) == []
        assert receivables_summary(user=stranger)["open_amount"] == D("0.00")


def test_region_and_customer_filters(rep, warehouse, finance, pump):
    with _at(0):
        east = _invoice(rep, warehouse, finance, pump, region="华东地区")
        south = _invoice(rep, warehouse, finance, pump, qty="2", region="华南地区")

        rows = list(receivables_by_customer(user=finance, filters={"region": "华南地区"}))
        assert [r["customer"] for r in rows] == [south.customer_id]
        rows = list(receivables_by_customer(user=finance, filters={"customer": east.customer_id}))
        assert [r["customer"] for r in rows] == [east.customer_id]
        assert receivables_summary(user=finance, filters={"region": "华东地区"})[
            "open_amount"
        ] == D("1130.00")
        assert list(receivables_by_customer(user=finance, filters={"region": "西北地区"})) == []
