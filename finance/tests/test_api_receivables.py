"""Receivables and order balance API (ISSUE 6 items 4 and 7): exact bodies, ageing as of a day,
who sees whose figures, lists in a fixed number of queries; and the OpenAPI schema documents
the finance endpoints without a warning."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.roles import Role
from finance.enums import InvoiceKind
from finance.models import Invoice
from finance.services import allocation_create, invoice_issue, receipt_record
from tests.factories import CustomerFactory, UserFactory

from .api_helpers import API, as_user, assert_list_queries_flat
from .builders import fapiao, lines_of, product, shipped_order

pytestmark = pytest.mark.django_db
D = Decimal
T = dt.datetime(2026, 6, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _at(days: int):
    return time_machine.travel(T + dt.timedelta(days=days), tick=False)


@pytest.fixture
def ledger(rep, other_rep, warehouse, finance):
    """Two customers at T: 杭州甲方 (rep's, 华东) owes 3390.00 due T−40 of which 1000.00 paid,
    and has 500.00 unallocated; 广州乙方 (other rep's, 华南) owes 1130.00 due T+10."""
    with _at(-40):
        east = shipped_order(
            rep,
            warehouse,
            (product("1130.0000"), "3"),
            name="杭州甲方机电有限公司",
            short_name="甲方",
        )
        invoice = invoice_issue(order=east, actor=finance, fapiao_number=fapiao())
        receipt = receipt_record(customer=east.customer, actor=finance, amount="1500.00")
        allocation_create(
            receipt=receipt, actor=finance, order=east, invoice=invoice, amount="1000.00"
        )
    with _at(-5):
        south = shipped_order(
            other_rep,
            warehouse,
            (product("1130.0000"), "1"),
            name="广州乙方贸易有限公司",
            region="华南地区",
            credit_days=15,
        )
        invoice_issue(order=south, actor=finance, fapiao_number=fapiao())
    return {"east": east, "south": south}


def _row(customer, name, short, open_amount, buckets, unallocated):
    keys = ("not_due", "d0_30", "d31_60", "d61_90", "d90_plus")
    full = dict.fromkeys(keys, "0.00") | buckets
    overdue = sum((D(full[k]) for k in keys[1:]), D("0"))
    return {
        "customer": customer.pk,
        "customer_name": name,
        "customer_short_name": short,
        "open_amount": open_amount,
        "overdue": f"{overdue:.2f}",
        "buckets": full,
        "unallocated": unallocated,
    }


def test_receivables_by_customer(api, finance, ledger):
    with _at(0):
        response = as_user(api, finance).get(f"{API}/receivables/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            _row(
                ledger["east"].customer,
                "杭州甲方机电有限公司",
                "甲方",
                "2390.00",
                {"d31_60": "2390.00"},
                "500.00",
            ),
            _row(
                ledger["south"].customer,
                "广州乙方贸易有限公司",
                "",
                "1130.00",
                {"not_due": "1130.00"},
                "0.00",
            ),
        ],
    }


def test_receivables_as_of_and_by_region(api, finance, ledger):
    as_user(api, finance)
    with _at(0):
        later = api.get(f"{API}/receivables/", {"as_of": "2026-07-11"}).json()["results"]
        south = api.get(f"{API}/receivables/", {"region": "华南地区"}).json()["results"]
        one = api.get(f"{API}/receivables/", {"customer": ledger["east"].customer_id}).json()

    assert [(r["customer"], r["buckets"]["d0_30"]) for r in later] == [
        (ledger["east"].customer_id, "0.00"),
        (ledger["south"].customer_id, "1130.00"),  # due 07-10: one day late on 07-11
    ]
    assert later[0]["buckets"]["d31_60"] == "2390.00"  # 51 days late
    assert [r["customer"] for r in south] == [ledger["south"].customer_id]
    assert [r["customer"] for r in one["results"]] == [ledger["east"].customer_id]


def test_summary(api, finance, ledger):
    with _at(0):
        response = as_user(api, finance).get(f"{API}/receivables/summary/")

    assert response.status_code == 200
    assert response.json() == {
        "as_of": "2026-06-30",
        "open_amount": "3520.00",
        "overdue": "2390.00",
        "buckets": {
            "not_due": "1130.00",
            "d0_30": "0.00",
            "d31_60": "2390.00",
            "d61_90": "0.00",
            "d90_plus": "0.00",
        },
        "sales_90_days": "4520.00",
        "dso": "70.1",  # 3520 ÷ 4520 × 90 = 70.09
    }


def test_summary_by_region_and_as_of(api, finance, ledger):
    as_user(api, finance)
    with _at(0):
        south = api.get(f"{API}/receivables/summary/", {"region": "华南地区"}).json()
        earlier = api.get(f"{API}/receivables/summary/", {"as_of": "2026-05-21"}).json()
    assert (south["open_amount"], south["overdue"], south["dso"]) == ("1130.00", "0.00", "90.0")
    # On the day the first invoice fell due nothing was late, and the second was not issued.
    assert (earlier["as_of"], earlier["open_amount"], earlier["buckets"]["not_due"]) == (
        "2026-05-21",
        "2390.00",
        "2390.00",
    )
    assert (earlier["sales_90_days"], earlier["dso"]) == ("3390.00", "63.5")


@pytest.mark.parametrize("params", [{"as_of": "30/06/2026"}, {"customer": "甲方"}])
def test_bad_filters_are_named(api, finance, params):
    for url in (f"{API}/receivables/", f"{API}/receivables/summary/"):
        response = as_user(api, finance).get(url, params)
        assert response.status_code == 400
        assert set(response.json()["extra"]["fields"]) == set(params)


def test_order_balance(api, rep, finance, ledger):
    order = ledger["east"]

    response = as_user(api, rep).get(f"{API}/orders/{order.pk}/balance/")

    assert response.status_code == 200
    assert response.json() == {
        "order": order.pk,
        "order_number": order.number,
        "status": "shipped",
        "total": "3390.00",
        "deliverable": "3390.00",
        "invoiced": "3390.00",
        "paid": "1000.00",
        "uninvoiced": "0.00",
        "unpaid": "2390.00",
        "outstanding": "2390.00",
    }


def test_balance_of_a_partly_shipped_order_with_freight(api, rep, warehouse, finance):
    order = shipped_order(
        rep,
        warehouse,
        (product("100.0000"), "10"),
        quantities={0: "4"},
        header={"freight": D("30.00"), "discount": D("10.00")},
    )
    invoice_issue(
        order=order, actor=finance, fapiao_number=fapiao(), quantities={lines_of(order)[0].pk: "3"}
    )
    body = as_user(api, finance).get(f"{API}/orders/{order.pk}/balance/").json()
    assert {k: body[k] for k in ("total", "deliverable", "invoiced", "uninvoiced")} == {
        "total": "1020.00",
        "deliverable": "420.00",  # 4 × 100 + 30 − 10
        "invoiced": "320.00",  # 3 × 100 + 20 on the first invoice
        "uninvoiced": "100.00",
    }


# --- who may --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role, code",
    [
        (Role.SALES_HEAD, 200),
        (Role.GM, 200),
        (Role.FINANCE, 200),
        (Role.ADMIN, 200),
        (Role.PRODUCTION, 403),
        (Role.WAREHOUSE, 403),
    ],
)
def test_who_may_read(api, ledger, role, code):
    as_user(api, UserFactory(roles=[role]))
    with _at(0):
        for url in (
            f"{API}/receivables/",
            f"{API}/receivables/summary/",
            f"{API}/orders/{ledger['east'].pk}/balance/",
        ):
            response = api.get(url)
            assert response.status_code == code, url
        if code == 200:
            assert api.get(f"{API}/receivables/").json()["count"] == 2
            assert api.get(f"{API}/receivables/summary/").json()["open_amount"] == "3520.00"


def test_reps_see_their_own_customers_only(api, rep, other_rep, ledger):
    with _at(0):
        as_user(api, rep)
        mine = api.get(f"{API}/receivables/").json()["results"]
        summary = api.get(f"{API}/receivables/summary/").json()
        foreign = api.get(f"{API}/orders/{ledger['south'].pk}/balance/")
        as_user(api, other_rep)
        theirs = api.get(f"{API}/receivables/").json()["results"]
        as_user(api, UserFactory(roles=[Role.SALES_REP]))
        nobody = api.get(f"{API}/receivables/").json()["results"]

    assert [r["customer"] for r in mine] == [ledger["east"].customer_id]
    assert (summary["open_amount"], summary["sales_90_days"]) == ("2390.00", "3390.00")
    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")
    assert [r["customer"] for r in theirs] == [ledger["south"].customer_id]
    assert nobody == []


def test_signed_out_is_401(api):
    assert api.get(f"{API}/receivables/").status_code == 401
    assert api.get(f"{API}/receivables/summary/").status_code == 401


# --- query counts ---------------------------------------------------------------------------------
def test_receivables_take_the_same_queries_for_3_or_20_customers(
    api, rep, warehouse, finance, django_assert_max_num_queries
):
    order = shipped_order(rep, warehouse, (product("10.0000"), "1"))
    template = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())

    def customers(count):
        for _ in range(count):
            customer = CustomerFactory(account_manager=rep)
            # Open invoices on 20 customers without 20 order flows: copies of one invoice.
            Invoice.objects.create(
                number=f"IVX{Invoice.objects.count():05d}",
                kind=InvoiceKind.NORMAL,
                invoice_type=template.invoice_type,
                fapiao_number=fapiao(),
                order=order,
                customer=customer,
                issue_date=template.issue_date,
                due_date=template.due_date,
                amount_excl=template.amount_excl,
                tax_amount=template.tax_amount,
                total=template.total,
                created_by=finance,
            )
            receipt_record(customer=customer, actor=finance, amount="1")

    customers(2)  # and the template's customer: 3
    url = f"{API}/receivables/"
    assert_list_queries_flat(
        api, url, (finance, rep), lambda: customers(17), django_assert_max_num_queries
    )


def test_schema_documents_the_finance_endpoints_without_warnings(client):
    """The finance endpoints on their own generate no warning or error (the whole schema is
    checked with `manage.py spectacular --validate --fail-on-warn`), and the served schema
    lists them."""
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    patterns = [path("api/v1/", include(("finance.api.urls", "api"), namespace="api"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)) == ({}, {})

    served = client.get("/api/schema/")
    assert served.status_code == 200
    text = served.content.decode()
    for url in (
        "/api/v1/invoices/",
        "/api/v1/invoices/{id}/",
        "/api/v1/invoices/{id}/credit-notes/",
        "/api/v1/orders/{order_id}/invoices/",
        "/api/v1/orders/{order_id}/invoiceable/",
        "/api/v1/orders/{order_id}/balance/",
        "/api/v1/payments/",
        "/api/v1/payments/{id}/",
        "/api/v1/payments/{id}/allocations/",
        "/api/v1/allocations/",
        "/api/v1/allocations/{id}/reverse/",
        "/api/v1/receivables/",
        "/api/v1/receivables/summary/",
    ):
        assert url in schema["paths"], url
        assert url in text, url
