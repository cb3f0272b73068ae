"""The finance lists read in a fixed number of queries: the same for 3 rows as for 20."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from finance.models import Allocation, Invoice, Receipt
from tests.factories import CustomerFactory

from .test_views_helpers import shipped_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(rep, warehouse, mts):
    return shipped_order(rep, warehouse, mts, qty="1")


def add_rows(order, finance, n: int, start: int) -> None:
    """n invoices (each for its own customer, some overdue) and n partly allocated receipts."""
    today = timezone.localdate()
    for k in range(start, start + n):
        customer = CustomerFactory(account_manager=order.owner)
        invoice = Invoice.objects.create(
            number=f"IVT{k:05d}",
            invoice_type="vat_special",
            fapiao_number=f"{30000000 + k}",
            order=order,
            customer=customer,
            issue_date=today - dt.timedelta(days=k),
            due_date=today - dt.timedelta(days=k * 5),
            amount_excl=Decimal("100.00"),
            tax_amount=Decimal("13.00"),
            total=Decimal("113.00"),
            allocated=Decimal("10.00"),
            created_by=finance,
        )
        receipt = Receipt.objects.create(
            number=f"RCT{k:05d}",
            customer=customer,
            amount=Decimal("50.00"),
            allocated=Decimal("10.00"),
            received_on=today,
            payer=customer.name,
            created_by=finance,
        )
        Allocation.objects.create(
            receipt=receipt,
            order=order,
            invoice=invoice,
            amount=Decimal("10.00"),
            created_by=finance,
        )


def queries(client, url) -> int:
    client.get(url)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["finance", "rep"])
def test_list_queries_do_not_grow_with_rows(client, request, order, finance, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    urls = [
        reverse("finance:invoice_list"),
        reverse("finance:invoice_list") + "?open=1&overdue=1",
        reverse("finance:receipt_list"),
        reverse("finance:receipt_list") + "?unallocated=1",
        reverse("finance:receivables"),
        reverse("finance:home"),
    ]
    add_rows(order, finance, 3, 1)
    small = {url: queries(client, url) for url in urls}
    add_rows(order, finance, 17, 100)
    large = {url: queries(client, url) for url in urls}
    assert small == large
    assert len(client.get(urls[0]).context["invoices"]) == 20
    assert len(client.get(urls[4]).context["rows"]) == 20


def test_list_query_budget(client, order, finance, django_assert_max_num_queries):
    add_rows(order, finance, 20, 1)
    client.force_login(finance)
    for name, budget in (("finance:invoice_list", 8), ("finance:receipt_list", 8)):
        client.get(reverse(name))
        with django_assert_max_num_queries(budget):
            client.get(reverse(name))
