"""Invoices API (ISSUE 6 item 7): exact bodies, the permission matrix, bad input named by field
with nothing written, other reps' records not found, lists in a fixed number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from finance.models import Invoice
from finance.services import credit_note_issue, invoice_issue
from orders.enums import OrderStatus as S

from .api_helpers import (
    API,
    READERS,
    WRITERS,
    as_user,
    assert_list_queries_flat,
    bad_fields,
    role_user,
)
from .builders import fapiao, finance_state, lines_of, order_for, product, shipped_order

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def pump(db):
    return product("1130.0000", code="PUMP-01", name="离心泵")


@pytest.fixture
def order(rep, warehouse, pump):
    """3 ordered, 2 shipped, freight 20.00, for a customer of `rep`."""
    return shipped_order(
        rep,
        warehouse,
        (pump, "3"),
        quantities={0: "2"},
        header={"freight": D("20.00")},
        name="杭州甲方机电有限公司",
    )


# --- happy paths ----------------------------------------------------------------------------------
def test_issue_an_invoice(api, finance, order):
    line = lines_of(order)[0]
    today = timezone.localdate()

    response = as_user(api, finance).post(
        f"{API}/orders/{order.pk}/invoices/",
        {
            "fapiao_number": "12345678",
            "invoice_type": "vat_ordinary",
            "issue_date": today.isoformat(),
            "lines": [{"line": line.pk, "quantity": "2"}],
            "remarks": "首批",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    invoice = Invoice.objects.get()
    assert body.pop("created_at")
    [invoice_line] = body.pop("lines")
    assert body == {
        "id": invoice.pk,
        "number": f"IV{today:%Y%m%d}001",
        "kind": "normal",
        "kind_display": "Invoice",
        "invoice_type": "vat_ordinary",
        "invoice_type_display": "Ordinary invoice (普通发票)",
        "fapiao_number": "12345678",
        "order": order.pk,
        "order_number": order.number,
        "customer": order.customer_id,
        "customer_name": "杭州甲方机电有限公司",
        "original": None,
        "original_number": None,
        "issue_date": today.isoformat(),
        "due_date": today.isoformat(),
        "amount_excl": "2017.70",
        "tax_amount": "262.30",
        "total": "2280.00",
        "adjustment": "20.00",
        "credited": "0.00",
        "allocated": "0.00",
        "net_total": "2280.00",
        "open_amount": "2280.00",
        "overdue": False,
        "reason": "",
        "remarks": "首批",
        "total_in_words": "贰仟贰佰捌拾元整",
        "credit_notes": [],
        "allocations": [],
    }
    assert invoice_line == {
        "id": invoice.lines.get().pk,
        "order_line": line.pk,
        "sequence": 1,
        "product_code": "PUMP-01",
        "product_name": "离心泵",
        "unit": "台",
        "quantity": "2.000",
        "unit_price": "1130.0000",
        "tax_rate": "0.13",
        "amount_excl": "2000.00",
        "tax_amount": "260.00",
        "total": "2260.00",
    }


def test_lines_left_out_invoice_everything_invoiceable(api, finance, order):
    response = as_user(api, finance).post(
        f"{API}/orders/{order.pk}/invoices/", {"fapiao_number": "1" * 20}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["total"] == "2280.00"
    assert response.json()["invoice_type"] == "vat_special"  # the order's
    assert [x["quantity"] for x in response.json()["lines"]] == ["2.000"]


def test_what_the_order_may_still_invoice(api, finance, order, pump):
    line = lines_of(order)[0]
    invoice_issue(order=order, actor=finance, fapiao_number=fapiao(), quantities={line.pk: "0.5"})

    response = as_user(api, finance).get(f"{API}/orders/{order.pk}/invoiceable/")

    assert response.status_code == 200
    assert response.json() == {
        "order": order.pk,
        "order_number": order.number,
        "invoices_on_the_order": False,
        "lines": [
            {
                "line": line.pk,
                "sequence": 1,
                "product_code": "PUMP-01",
                "product_name": "离心泵",
                "unit": "台",
                "unit_price": "1130.0000",
                "ordered": "3.000",
                "shipped": "2.000",
                "is_closed": False,
                "basis": "2.000",
                "invoiced": "0.500",
                "invoiced_amount": "565.00",
                "invoiceable": "1.500",
            }
        ],
    }


def test_issue_a_credit_note(api, finance, order):
    invoice = invoice_issue(order=order, actor=finance, fapiao_number="12345678")
    source = invoice.lines.get()

    response = as_user(api, finance).post(
        f"{API}/invoices/{invoice.pk}/credit-notes/",
        {
            "fapiao_number": "87654321",
            "reason": "退货一台",
            "lines": [{"invoice_line": source.pk, "quantity": "1"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    note = Invoice.objects.get(original=invoice)
    assert {k: body[k] for k in ("id", "kind", "original", "original_number", "reason")} == {
        "id": note.pk,
        "kind": "credit_note",
        "original": invoice.pk,
        "original_number": invoice.number,
        "reason": "退货一台",
    }
    assert (body["total"], body["amount_excl"], body["tax_amount"]) == (
        "-1130.00",
        "-1000.00",
        "-130.00",
    )
    assert [(x["quantity"], x["total"]) for x in body["lines"]] == [("-1.000", "-1130.00")]
    detail = api.get(f"{API}/invoices/{invoice.pk}/").json()
    assert (detail["credited"], detail["net_total"], detail["open_amount"]) == (
        "-1130.00",
        "1150.00",
        "1150.00",
    )
    assert detail["credit_notes"] == [
        {
            "id": note.pk,
            "number": note.number,
            "fapiao_number": "87654321",
            "issue_date": note.issue_date.isoformat(),
            "total": "-1130.00",
            "reason": "退货一台",
        }
    ]


def test_full_credit_note_when_lines_are_left_out(api, finance, order):
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    response = as_user(api, finance).post(
        f"{API}/invoices/{invoice.pk}/credit-notes/",
        {"fapiao_number": fapiao(), "reason": "开错"},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["total"], response.json()["adjustment"]) == ("-2280.00", "-20.00")


def test_list_and_filters(api, rep, warehouse, finance, order, pump):
    line = lines_of(order)[0]
    first = invoice_issue(
        order=order, actor=finance, fapiao_number="11111111", quantities={line.pk: "1"}
    )
    second = invoice_issue(order=order, actor=finance, fapiao_number="22222222")
    note = credit_note_issue(invoice=second, actor=finance, fapiao_number="33333333", reason="x")
    Invoice.objects.filter(pk=first.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=3),
        issue_date=timezone.localdate() - dt.timedelta(days=3),
    )
    other = shipped_order(rep, warehouse, (pump, "1"))
    elsewhere = invoice_issue(order=other, actor=finance, fapiao_number="44444444")
    as_user(api, finance)

    def ids(**params):
        response = api.get(f"{API}/invoices/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [elsewhere.pk, note.pk, second.pk, first.pk]
    assert ids(q="2222") == [second.pk]
    assert ids(q=order.number) == [note.pk, second.pk, first.pk]
    assert ids(customer=other.customer_id) == [elsewhere.pk]
    assert ids(order=order.pk) == [note.pk, second.pk, first.pk]
    assert ids(kind="credit_note") == [note.pk]
    assert ids(open="true") == [elsewhere.pk, first.pk]  # the second is credited in full
    assert ids(overdue="true") == [first.pk]
    today = timezone.localdate()
    assert ids(date_to=(today - dt.timedelta(days=1)).isoformat()) == [first.pk]
    assert ids(date_from=today.isoformat()) == [elsewhere.pk, note.pk, second.pk]
    assert api.get(f"{API}/invoices/", {"overdue": "true"}).json()["results"][0]["overdue"]
    assert bad_fields(api.get(f"{API}/invoices/", {"kind": "x", "date_from": "tomorrow"})) == {
        "kind",
        "date_from",
    }
    assert bad_fields(
        api.get(f"{API}/invoices/", {"date_from": "2026-02-02", "date_to": "2026-02-01"})
    ) == {"date_to"}


def test_the_orders_invoices(api, finance, order):
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    response = as_user(api, finance).get(f"{API}/orders/{order.pk}/invoices/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [invoice.pk]


# --- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, {"fapiao_number"}),
        ({"fapiao_number": "1234"}, {"fapiao_number"}),
        ({"fapiao_number": "12345678", "invoice_type": "receipt"}, {"invoice_type"}),
        ({"fapiao_number": "12345678", "issue_date": "23/11/2026"}, {"issue_date"}),
        ({"fapiao_number": "12345678", "issue_date": "2999-01-01"}, {"issue_date"}),
        (
            {"fapiao_number": "12345678", "lines": [{"line": "LINE", "quantity": "1"}]},
            {"lines.0.line"},
        ),
        (
            {"fapiao_number": "12345678", "lines": [{"line": 0, "quantity": "abc"}]},
            {"lines.0.quantity"},
        ),
        (
            {"fapiao_number": "12345678", "lines": [{"line": 0, "quantity": "1.0001"}]},
            {"lines.0.quantity"},
        ),
        (
            {"fapiao_number": "12345678", "lines": [{"line": 0, "quantity": "1e20"}]},
            {"lines.0.quantity"},
        ),
        ({"fapiao_number": "12345678", "lines": [{"line": 0}]}, {"lines.0.quantity"}),
        ({"fapiao_number": "12345678", "lines": "all"}, {"lines.non_field_errors"}),
        (
            {"fapiao_number": "12345678", "lines": [{"line": 0, "quantity": "1"}] * 2},
            {"lines"},
        ),
        ({"fapiao_number": "12345678", "lines": [{"line": 0, "quantity": "2.5"}]}, {"lines.LINE"}),
        ({"fapiao_number": "12345678", "lines": [{"line": 0, "quantity": "-1"}]}, {"lines.LINE"}),
        (
            {"fapiao_number": "12345678", "lines": [{"line": 999999, "quantity": "1"}]},
            {"lines.999999"},
        ),
        ({"fapiao_number": "12345678", "lines": []}, {"lines"}),
    ],
)
def test_bad_invoice_input_is_named_and_nothing_is_written(api, finance, order, body, fields):
    line = lines_of(order)[0]

    def resolve(value):
        if isinstance(value, list):
            return [resolve(x) for x in value]
        if isinstance(value, dict):
            return {k: line.pk if k == "line" and v == 0 else resolve(v) for k, v in value.items()}
        return value

    before = finance_state(order)

    response = as_user(api, finance).post(
        f"{API}/orders/{order.pk}/invoices/", resolve(body), format="json"
    )

    expected = {f.replace("LINE", str(line.pk)) for f in fields}
    assert bad_fields(response) == expected
    assert finance_state(order) == before


def test_duplicate_fapiao_number_is_named(api, finance, order):
    line = lines_of(order)[0]
    invoice_issue(order=order, actor=finance, fapiao_number="12345678", quantities={line.pk: "1"})
    before = finance_state(order)

    response = as_user(api, finance).post(
        f"{API}/orders/{order.pk}/invoices/", {"fapiao_number": "12345678"}, format="json"
    )

    assert bad_fields(response) == {"fapiao_number"}
    assert response.json()["extra"]["fields"]["fapiao_number"] == [
        "This fapiao number is already recorded."
    ]
    assert finance_state(order) == before


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"fapiao_number": "87654321"}, {"reason"}),
        ({"reason": "x"}, {"fapiao_number"}),
        ({"fapiao_number": "876", "reason": "x"}, {"fapiao_number"}),
        (
            {"fapiao_number": "87654321", "reason": "x", "lines": [{"invoice_line": 1}]},
            {"lines.0.quantity"},
        ),
        (
            {
                "fapiao_number": "87654321",
                "reason": "x",
                "lines": [{"invoice_line": 999999, "quantity": "1"}],
            },
            {"lines.999999"},
        ),
    ],
)
def test_bad_credit_note_input(api, finance, order, body, fields):
    invoice = invoice_issue(order=order, actor=finance, fapiao_number="12345678")
    before = finance_state(order)

    response = as_user(api, finance).post(
        f"{API}/invoices/{invoice.pk}/credit-notes/", body, format="json"
    )

    assert bad_fields(response) == fields
    assert finance_state(order) == before


def test_crediting_more_than_is_left_is_named(api, finance, order):
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    source = invoice.lines.get()
    before = finance_state(order)

    response = as_user(api, finance).post(
        f"{API}/invoices/{invoice.pk}/credit-notes/",
        {
            "fapiao_number": fapiao(),
            "reason": "x",
            "lines": [{"invoice_line": source.pk, "quantity": "3"}],
        },
        format="json",
    )

    assert bad_fields(response) == {f"lines.{source.pk}"}
    assert finance_state(order) == before


def test_a_credit_note_of_a_credit_note_is_refused(api, finance, order):
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    note = credit_note_issue(invoice=invoice, actor=finance, fapiao_number=fapiao(), reason="x")
    before = finance_state(order)

    response = as_user(api, finance).post(
        f"{API}/invoices/{note.pk}/credit-notes/",
        {"fapiao_number": fapiao(), "reason": "x"},
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert finance_state(order) == before


def test_invoicing_an_order_in_the_wrong_state_is_409(api, rep, warehouse, finance, pump):
    order = order_for(rep, (pump, "1"), warehouse=warehouse)  # ready to ship, nothing shipped
    before = finance_state(order)

    response = as_user(api, finance).post(
        f"{API}/orders/{order.pk}/invoices/", {"fapiao_number": fapiao()}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["extra"] == {"status": S.READY_TO_SHIP}
    assert finance_state(order) == before


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, code", READERS.items())
def test_who_may_read(api, rep, finance, order, role, code):
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    as_user(api, role_user(role, rep))

    for url in (
        f"{API}/invoices/",
        f"{API}/invoices/{invoice.pk}/",
        f"{API}/orders/{order.pk}/invoices/",
        f"{API}/orders/{order.pk}/invoiceable/",
    ):
        response = api.get(url)
        assert response.status_code == code, url
        if code == 403:
            assert response.json()["code"] == "permission_denied"
    if code == 200:
        assert [r["id"] for r in api.get(f"{API}/invoices/").json()["results"]] == [invoice.pk]


@pytest.mark.parametrize("role, code", WRITERS.items())
def test_who_may_invoice_and_credit(api, rep, finance, order, role, code):
    invoice = invoice_issue(
        order=order, actor=finance, fapiao_number=fapiao(), quantities={lines_of(order)[0].pk: "1"}
    )
    before = finance_state(order)
    as_user(api, role_user(role, rep))

    issued = api.post(
        f"{API}/orders/{order.pk}/invoices/", {"fapiao_number": fapiao()}, format="json"
    )
    credited = api.post(
        f"{API}/invoices/{invoice.pk}/credit-notes/",
        {"fapiao_number": fapiao(), "reason": "x"},
        format="json",
    )

    assert (issued.status_code, credited.status_code) == (code, code)
    if code == 403:
        assert finance_state(order) == before


def test_other_reps_records_are_not_found(api, rep, other_rep, finance, order):
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    as_user(api, other_rep)

    for url in (
        f"{API}/invoices/{invoice.pk}/",
        f"{API}/orders/{order.pk}/invoices/",
        f"{API}/orders/{order.pk}/invoiceable/",
    ):
        response = api.get(url)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), url
    assert api.get(f"{API}/invoices/").json()["results"] == []
    assert api.get(f"{API}/invoices/", {"order": order.pk}).json()["results"] == []


def test_signed_out_is_401(api, order):
    assert api.get(f"{API}/invoices/").status_code == 401
    assert api.post(f"{API}/orders/{order.pk}/invoices/", {}, format="json").status_code == 401


# --- query counts ---------------------------------------------------------------------------------
def _documents(order, finance, count: int) -> None:
    """`count` invoices and credit notes (every second document a credit note)."""
    line = lines_of(order)[0]
    made = 0
    while made < count:
        invoice = invoice_issue(
            order=order, actor=finance, fapiao_number=fapiao(), quantities={line.pk: "1"}
        )
        made += 1
        if made < count:
            credit_note_issue(
                invoice=invoice,
                actor=finance,
                fapiao_number=fapiao(),
                reason="x",
                quantities={invoice.lines.get().pk: "0.5"},
            )
            made += 1


def test_the_list_takes_the_same_queries_for_3_or_20(
    api, rep, warehouse, finance, pump, django_assert_max_num_queries
):
    order = shipped_order(rep, warehouse, (pump, "20"))
    _documents(order, finance, 3)
    assert_list_queries_flat(
        api,
        f"{API}/invoices/",
        (finance, rep),
        lambda: _documents(order, finance, 17),
        django_assert_max_num_queries,
        {"open": "true", "q": "IV"},
    )
