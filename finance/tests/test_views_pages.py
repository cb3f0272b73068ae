"""The finance pages' happy paths: issue an invoice from the order's shipped quantities, a credit
note, record a receipt, allocate it (the order settles), reverse an allocation, the lists, the
receivables page, the home page's figures and the order page's finance section."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from finance.models import Allocation, Invoice, Receipt
from finance.services import allocation_create, invoice_issue, receipt_record
from finance.views.sections import order_finance_section
from fulfillment.tests.conftest import approve_fully, order_of
from orders.enums import OrderStatus as S
from orders.lifecycle import order_page_sections
from tests.factories import CustomerFactory

from .test_views_helpers import deliver, fapiao, shipped_order

pytestmark = pytest.mark.django_db


def test_issue_form_shows_lines_and_issues_the_invoice(client, rep, warehouse, finance, mts):
    order = shipped_order(rep, warehouse, mts, qty="5", ship="3")
    line = order.lines.get()
    client.force_login(finance)
    url = reverse("finance:invoice_create", args=[order.pk])

    page = client.get(url)
    assert page.status_code == 200
    row = page.context["rows"][0]
    assert (row["line"].quantity, row["invoiced"], row["invoiceable"]) == (
        Decimal("5"),
        Decimal("0"),
        Decimal("3"),
    )
    form = page.context["form"]
    assert form[f"qty_{line.pk}"].value() == "3"
    assert form["invoice_type"].value() == order.invoice_type
    assert form["issue_date"].value() == timezone.localdate()

    response = client.post(
        url,
        {
            f"qty_{line.pk}": "2",
            "fapiao_number": "12345678",
            "invoice_type": order.invoice_type,
            "issue_date": timezone.localdate().isoformat(),
            "remarks": "第一批",
        },
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("finance:invoice_detail", args=[invoice.pk])
    assert invoice.lines.get().quantity == Decimal("2")
    assert invoice.total == (line.unit_price * 2).quantize(Decimal("0.01"))
    assert invoice.remarks == "第一批"

    detail = client.get(response.url)
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "12345678" in html and invoice.total_in_words in html
    # What is left: 1 shipped unit.
    again = client.get(url)
    assert again.context["rows"][0]["invoiceable"] == Decimal("1")


def test_credit_note_partial_and_reverse_all(client, rep, warehouse, finance, mts):
    order = shipped_order(rep, warehouse, mts, qty="3")
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    line = invoice.lines.get()
    client.force_login(finance)
    url = reverse("finance:credit_note_create", args=[invoice.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            f"qty_{line.pk}": "1",
            "fapiao_number": "87654321",
            "issue_date": timezone.localdate().isoformat(),
            "reason": "价格调整",
        },
    )
    assert response.status_code == 302
    note = Invoice.objects.get(fapiao_number="87654321")
    assert note.kind == "credit_note" and note.original_id == invoice.pk
    assert note.lines.get().quantity == Decimal("-1")

    response = client.post(
        url,
        {
            "reverse_all": "on",
            f"qty_{line.pk}": "garbage is ignored when reversing all",
            "fapiao_number": "87654322",
            "issue_date": timezone.localdate().isoformat(),
            "reason": "整张作废",
        },
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.net_total == Decimal("0.00")
    page = client.get(url)
    assert page.context["form"] is None  # nothing left to reverse
    assert "Nothing is left to reverse" in page.content.decode()


def test_receipt_record_allocate_settles_delivered_order(client, rep, warehouse, finance, mts):
    order = deliver(shipped_order(rep, warehouse, mts, qty="2"), warehouse)
    assert order.status == S.DELIVERED
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    client.force_login(finance)

    assert client.get(reverse("finance:receipt_create")).status_code == 200
    response = client.post(
        reverse("finance:receipt_create"),
        {
            "customer": order.customer_id,
            "amount": "100,000.00",
            "received_on": timezone.localdate().isoformat(),
            "method": "bank_transfer",
            "payer": "",
            "bank_reference": "CMB-001",
        },
    )
    receipt = Receipt.objects.get()
    assert response.status_code == 302
    assert receipt.amount == Decimal("100000.00")
    assert receipt.payer == order.customer.name  # the customer by default

    detail = client.get(response.url)
    assert detail.status_code == 200
    form = detail.context["form"]
    assert [o.pk for o in form.fields["order"].queryset] == [order.pk]
    assert form["amount"].value() == receipt.unallocated

    options = client.get(
        reverse("finance:allocation_options", args=[receipt.pk]),
        {"order": order.pk, "invoice": invoice.pk},
    )
    assert options.status_code == 200
    assert options.context["form"]["amount"].value() == invoice.open_amount
    assert list(options.context["form"].fields["invoice"].queryset) == [invoice]

    response = client.post(
        reverse("finance:allocation_create", args=[receipt.pk]),
        {"order": order.pk, "invoice": invoice.pk, "amount": str(invoice.total)},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.SETTLED
    receipt.refresh_from_db()
    assert receipt.allocated == invoice.total


def test_allocation_reverse_with_reason(client, rep, warehouse, finance, mts):
    order = shipped_order(rep, warehouse, mts, qty="2")
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    receipt = receipt_record(customer=order.customer, actor=finance, amount="500")
    allocation = allocation_create(
        receipt=receipt, actor=finance, order=order, invoice=invoice, amount="500"
    )
    client.force_login(finance)
    response = client.post(
        reverse("finance:allocation_reverse", args=[allocation.pk]), {"reason": "分错客户订单"}
    )
    assert response.status_code == 302
    allocation.refresh_from_db()
    receipt.refresh_from_db()
    invoice.refresh_from_db()
    assert allocation.reversed_at is not None and allocation.reverse_reason == "分错客户订单"
    assert receipt.allocated == invoice.allocated == Decimal("0.00")


def test_lists_filter(client, rep, warehouse, finance, mts):
    first = shipped_order(rep, warehouse, mts, qty="1")
    second = shipped_order(rep, warehouse, mts, qty="1")
    a = invoice_issue(order=first, actor=finance, fapiao_number="11111111")
    b = invoice_issue(order=second, actor=finance, fapiao_number="22222222")
    Invoice.objects.filter(pk=a.pk).update(due_date=timezone.localdate() - dt.timedelta(days=5))
    receipt_record(customer=first.customer, actor=finance, amount="10")
    client.force_login(finance)
    url = reverse("finance:invoice_list")

    assert {i.pk for i in client.get(url).context["invoices"]} == {a.pk, b.pk}
    assert [i.pk for i in client.get(url, {"q": "2222"}).context["invoices"]] == [b.pk]
    assert [i.pk for i in client.get(url, {"overdue": "1"}).context["invoices"]] == [a.pk]
    by_customer = client.get(url, {"customer": second.customer_id, "open": "1"})
    assert [i.pk for i in by_customer.context["invoices"]] == [b.pk]
    # Bad filter values are shown as errors and ignored, never a 500.
    bad = client.get(url, {"date_from": "yesterday", "customer": "x", "kind": "nope"})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"date_from", "customer", "kind"}
    assert len(bad.context["invoices"]) == 2

    receipts = client.get(reverse("finance:receipt_list"), {"unallocated": "1"})
    assert receipts.status_code == 200 and len(receipts.context["receipts"]) == 1


def test_receivables_and_home(client, rep, warehouse, finance, mts):
    order = shipped_order(rep, warehouse, mts, qty="4", ship="2", region="华南地区")
    invoice = invoice_issue(
        order=order, actor=finance, fapiao_number=fapiao(), quantities={order.lines.get().pk: "1"}
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=40)
    )
    receipt_record(customer=order.customer, actor=finance, amount="50")
    client.force_login(finance)

    page = client.get(reverse("finance:receivables"))
    assert page.status_code == 200
    [row] = page.context["rows"]
    assert row["d31_60"] == invoice.total == row["overdue"] == page.context["totals"]["overdue"]
    assert row["invoices_url"].endswith(f"?customer={order.customer_id}&open=1")
    assert page.context["rows"] == list(
        client.get(reverse("finance:receivables"), {"region": "华南地区"}).context["rows"]
    )
    CustomerFactory(region="华东地区")  # a region with nothing open
    assert client.get(reverse("finance:receivables"), {"region": "华东地区"}).context["rows"] == []
    unknown = client.get(reverse("finance:receivables"), {"region": "火星"})
    assert unknown.status_code == 200 and "region" in unknown.context["form"].errors

    home = client.get(reverse("finance:home"))
    assert home.status_code == 200
    ctx = home.context
    assert ctx["summary"]["overdue"] == invoice.total
    assert [r["customer"] for r in ctx["overdue_rows"]] == [order.customer_id]
    assert ctx["to_invoice_count"] == 1
    assert ctx["to_invoice"][0].pk == order.pk
    # One shipped unit is left to invoice (lines only).
    assert ctx["to_invoice"][0].left_to_invoice == order.lines.get().unit_price
    assert (ctx["unallocated_count"], ctx["unallocated_sum"]) == (1, Decimal("50.00"))
    assert ctx["delivered_count"] == 0


def test_home_to_invoice_in_fixed_queries(
    client, rep, warehouse, finance, mts, django_assert_max_num_queries
):
    for _ in range(3):
        shipped_order(rep, warehouse, mts, qty="1")
    invoiced = shipped_order(rep, warehouse, mts, qty="1")
    invoice_issue(order=invoiced, actor=finance, fapiao_number=fapiao())  # nothing left
    # A prepayment order is invoiced on the order, from approval on, before shipping.
    prepaid = approve_fully(order_of(rep, (mts, "2"), settlement_method="prepayment"))
    client.force_login(finance)
    client.get(reverse("finance:home"))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("finance:home"))
    assert page.context["to_invoice_count"] == 4
    listed = {order.pk: order for order in page.context["to_invoice"]}
    assert invoiced.pk not in listed
    assert listed[prepaid.pk].left_to_invoice == prepaid.lines.get().amount


def test_order_section_for_finance(client, rep, warehouse, finance, mts):
    order = deliver(shipped_order(rep, warehouse, mts, qty="2"), warehouse)
    invoice = invoice_issue(
        order=order, actor=finance, fapiao_number=fapiao(), quantities={order.lines.get().pk: "1"}
    )
    request = RequestFactory().get("/")
    request.user = finance
    [section] = order_finance_section(request, order)
    assert section in order_page_sections(request, order)  # registered from FinanceConfig
    ctx = section["context"]
    assert ctx["balance"].invoiced == invoice.total
    assert ctx["invoice_url"] == reverse("finance:invoice_create", args=[order.pk])
    assert ctx["settle_by_hand"]["possible"] is False
    html = render_to_string(section["template"], {"ctx": ctx}, request=request)
    assert invoice.fapiao_number in html and "Issue invoice" in html

    client.force_login(finance)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'data-testid="order-finance"' in page and invoice.fapiao_number in page

    request.user = rep  # the customer's account manager reads, never writes
    [section] = order_finance_section(request, order)
    assert section["context"]["invoice_url"] is None


def test_order_section_hidden_before_approval_and_for_others(
    rep, other_rep, production, finance, mts, warehouse
):
    draft = order_of(rep, (mts, "1"))
    request = RequestFactory().get("/")
    request.user = finance
    assert order_finance_section(request, draft) == []
    order = shipped_order(rep, warehouse, mts, qty="1")
    for user in (other_rep, production, warehouse):
        request.user = user
        assert order_finance_section(request, order) == []


def test_allocation_leaves_nothing_when_order_settles_and_lists_show_allocations(
    client, rep, warehouse, finance, mts
):
    order = deliver(shipped_order(rep, warehouse, mts, qty="1"), warehouse)
    invoice = invoice_issue(order=order, actor=finance, fapiao_number=fapiao())
    receipt = receipt_record(customer=order.customer, actor=finance, amount=str(invoice.total))
    allocation_create(
        receipt=receipt, actor=finance, order=order, invoice=invoice, amount=str(invoice.total)
    )
    client.force_login(finance)
    page = client.get(reverse("finance:receipt_detail", args=[receipt.pk]))
    assert page.context["form"] is None  # nothing left to allocate
    [allocation] = page.context["allocations"]
    assert allocation.reversible is False  # the order is settled
    assert Allocation.objects.count() == 1
    detail = client.get(reverse("finance:invoice_detail", args=[invoice.pk]))
    assert [a.pk for a in detail.context["allocations"]] == [allocation.pk]
