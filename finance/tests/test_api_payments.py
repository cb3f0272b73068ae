"""Payments (receipts) and allocations API (ISSUE 6 item 7): exact bodies, the permission matrix,
bad input named by field with nothing written, other reps' records not found, lists in a fixed
number of queries."""

from decimal import Decimal

import pytest
from django.utils import timezone

from finance.models import Allocation, Receipt
from finance.services import allocation_create, allocation_reverse, invoice_issue, receipt_record
from orders.enums import OrderStatus as S
from orders.tests.helpers import force_status
from tests.factories import CustomerFactory

from .api_helpers import (
    API,
    READERS,
    WRITERS,
    as_user,
    assert_list_queries_flat,
    bad_fields,
    query_count,
    role_user,
)
from .builders import finance_state, product, shipped_order

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def order(rep, warehouse):
    return shipped_order(rep, warehouse, (product("1130.0000"), "3"), name="杭州甲方机电有限公司")


@pytest.fixture
def invoice(order, finance):
    return invoice_issue(order=order, actor=finance, fapiao_number="12345678")


def _allocation_body(allocation, **overrides) -> dict:
    allocation = Allocation.objects.select_related("receipt", "order", "invoice").get(
        pk=allocation.pk
    )
    body = {
        "id": allocation.pk,
        "receipt": allocation.receipt_id,
        "receipt_number": allocation.receipt.number,
        "order": allocation.order_id,
        "order_number": allocation.order.number,
        "invoice": allocation.invoice_id,
        "invoice_number": allocation.invoice.number if allocation.invoice else None,
        "fapiao_number": allocation.invoice.fapiao_number if allocation.invoice else None,
        "amount": str(allocation.amount),
        "created_by_name": "finance",
        "is_reversed": False,
        "reversed_at": None,
        "reversed_by_name": None,
        "reverse_reason": "",
    }
    return body | overrides


def _without(body: dict, *keys) -> dict:
    return {k: v for k, v in body.items() if k not in keys}


# --- happy paths ----------------------------------------------------------------------------------
def test_record_a_payment_allocated_at_once(api, finance, order, invoice):
    today = timezone.localdate()

    response = as_user(api, finance).post(
        f"{API}/payments/",
        {
            "customer": order.customer_id,
            "amount": "5000.00",
            "received_on": today.isoformat(),
            "method": "bank_transfer",
            "payer": "杭州甲方机电有限公司财务部",
            "bank_reference": "CMB20261123-01",
            "remarks": "11月货款",
            "allocations": [{"order": order.pk, "invoice": invoice.pk, "amount": "3390.00"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    receipt = Receipt.objects.get()
    [allocation] = body.pop("allocations")
    assert body.pop("created_at")
    assert body == {
        "id": receipt.pk,
        "number": f"RC{today:%Y%m%d}001",
        "customer": order.customer_id,
        "customer_name": "杭州甲方机电有限公司",
        "amount": "5000.00",
        "received_on": today.isoformat(),
        "method": "bank_transfer",
        "method_display": "Bank transfer (电汇)",
        "payer": "杭州甲方机电有限公司财务部",
        "bank_reference": "CMB20261123-01",
        "remarks": "11月货款",
        "allocated": "3390.00",
        "unallocated": "1610.00",
    }
    assert allocation.pop("created_at")
    assert allocation == _without(_allocation_body(receipt.allocations.get()), "created_at")
    assert allocation["amount"] == "3390.00" and allocation["invoice"] == invoice.pk


def test_a_minimal_payment(api, finance, order):
    response = as_user(api, finance).post(
        f"{API}/payments/", {"customer": order.customer_id, "amount": "100"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["payer"], body["method"], body["received_on"], body["allocations"]) == (
        "杭州甲方机电有限公司",
        "bank_transfer",
        timezone.localdate().isoformat(),
        [],
    )


def test_allocate_and_reverse(api, finance, order, invoice):
    receipt = receipt_record(customer=order.customer, actor=finance, amount="1000")
    as_user(api, finance)

    created = api.post(
        f"{API}/payments/{receipt.pk}/allocations/",
        {"invoice": invoice.pk, "amount": "400.50"},  # the order follows from the invoice
        format="json",
    )

    assert created.status_code == 201, created.json()
    allocation = Allocation.objects.get()
    assert _without(created.json(), "created_at") == _without(
        _allocation_body(allocation), "created_at"
    )
    assert created.json()["order"] == order.pk

    reversed_ = api.post(
        f"{API}/allocations/{allocation.pk}/reverse/", {"reason": "付款人错误"}, format="json"
    )

    assert reversed_.status_code == 200
    body = reversed_.json()
    assert body["reversed_at"]
    assert _without(body, "created_at", "reversed_at") == _without(
        _allocation_body(
            allocation, is_reversed=True, reversed_by_name="finance", reverse_reason="付款人错误"
        ),
        "created_at",
        "reversed_at",
    )
    detail = api.get(f"{API}/payments/{receipt.pk}/").json()
    assert (detail["allocated"], detail["unallocated"]) == ("0.00", "1000.00")
    assert [a["is_reversed"] for a in detail["allocations"]] == [True]

    again = api.post(f"{API}/allocations/{allocation.pk}/reverse/", {"reason": "x"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


def test_money_for_the_order_goes_to_its_open_invoice(api, finance, order, invoice):
    receipt = receipt_record(customer=order.customer, actor=finance, amount="1000")

    response = as_user(api, finance).post(
        f"{API}/payments/{receipt.pk}/allocations/",
        {"order": order.pk, "amount": "1000.00"},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["invoice"], response.json()["fapiao_number"]) == (
        invoice.pk,
        "12345678",
    )


def test_lists_and_filters(api, finance, order, invoice):
    first = receipt_record(
        customer=order.customer, actor=finance, amount="100", bank_reference="REF-A"
    )
    second = receipt_record(customer=CustomerFactory(), actor=finance, amount="200")
    kept = allocation_create(
        receipt=first, actor=finance, order=order, invoice=invoice, amount="60"
    )
    gone = allocation_create(
        receipt=first, actor=finance, order=order, invoice=invoice, amount="40"
    )
    allocation_reverse(allocation=gone, actor=finance, reason="x")
    as_user(api, finance)

    def ids(url, **params):
        response = api.get(url, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(f"{API}/payments/") == [second.pk, first.pk]
    assert ids(f"{API}/payments/", q="REF-A") == [first.pk]
    assert ids(f"{API}/payments/", customer=order.customer_id) == [first.pk]
    assert ids(f"{API}/payments/", unallocated="true") == [second.pk, first.pk]
    assert ids(f"{API}/allocations/") == [kept.pk]
    assert ids(f"{API}/allocations/", include_reversed="true") == [kept.pk, gone.pk]
    assert ids(f"{API}/allocations/", payment=second.pk) == []
    assert ids(f"{API}/allocations/", invoice=invoice.pk, order=order.pk) == [kept.pk]
    assert bad_fields(api.get(f"{API}/payments/", {"date_from": "x", "customer": "y"})) == {
        "date_from",
        "customer",
    }
    assert bad_fields(api.get(f"{API}/allocations/", {"order": "SO1"})) == {"order"}


# --- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, {"customer", "amount"}),
        ({"customer": 999999, "amount": "1"}, {"customer"}),
        ({"amount": "-1"}, {"amount"}),
        ({"amount": "0"}, {"amount"}),
        ({"amount": "1.001"}, {"amount"}),
        ({"amount": "1e30"}, {"amount"}),
        ({"amount": "1", "received_on": "2999-01-01"}, {"received_on"}),
        ({"amount": "1", "method": "bitcoin"}, {"method"}),
        ({"amount": "1", "payer": "付" * 201}, {"payer"}),
        ({"amount": "1", "allocations": [{"amount": "1"}]}, {"allocations.0.order"}),
        (
            {"amount": "1", "allocations": [{"order": 999999, "amount": "1"}]},
            {"allocations.0.order"},
        ),
        (
            {"amount": "10", "allocations": [{"order": "ORDER", "amount": "11"}]},
            {"allocations.0.amount"},
        ),
        (
            {"amount": "5000", "allocations": [{"order": "ORDER", "amount": "4000"}]},
            {"allocations.0.amount"},
        ),
    ],
)
def test_bad_payment_input_is_named_and_nothing_is_written(api, finance, order, body, fields):
    body = {"customer": order.customer_id} | body if "customer" not in body and body else body
    for item in body.get("allocations", []):
        if item.get("order") == "ORDER":
            item["order"] = order.pk
    before = finance_state(order)

    response = as_user(api, finance).post(f"{API}/payments/", body, format="json")

    assert bad_fields(response) == fields
    assert finance_state(order) == before


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"amount": "1"}, {"order"}),
        ({"order": "ORDER"}, {"amount"}),
        ({"order": "ORDER", "amount": "abc"}, {"amount"}),
        ({"order": "ORDER", "amount": "1000.01"}, {"amount"}),  # the receipt has 1000
        ({"invoice": "INVOICE", "amount": "999.99", "order": "OTHER"}, {"invoice"}),
        ({"order": "STRANGER", "amount": "1"}, {"order"}),
    ],
)
def test_bad_allocation_input(api, rep, warehouse, finance, order, invoice, body, fields):
    receipt = receipt_record(customer=order.customer, actor=finance, amount="1000")
    other = shipped_order(rep, warehouse, (product("10"), "1"), customer=order.customer)
    stranger = shipped_order(rep, warehouse, (product("10"), "1"))
    ids = {"ORDER": order.pk, "INVOICE": invoice.pk, "OTHER": other.pk, "STRANGER": stranger.pk}
    body = {k: ids.get(v, v) for k, v in body.items()}
    before = finance_state()

    response = as_user(api, finance).post(
        f"{API}/payments/{receipt.pk}/allocations/", body, format="json"
    )

    assert bad_fields(response) == fields
    assert finance_state() == before


def test_reversal_needs_a_reason(api, finance, order):
    receipt = receipt_record(customer=order.customer, actor=finance, amount="1000")
    allocation = allocation_create(receipt=receipt, actor=finance, order=order, amount="10")
    before = finance_state(order)

    response = as_user(api, finance).post(
        f"{API}/allocations/{allocation.pk}/reverse/", {"reason": " "}, format="json"
    )

    assert bad_fields(response) == {"reason"}
    assert finance_state(order) == before


def test_a_settled_orders_allocations_are_locked(api, finance, order):
    receipt = receipt_record(customer=order.customer, actor=finance, amount="1000")
    allocation = allocation_create(receipt=receipt, actor=finance, order=order, amount="10")
    force_status(order, S.SETTLED)
    before = finance_state(order)
    as_user(api, finance)

    reversed_ = api.post(f"{API}/allocations/{allocation.pk}/reverse/", {"reason": "x"})
    added = api.post(
        f"{API}/payments/{receipt.pk}/allocations/", {"order": order.pk, "amount": "1"}
    )

    assert (reversed_.status_code, added.status_code) == (409, 409)
    assert finance_state(order) == before


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, code", READERS.items())
def test_who_may_read(api, rep, finance, order, role, code):
    receipt = receipt_record(customer=order.customer, actor=finance, amount="1000")
    allocation = allocation_create(receipt=receipt, actor=finance, order=order, amount="10")
    as_user(api, role_user(role, rep))

    for url in (f"{API}/payments/", f"{API}/payments/{receipt.pk}/", f"{API}/allocations/"):
        assert api.get(url).status_code == code, url
    if code == 200:
        assert [r["id"] for r in api.get(f"{API}/payments/").json()["results"]] == [receipt.pk]
        assert [r["id"] for r in api.get(f"{API}/allocations/").json()["results"]] == [
            allocation.pk
        ]


@pytest.mark.parametrize("role, code", WRITERS.items())
def test_who_may_write(api, rep, finance, order, role, code):
    receipt = receipt_record(customer=order.customer, actor=finance, amount="1000")
    existing = allocation_create(receipt=receipt, actor=finance, order=order, amount="10")
    before = finance_state(order)
    as_user(api, role_user(role, rep))

    recorded = api.post(
        f"{API}/payments/", {"customer": order.customer_id, "amount": "5"}, format="json"
    )
    allocated = api.post(
        f"{API}/payments/{receipt.pk}/allocations/",
        {"order": order.pk, "amount": "5"},
        format="json",
    )
    reversed_ = api.post(
        f"{API}/allocations/{existing.pk}/reverse/", {"reason": "x"}, format="json"
    )

    assert (recorded.status_code, allocated.status_code) == (code, code)
    assert reversed_.status_code == (200 if code == 201 else 403)
    if code == 403:
        assert finance_state(order) == before


def test_other_reps_records_are_not_found(api, other_rep, finance, order):
    receipt = receipt_record(customer=order.customer, actor=finance, amount="1000")
    allocation_create(receipt=receipt, actor=finance, order=order, amount="10")
    as_user(api, other_rep)

    response = api.get(f"{API}/payments/{receipt.pk}/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api.get(f"{API}/payments/").json()["results"] == []
    assert api.get(f"{API}/allocations/").json()["results"] == []


# --- query counts ---------------------------------------------------------------------------------
def _receipts(order, finance, invoice, count):
    for _ in range(count):
        receipt = receipt_record(customer=order.customer, actor=finance, amount="10")
        allocation_create(receipt=receipt, actor=finance, order=order, invoice=invoice, amount="10")


@pytest.mark.parametrize("url", [f"{API}/payments/", f"{API}/allocations/"])
def test_lists_take_the_same_queries_for_3_or_20(
    api, rep, finance, order, invoice, url, django_assert_max_num_queries
):
    _receipts(order, finance, invoice, 3)
    assert_list_queries_flat(
        api,
        url,
        (finance, rep),
        lambda: _receipts(order, finance, invoice, 17),
        django_assert_max_num_queries,
    )


def test_the_payment_detail_takes_the_same_queries_for_3_or_20_allocations(api, finance, order):
    receipt = receipt_record(customer=order.customer, actor=finance, amount="1000")
    url = f"{API}/payments/{receipt.pk}/"
    for _ in range(3):
        allocation_create(receipt=receipt, actor=finance, order=order, amount="1")
    as_user(api, finance).get(url)
    few = query_count(api, url)
    for _ in range(17):
        allocation_create(receipt=receipt, actor=finance, order=order, amount="1")
    assert len(api.get(url).json()["allocations"]) == 20
    assert query_count(api, url) == few
