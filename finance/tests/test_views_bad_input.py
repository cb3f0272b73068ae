"""Bad input on the finance forms: a clear message next to the field, a 400, and nothing changed
in the database — never a 500."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.services import allocation_create, allocation_reverse, invoice_issue, receipt_record
from tests.factories import CustomerFactory

from .test_views_helpers import fapiao, finance_state, shipped_order

pytestmark = pytest.mark.django_db

TODAY = dt.date.today


def _refused(client, url, data, field):
    """POST, expect a 400 with an error on `field` ("__all__": form-wide), and no change."""
    before = finance_state()
    response = client.post(url, data)
    assert response.status_code == 400, (data, response.status_code)
    form = response.context["form"]
    assert field in form.errors, (data, dict(form.errors))
    assert finance_state() == before
    return response


# --- issuing an invoice --------------------------------------------------------------------------
@pytest.fixture
def issue(client, rep, warehouse, finance, mts):
    """A shipped order (3 of 5), the issue form's URL and a valid POST builder."""
    order = shipped_order(rep, warehouse, mts, qty="5", ship="3")
    line = order.lines.get()
    client.force_login(finance)

    def data(**changes):
        base = {
            f"qty_{line.pk}": "3",
            "fapiao_number": "12345678",
            "invoice_type": order.invoice_type,
            "issue_date": timezone.localdate().isoformat(),
            "remarks": "",
        }
        base.update(changes)
        return base

    return {
        "order": order,
        "qty": f"qty_{line.pk}",
        "url": reverse("finance:invoice_create", args=[order.pk]),
        "data": data,
    }


@pytest.mark.parametrize(
    "value, message",
    [
        ("abc", "Enter a number."),
        ("NaN", "Enter a number."),
        ("Infinity", "Enter a number."),
        ("-1", "The quantity cannot be negative."),
        ("1.2345", "Enter at most 3 decimals."),
        ("1e30", "The quantity is too large."),
        ("4", "Only 3"),  # over-invoicing: 3 shipped
    ],
)
def test_issue_bad_quantity(client, issue, value, message):
    response = _refused(client, issue["url"], issue["data"](**{issue["qty"]: value}), issue["qty"])
    assert message in " ".join(response.context["form"].errors[issue["qty"]])
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"fapiao_number": "123"}, "fapiao_number"),
        ({"fapiao_number": ""}, "fapiao_number"),
        ({"fapiao_number": "1234567a"}, "fapiao_number"),
        ({"issue_date": (TODAY() + dt.timedelta(days=3)).isoformat()}, "issue_date"),
        ({"issue_date": "2026-13-45"}, "issue_date"),
        ({"issue_date": "2000-01-01"}, "issue_date"),  # before the order date
        ({"invoice_type": "bogus"}, "invoice_type"),
    ],
)
def test_issue_bad_document_fields(client, issue, changes, field):
    _refused(client, issue["url"], issue["data"](**changes), field)


def test_issue_nothing_chosen(client, issue):
    _refused(client, issue["url"], issue["data"](**{issue["qty"]: "0"}), "__all__")
    _refused(client, issue["url"], issue["data"](**{issue["qty"]: ""}), "__all__")


def test_issue_duplicate_fapiao_number(client, issue, finance):
    invoice_issue(
        order=issue["order"],
        actor=finance,
        fapiao_number="12345678",
        quantities={int(issue["qty"].removeprefix("qty_")): "1"},
    )
    response = _refused(client, issue["url"], issue["data"](**{issue["qty"]: "1"}), "fapiao_number")
    assert "already recorded" in response.content.decode()


def test_issue_on_an_order_not_yet_shipped(client, rep, finance, mts, warehouse):
    from fulfillment.services import stock_receive
    from fulfillment.tests.conftest import approve_fully, order_of

    stock_receive(product=mts, quantity=Decimal("2"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "2")))
    client.force_login(finance)
    url = reverse("finance:invoice_create", args=[order.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is None
    before = finance_state()
    line = order.lines.get()
    response = client.post(url, {f"qty_{line.pk}": "1", "fapiao_number": "12345678"})
    assert response.status_code == 400
    assert finance_state() == before


def test_unknown_records_are_404(client, finance):
    client.force_login(finance)
    for url in (
        reverse("finance:invoice_create", args=[999999]),
        reverse("finance:invoice_detail", args=[999999]),
        reverse("finance:credit_note_create", args=[999999]),
        reverse("finance:receipt_detail", args=[999999]),
        reverse("finance:allocation_options", args=[999999]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("finance:allocation_reverse", args=[999999])).status_code == 404


# --- credit notes --------------------------------------------------------------------------------
@pytest.fixture
def credit(client, rep, warehouse, finance, mts):
    order = shipped_order(rep, warehouse, mts, qty="3")
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    line = invoice.lines.get()
    client.force_login(finance)

    def data(**changes):
        base = {
            f"qty_{line.pk}": "1",
            "fapiao_number": "87654321",
            "issue_date": timezone.localdate().isoformat(),
            "reason": "退货",
        }
        base.update(changes)
        return base

    return {
        "invoice": invoice,
        "order": order,
        "qty": f"qty_{line.pk}",
        "url": reverse("finance:credit_note_create", args=[invoice.pk]),
        "data": data,
    }


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"QTY": "4"}, "QTY"),  # more than invoiced
        ({"QTY": "-1"}, "QTY"),
        ({"QTY": "x"}, "QTY"),
        ({"QTY": ""}, "__all__"),
        ({"reason": "  "}, "reason"),
        ({"fapiao_number": "12"}, "fapiao_number"),
        ({"issue_date": (TODAY() + dt.timedelta(days=1)).isoformat()}, "issue_date"),
    ],
)
def test_credit_note_bad_input(client, credit, changes, field):
    changes = {credit["qty"] if k == "QTY" else k: v for k, v in changes.items()}
    field = credit["qty"] if field == "QTY" else field
    _refused(client, credit["url"], credit["data"](**changes), field)


def test_credit_note_duplicate_fapiao_and_beyond_unpaid(client, credit, finance):
    invoice = credit["invoice"]
    _refused(
        client, credit["url"], credit["data"](fapiao_number=invoice.fapiao_number), "fapiao_number"
    )
    receipt = receipt_record(customer=invoice.customer, actor=finance, amount=str(invoice.total))
    allocation_create(
        receipt=receipt,
        actor=finance,
        order=credit["order"],
        invoice=invoice,
        amount=str(invoice.total),
    )
    response = _refused(client, credit["url"], credit["data"](), "__all__")
    assert "has been paid on this invoice" in response.content.decode()


def test_credit_note_on_a_credit_note(client, credit, finance):
    from finance.services import credit_note_issue

    note = credit_note_issue(
        invoice=credit["invoice"], actor=finance, fapiao_number=fapiao(), reason="作废"
    )
    url = reverse("finance:credit_note_create", args=[note.pk])
    assert client.get(url).context["form"] is None
    before = finance_state()
    assert client.post(url, {"reverse_all": "on", "reason": "x"}).status_code == 400
    assert finance_state() == before


# --- receipts ------------------------------------------------------------------------------------
@pytest.fixture
def receipt_form(client, finance):
    customer = CustomerFactory()
    client.force_login(finance)

    def data(**changes):
        base = {
            "customer": customer.pk,
            "amount": "1000.00",
            "received_on": timezone.localdate().isoformat(),
            "method": "bank_transfer",
            "payer": "",
            "bank_reference": "",
            "remarks": "",
        }
        base.update(changes)
        return base

    return {"url": reverse("finance:receipt_create"), "data": data, "customer": customer}


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"amount": "abc"}, "amount", "Enter an amount."),
        ({"amount": "NaN"}, "amount", "Enter an amount."),
        ({"amount": "-inf"}, "amount", "Enter an amount."),
        ({"amount": ""}, "amount", "Enter an amount."),
        ({"amount": "-5"}, "amount", "greater than zero"),
        ({"amount": "0"}, "amount", "greater than zero"),
        ({"amount": "1.234"}, "amount", "at most 2 decimals"),
        ({"amount": "1e30"}, "amount", "too large"),
        ({"received_on": "2999-01-01"}, "received_on", "future"),
        ({"received_on": "01/02/2026"}, "received_on", "YYYY-MM-DD"),
        ({"customer": ""}, "customer", ""),
        ({"customer": "999999"}, "customer", ""),
        ({"method": "bitcoin"}, "method", ""),
        ({"bank_reference": "R" * 61}, "bank_reference", ""),
    ],
)
def test_receipt_bad_input(client, receipt_form, changes, field, message):
    response = _refused(client, receipt_form["url"], receipt_form["data"](**changes), field)
    assert message in " ".join(response.context["form"].errors[field])


def test_receipt_for_an_inactive_customer(client, receipt_form):
    receipt_form["customer"].is_active = False
    receipt_form["customer"].save()
    _refused(client, receipt_form["url"], receipt_form["data"](), "customer")


# --- allocations ---------------------------------------------------------------------------------
@pytest.fixture
def alloc(client, rep, warehouse, finance, mts):
    """Two invoiced orders of one customer, a receipt of 1000 for that customer."""
    order = shipped_order(rep, warehouse, mts, qty="1")
    customer = order.customer
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    receipt = receipt_record(customer=customer, actor=finance, amount="1000")
    client.force_login(finance)
    return {
        "order": order,
        "invoice": invoice,
        "receipt": receipt,
        "url": reverse("finance:allocation_create", args=[receipt.pk]),
    }


@pytest.mark.parametrize(
    "amount, field",
    [
        ("abc", "amount"),
        ("NaN", "amount"),
        ("-1", "amount"),
        ("0", "amount"),
        ("1.001", "amount"),
        ("1e30", "amount"),
        ("1000.01", "amount"),  # more than the receipt
    ],
)
def test_allocation_bad_amount(client, alloc, amount, field):
    _refused(client, alloc["url"], {"order": alloc["order"].pk, "amount": amount}, field)


def test_allocation_over_the_invoice_and_the_order(client, rep, warehouse, finance, mts, alloc):
    invoice = alloc["invoice"]  # 1130 > the receipt's 1000: pay 900, then 300 is over it
    client.post(
        alloc["url"],
        {"order": alloc["order"].pk, "invoice": invoice.pk, "amount": "900"},
    )
    invoice.refresh_from_db()
    assert invoice.allocated == Decimal("900.00")
    big = receipt_record(customer=invoice.customer, actor=finance, amount="5000")
    url = reverse("finance:allocation_create", args=[big.pk])
    response = _refused(
        client, url, {"order": alloc["order"].pk, "invoice": invoice.pk, "amount": "300"}, "amount"
    )
    assert "of this invoice is unpaid" in response.content.decode()
    # On account of the order: no more than the order is worth less what is paid.
    _refused(client, url, {"order": alloc["order"].pk, "amount": "4000"}, "amount")


def test_allocation_to_another_customers_order_or_a_wrong_invoice(
    client, rep, other_rep, warehouse, finance, mts, alloc
):
    other = shipped_order(other_rep, warehouse, mts, qty="1")
    other_invoice = invoice_issue(order=other, actor=finance, fapiao_number=fapiao())
    _refused(client, alloc["url"], {"order": other.pk, "amount": "10"}, "order")
    _refused(
        client,
        alloc["url"],
        {"order": alloc["order"].pk, "invoice": other_invoice.pk, "amount": "10"},
        "invoice",
    )
    # An invoice of another order of the same customer.
    from fulfillment.services import stock_receive
    from fulfillment.services.shipping import shipment_create
    from fulfillment.tests.conftest import approve_fully
    from orders.tests.helpers import draft_order

    stock_receive(product=mts, quantity=Decimal("1"), actor=warehouse)
    second = approve_fully(
        draft_order(
            rep,
            customer=alloc["order"].customer,
            lines=[{"product": mts, "quantity": Decimal("1"), "unit_price": mts.list_price}],
        )
    )
    shipment_create(order=second, actor=warehouse, carrier="德邦")
    second_invoice = invoice_issue(order=second, actor=finance, fapiao_number=fapiao())
    response = _refused(
        client,
        alloc["url"],
        {"order": alloc["order"].pk, "invoice": second_invoice.pk, "amount": "10"},
        "invoice",
    )
    assert "Choose an invoice of this order." in response.content.decode()
    _refused(client, alloc["url"], {"amount": "10"}, "order")


def test_options_ignore_bad_parameters(client, alloc):
    url = reverse("finance:allocation_options", args=[alloc["receipt"].pk])
    for params in ({"order": "x"}, {"order": "999999", "invoice": "abc"}, {}):
        response = client.get(url, params)
        assert response.status_code == 200
        assert response.context["form"]["amount"].value() == Decimal("1000.00")


def test_reverse_needs_a_reason_and_happens_once(client, alloc, finance):
    allocation = allocation_create(
        receipt=alloc["receipt"],
        actor=finance,
        order=alloc["order"],
        invoice=alloc["invoice"],
        amount="100",
    )
    url = reverse("finance:allocation_reverse", args=[allocation.pk])
    before = finance_state()
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert response.context["reverse_errors"] == {allocation.pk: ["Give a reason."]}
    assert finance_state() == before

    allocation_reverse(allocation=allocation, actor=finance, reason="错")
    before = finance_state()
    response = client.post(url, {"reason": "again"})
    assert response.status_code == 400
    assert "already been reversed" in response.content.decode()
    assert finance_state() == before
