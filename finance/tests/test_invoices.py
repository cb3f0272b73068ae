"""Invoicing and red-letter credit notes (ISSUE 6 items 1 and 8): never beyond what may be
invoiced, to the cent however an order is split, freight less discount once, fapiao numbers and
dates, order states; credit notes partial or full, never more than is left or below what is paid.
Every refusal leaves everything as it was."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.roles import Role
from finance.balances import order_balance
from finance.enums import InvoiceKind
from finance.models import Invoice
from finance.services import (
    allocation_create,
    allocation_reverse,
    credit_note_issue,
    invoice_issue,
    invoiceable,
    receipt_record,
)
from orders.enums import InvoiceType, OrderEventType
from orders.enums import OrderStatus as S
from orders.models import Order
from orders.services.transitions import order_line_short_close
from orders.tests.helpers import force_status
from tests.factories import UserFactory

from .builders import (
    ROLES,
    deliver,
    fapiao,
    finance_state,
    lines_of,
    order_for,
    product,
    ship,
    shipped_order,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _refused(exc_info, *fields):
    assert set(exc_info.value.fields) == set(fields), exc_info.value.fields


# --- what may be invoiced -------------------------------------------------------------------------
def test_invoice_of_everything_shipped_with_exact_amounts(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "5"), quantities={0: "2"}, credit_days=30)
    today = timezone.localdate()

    invoice = invoice_issue(order=order, actor=finance, fapiao_number="12345678", remarks=" 首批 ")

    [line] = invoice.lines.all()
    assert (line.quantity, line.unit_price, line.tax_rate) == (D("2"), D("1130.0000"), D("0.13"))
    assert (line.amount_excl, line.tax_amount, line.total) == (
        D("2000.00"),
        D("260.00"),
        D("2260.00"),
    )
    assert (invoice.amount_excl, invoice.tax_amount, invoice.total) == (
        D("2000.00"),
        D("260.00"),
        D("2260.00"),
    )
    assert invoice.kind == InvoiceKind.NORMAL
    assert invoice.invoice_type == InvoiceType.VAT_SPECIAL  # the order's
    assert invoice.number == f"IV{today:%Y%m%d}001"
    assert (invoice.issue_date, invoice.due_date) == (today, today + dt.timedelta(days=30))
    assert (invoice.adjustment, invoice.credited, invoice.allocated) == (D("0"), D("0"), D("0"))
    assert invoice.open_amount == D("2260.00")
    assert invoice.total_in_words == "贰仟贰佰陆拾元整"
    assert invoice.remarks == "首批"
    event = Order.objects.get(pk=order.pk).events.order_by("-id").first()
    assert event.event_type == OrderEventType.INVOICE
    assert event.payload == {
        "invoice": invoice.number,
        "fapiao_number": "12345678",
        "total": "2260.00",
    }
    assert invoiceable(order) == {}


def test_never_beyond_what_shipped(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "5"), quantities={0: "2"})
    line = lines_of(order)[0]
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(
            order=order, actor=finance, fapiao_number=fapiao(), quantities={line.pk: "2.001"}
        )
    _refused(exc, f"lines.{line.pk}")
    assert "2" in exc.value.fields[f"lines.{line.pk}"][0]
    assert finance_state(order) == before

    invoice_issue(order=order, actor=finance, fapiao_number=fapiao(), quantities={line.pk: "1.5"})
    assert invoiceable(order) == {line.pk: D("0.5")}
    after_first = finance_state(order)
    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(order=order, actor=finance, fapiao_number=fapiao(), quantities={line.pk: "1"})
    _refused(exc, f"lines.{line.pk}")
    assert finance_state(order) == after_first

    # Everything invoiced: nothing is left until more ships.
    invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    _refused(exc, "lines")
    ship(order, warehouse)
    assert invoiceable(order) == {line.pk: D("3")}


@pytest.mark.parametrize(
    "raw, message",
    [
        ("abc", "Enter a number."),
        ("-1", "The quantity must be greater than zero."),
        ("0", "The quantity must be greater than zero."),
        ("1.0001", "Enter at most 3 decimals."),
        ("1e30", "The quantity is too large."),
        ("NaN", "Enter a number."),
        (None, "Enter a number."),
    ],
)
def test_bad_quantities_are_refused_by_name(rep, warehouse, finance, pump, raw, message):
    order = shipped_order(rep, warehouse, (pump, "2"))
    line = lines_of(order)[0]
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(order=order, actor=finance, fapiao_number=fapiao(), quantities={line.pk: raw})

    assert exc.value.fields == {f"lines.{line.pk}": [message]}
    assert finance_state(order) == before


def test_a_line_of_another_order_is_refused(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "2"))
    other = shipped_order(rep, warehouse, (pump, "2"))
    foreign = lines_of(other)[0]
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(
            order=order,
            actor=finance,
            fapiao_number=fapiao(),
            quantities={foreign.pk: "1", "x": "1"},
        )

    _refused(exc, f"lines.{foreign.pk}", "lines.x")
    assert finance_state(order) == before


def test_prepayment_order_is_invoiced_on_the_order_before_shipping(rep, warehouse, finance, pump):
    order = order_for(rep, (pump, "3"), warehouse=warehouse, settlement="prepayment")
    assert order.status == S.READY_TO_SHIP
    line = lines_of(order)[0]
    assert invoiceable(order) == {line.pk: D("3")}

    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    assert invoice.total == D("3390.00") == order.total
    assert invoice.lines.get().quantity == D("3")
    assert order_balance(order).uninvoiced == D("0.00")


@pytest.mark.parametrize("status", [S.APPROVED, S.IN_PRODUCTION, S.ON_HOLD])
def test_prepayment_order_may_be_invoiced_before_it_is_ready(rep, finance, pump, status):
    order = force_status(order_for(rep, (pump, "2"), settlement="prepayment"), status)
    assert invoice_issue(order=order, actor=finance, fapiao_number=fapiao()).total == D("2260.00")


def test_a_credit_order_is_not_invoiced_before_it_ships(rep, warehouse, finance, pump):
    order = order_for(rep, (pump, "3"), warehouse=warehouse)  # monthly settlement
    assert order.status == S.READY_TO_SHIP
    before = finance_state(order)

    with pytest.raises(InvalidTransition) as exc:
        invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    assert exc.value.extra == {"status": S.READY_TO_SHIP}
    assert finance_state(order) == before


@pytest.mark.parametrize(
    "status, settlement",
    [
        (S.DRAFT, "monthly"),
        (S.SALES_REVIEW, "prepayment"),
        (S.CANCELLED, "prepayment"),
        (S.SETTLED, "monthly"),
        (S.ARCHIVED, "prepayment"),
        (S.REJECTED, "monthly"),
    ],
)
def test_wrong_order_states_are_refused(rep, finance, pump, status, settlement):
    order = force_status(order_for(rep, (pump, "2"), settlement=settlement), status)
    before = finance_state(order)

    with pytest.raises(InvalidTransition):
        invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    assert finance_state(order) == before


def test_shipped_goods_of_an_order_on_hold_may_be_invoiced(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "5"), quantities={0: "2"})
    order = force_status(order, S.ON_HOLD, status_before_hold=S.PARTIALLY_SHIPPED)

    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    assert invoice.lines.get().quantity == D("2")


def test_short_closed_remainder_is_never_invoiced(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "5"), (product("10"), "4"), quantities={0: "2"})
    first, second = lines_of(order)
    order = order_line_short_close(order=order, line_id=first.pk, actor=rep, reason="客户不要了")
    assert invoiceable(order) == {first.pk: D("2")}  # the second line has not shipped

    order = ship(order, warehouse)  # the second line, in full
    assert order.status == S.SHIPPED
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    assert {x.order_line_id: x.quantity for x in invoice.lines.all()} == {
        first.pk: D("2"),
        second.pk: D("4"),
    }
    assert invoice.total == D("2300.00")  # 2 × 1130 + 4 × 10
    balance = order_balance(order)
    assert (balance.deliverable, balance.invoiced, balance.uninvoiced) == (
        D("2300.00"),
        D("2300.00"),
        D("0.00"),
    )
    assert invoiceable(order) == {}


def test_prepayment_short_close_leaves_only_the_shipped_part_invoiceable(
    rep, warehouse, finance, pump
):
    order = order_for(rep, (pump, "5"), warehouse=warehouse, settlement="prepayment")
    receipt = receipt_record(customer=order.customer, actor=finance, amount="5650.00")
    allocation_create(receipt=receipt, actor=finance, order=order, amount="5650.00")
    order = ship(order, warehouse, {0: "2"})
    line = lines_of(order)[0]
    order_line_short_close(order=order, line_id=line.pk, actor=rep, reason="停产")

    assert invoiceable(order) == {line.pk: D("2")}
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    assert invoice.total == D("2260.00")
    # The prepayment pays the invoice; the rest (3 × 1130) stays on the order, owed back.
    assert invoice.allocated == D("2260.00")
    assert order_balance(order).outstanding == D("-3390.00")


def test_partial_invoices_add_up_to_the_cent_with_awkward_prices(rep, warehouse, finance):
    awkward = product("33.3333")
    order = shipped_order(rep, warehouse, (awkward, "3"))
    line = lines_of(order)[0]
    assert line.amount == D("100.00")

    totals = [
        invoice_issue(
            order=order, actor=finance, fapiao_number=fapiao(), quantities={line.pk: "1"}
        ).total
        for _ in range(3)
    ]

    assert totals == [D("33.33"), D("33.34"), D("33.33")]  # 33.33, 66.67 − 33.33, 100 − 66.67
    assert sum(totals) == line.amount
    for invoice in Invoice.objects.filter(order=order):
        assert invoice.amount_excl + invoice.tax_amount == invoice.total
    assert order_balance(order).invoiced == D("100.00") == order_balance(order).deliverable


def test_one_then_two_of_an_awkward_line(rep, warehouse, finance):
    order = shipped_order(rep, warehouse, (product("0.3333"), "3"), (product("33.3333"), "3"))
    cheap, dear = lines_of(order)
    assert (cheap.amount, dear.amount) == (D("1.00"), D("100.00"))

    first = invoice_issue(
        order=order, actor=finance, fapiao_number=fapiao(), quantities={cheap.pk: "1", dear.pk: "1"}
    )
    second = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    assert [x.total for x in first.lines.all()] == [D("0.33"), D("33.33")]
    assert [x.total for x in second.lines.all()] == [D("0.67"), D("66.67")]
    assert first.total + second.total == D("101.00") == order.total


def test_freight_less_discount_goes_on_the_first_invoice_only(rep, warehouse, finance, pump):
    order = shipped_order(
        rep,
        warehouse,
        (pump, "4"),
        quantities={0: "1"},
        header={"freight": D("80.00"), "discount": D("30.00")},
    )
    assert order.total == D("4570.00")

    first = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    order = ship(order, warehouse)
    second = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    assert (first.adjustment, first.total) == (D("50.00"), D("1180.00"))
    # 50 at the highest tax rate of the order: 44.25 + 5.75.
    assert (first.amount_excl, first.tax_amount) == (D("1044.25"), D("135.75"))
    assert (second.adjustment, second.total) == (D("0.00"), D("3390.00"))
    assert first.total + second.total == order.total
    balance = order_balance(order)
    assert (balance.deliverable, balance.invoiced) == (D("4570.00"), D("4570.00"))


@pytest.mark.parametrize(
    "number", ["1234567", "123456789", "1234567a", "", "  ", "1" * 19, "1" * 21]
)
def test_fapiao_number_is_8_or_20_digits(rep, warehouse, finance, pump, number):
    order = shipped_order(rep, warehouse, (pump, "1"))
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(order=order, actor=finance, fapiao_number=number)

    _refused(exc, "fapiao_number")
    assert finance_state(order) == before


def test_fapiao_numbers_are_unique_per_invoice_type(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "3"))
    line = lines_of(order)[0]
    digital = "1" * 20
    invoice_issue(order=order, actor=finance, fapiao_number=digital, quantities={line.pk: "1"})
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(
            order=order, actor=finance, fapiao_number=f" {digital} ", quantities={line.pk: "1"}
        )
    _refused(exc, "fapiao_number")
    assert finance_state(order) == before

    ordinary = invoice_issue(
        order=order,
        actor=finance,
        fapiao_number=digital,
        invoice_type=InvoiceType.VAT_ORDINARY,
        quantities={line.pk: "1"},
    )
    assert (ordinary.invoice_type, ordinary.fapiao_number) == (InvoiceType.VAT_ORDINARY, digital)


@pytest.mark.parametrize("invoice_type", ["receipt", "VAT"])
def test_unknown_invoice_type_is_refused(rep, warehouse, finance, pump, invoice_type):
    order = shipped_order(rep, warehouse, (pump, "1"))
    with pytest.raises(ValidationFailed) as exc:
        invoice_issue(order=order, actor=finance, fapiao_number=fapiao(), invoice_type=invoice_type)
    _refused(exc, "invoice_type")
    assert not Invoice.objects.exists()


def test_issue_date_not_in_the_future_nor_before_the_order(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "1"))
    today = timezone.localdate()
    before = finance_state(order)

    for day in (
        today + dt.timedelta(days=1),
        order.order_date - dt.timedelta(days=1),
        "2026-01-01",
        timezone.now(),
    ):
        with pytest.raises(ValidationFailed) as exc:
            invoice_issue(order=order, actor=finance, fapiao_number=fapiao(), issue_date=day)
        _refused(exc, "issue_date")
    assert finance_state(order) == before
    assert (
        invoice_issue(
            order=order, actor=finance, fapiao_number=fapiao(), issue_date=order.order_date
        ).issue_date
        == order.order_date
    )


def test_due_date_is_the_orders_payment_due_date_when_later(rep, warehouse, finance, pump):
    due = timezone.localdate() + dt.timedelta(days=45)
    order = shipped_order(rep, warehouse, (pump, "1"), header={"payment_due_date": due})
    assert invoice_issue(order=order, actor=finance, fapiao_number=fapiao()).due_date == due


@pytest.mark.parametrize("role, allowed", ROLES)
def test_who_may_invoice(rep, warehouse, pump, role, allowed):
    order = shipped_order(rep, warehouse, (pump, "1"))
    actor = rep if role == Role.SALES_REP else UserFactory(roles=[role])
    before = finance_state(order)

    if allowed:
        assert invoice_issue(order=order, actor=actor, fapiao_number=fapiao()).total == D("1130.00")
    else:
        with pytest.raises(PermissionDenied):
            invoice_issue(order=order, actor=actor, fapiao_number=fapiao())
        assert finance_state(order) == before


# --- red-letter credit notes ----------------------------------------------------------------------
def test_partial_credit_note(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "3"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number="20000001")
    source = invoice.lines.get()

    note = credit_note_issue(
        invoice=invoice,
        actor=finance,
        fapiao_number="20000002",
        reason=" 质量问题退货 ",
        quantities={source.pk: "1"},
    )

    assert note.kind == InvoiceKind.CREDIT_NOTE
    assert (note.original_id, note.order_id, note.customer_id) == (
        invoice.pk,
        order.pk,
        order.customer_id,
    )
    assert (note.amount_excl, note.tax_amount, note.total, note.adjustment) == (
        D("-1000.00"),
        D("-130.00"),
        D("-1130.00"),
        D("0.00"),
    )
    assert note.lines.get().quantity == D("-1")
    assert note.reason == "质量问题退货"
    assert note.total_in_words == "壹仟壹佰叁拾元整"
    invoice.refresh_from_db()
    assert (invoice.credited, invoice.net_total, invoice.open_amount) == (
        D("-1130.00"),
        D("2260.00"),
        D("2260.00"),
    )
    assert note.open_amount == D("0.00")
    assert invoiceable(order) == {source.order_line_id: D("1")}
    assert order_balance(order).invoiced == D("2260.00")
    event = Order.objects.get(pk=order.pk).events.order_by("-id").first()
    assert (event.event_type, event.comment) == (OrderEventType.INVOICE, "质量问题退货")
    assert event.payload["reverses"] == invoice.number


def test_full_credit_note_takes_the_adjustment_back_and_reinvoicing_carries_it_again(
    rep, warehouse, finance, pump
):
    order = shipped_order(rep, warehouse, (pump, "2"), header={"freight": D("60.00")})
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    assert (invoice.total, invoice.adjustment) == (D("2320.00"), D("60.00"))

    note = credit_note_issue(invoice=invoice, actor=finance, fapiao_number=fapiao(), reason="开错")

    assert (note.total, note.adjustment) == (D("-2320.00"), D("-60.00"))
    invoice.refresh_from_db()
    assert (invoice.net_total, invoice.open_amount) == (D("0.00"), D("0.00"))
    assert order_balance(order).invoiced == D("0.00")

    again = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    assert (again.total, again.adjustment) == (D("2320.00"), D("60.00"))
    assert order_balance(order).uninvoiced == D("0.00")


def test_credit_in_parts_adds_up_to_the_invoice_line_to_the_cent(rep, warehouse, finance):
    order = shipped_order(rep, warehouse, (product("33.3333"), "3"), header={"freight": D("5")})
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    source = invoice.lines.get()
    assert (source.total, invoice.total) == (D("100.00"), D("105.00"))

    notes = [
        credit_note_issue(
            invoice=invoice,
            actor=finance,
            fapiao_number=fapiao(),
            reason="退货",
            quantities={source.pk: "1"},
        )
        for _ in range(3)
    ]

    assert [n.total for n in notes] == [D("-33.33"), D("-33.34"), D("-38.33")]
    # The last note leaves no goods on the invoice, so it takes the freight back too.
    assert [n.adjustment for n in notes] == [D("0.00"), D("0.00"), D("-5.00")]
    invoice.refresh_from_db()
    assert invoice.net_total == D("0.00")
    with pytest.raises(ValidationFailed) as exc:
        credit_note_issue(invoice=invoice, actor=finance, fapiao_number=fapiao(), reason="x")
    _refused(exc, "lines")


def test_credit_note_never_more_than_is_left(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "3"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    source = invoice.lines.get()
    credit_note_issue(
        invoice=invoice,
        actor=finance,
        fapiao_number=fapiao(),
        reason="x",
        quantities={source.pk: "2"},
    )
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        credit_note_issue(
            invoice=invoice,
            actor=finance,
            fapiao_number=fapiao(),
            reason="x",
            quantities={source.pk: "1.5"},
        )

    _refused(exc, f"lines.{source.pk}")
    assert finance_state(order) == before


def test_credit_note_never_below_what_is_paid(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "3"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    source = invoice.lines.get()
    receipt = receipt_record(customer=order.customer, actor=finance, amount="3000.00")
    allocation = allocation_create(
        receipt=receipt, actor=finance, order=order, invoice=invoice, amount="3000.00"
    )
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:  # 3390 − 1130 = 2260 < 3000 paid
        credit_note_issue(
            invoice=invoice,
            actor=finance,
            fapiao_number=fapiao(),
            reason="x",
            quantities={source.pk: "1"},
        )
    _refused(exc, "lines")
    assert "¥3,000.00" in str(exc.value.message)
    assert finance_state(order) == before

    allocation_reverse(allocation=allocation, actor=finance, reason="先冲红")
    note = credit_note_issue(
        invoice=invoice,
        actor=finance,
        fapiao_number=fapiao(),
        reason="x",
        quantities={source.pk: "1"},
    )
    assert note.total == D("-1130.00")


def test_a_credit_note_cannot_be_reversed(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "2"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    note = credit_note_issue(invoice=invoice, actor=finance, fapiao_number=fapiao(), reason="x")
    before = finance_state(order)

    with pytest.raises(ValidationFailed):
        credit_note_issue(invoice=note, actor=finance, fapiao_number=fapiao(), reason="x")

    assert finance_state(order) == before


def test_credit_note_fields_are_checked(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "2"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number="30000001")
    source = invoice.lines.get()
    before = finance_state(order)

    with pytest.raises(ValidationFailed) as exc:
        credit_note_issue(
            invoice=invoice,
            actor=finance,
            fapiao_number="30000001",  # already recorded for this type
            reason="  ",
            quantities={source.pk: "0", 999999: "1"},
        )
    _refused(exc, "reason", f"lines.{source.pk}", "lines.999999")
    with pytest.raises(ValidationFailed) as exc:
        credit_note_issue(invoice=invoice, actor=finance, fapiao_number="30000001", reason="x")
    _refused(exc, "fapiao_number")
    with pytest.raises(ValidationFailed) as exc:
        credit_note_issue(
            invoice=invoice,
            actor=finance,
            fapiao_number=fapiao(),
            reason="x",
            issue_date=invoice.issue_date - dt.timedelta(days=1),
        )
    _refused(exc, "issue_date")
    assert finance_state(order) == before


def test_credit_note_on_a_settled_order_is_refused(rep, warehouse, finance, pump):
    order = shipped_order(rep, warehouse, (pump, "1"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    order = force_status(order, S.SETTLED)
    before = finance_state(order)

    with pytest.raises(InvalidTransition):
        credit_note_issue(invoice=invoice, actor=finance, fapiao_number=fapiao(), reason="x")

    assert finance_state(order) == before


def test_reinvoicing_after_a_partial_credit_note(rep, warehouse, finance, pump):
    order = deliver(shipped_order(rep, warehouse, (pump, "3")), warehouse)
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    credit_note_issue(
        invoice=invoice,
        actor=finance,
        fapiao_number=fapiao(),
        reason="单价调整",
        quantities={invoice.lines.get().pk: "1"},
    )

    again = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    assert again.lines.get().quantity == D("1")
    assert again.total == D("1130.00")
    assert order_balance(order).invoiced == D("3390.00") == order_balance(order).deliverable


@pytest.mark.parametrize("role, allowed", ROLES)
def test_who_may_issue_a_credit_note(rep, warehouse, finance, pump, role, allowed):
    order = shipped_order(rep, warehouse, (pump, "1"))
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    actor = rep if role == Role.SALES_REP else UserFactory(roles=[role])
    before = finance_state(order)

    if allowed:
        note = credit_note_issue(invoice=invoice, actor=actor, fapiao_number=fapiao(), reason="x")
        assert note.total == D("-1130.00")
    else:
        with pytest.raises(PermissionDenied):
            credit_note_issue(invoice=invoice, actor=actor, fapiao_number=fapiao(), reason="x")
        assert finance_state(order) == before
