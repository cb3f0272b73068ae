"""Finance in a real browser (issue 6): on a delivered order finance opens the invoice form from
the order page, issues the invoice, records the customer's payment, allocates it to the invoice
(the htmx dependent select fills in the invoice and the amount) and sees the order settled."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from finance.models import Invoice, Receipt
from fulfillment.services import stock_receive
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from fulfillment.tests.conftest import approve_fully, order_of
from orders.enums import OrderStatus
from orders.models import Order
from tests.factories import ProductFactory

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def delivered_order(rep, warehouse):
    """Approved, shipped in full and signed for: delivered, nothing invoiced yet."""
    product = ProductFactory(code="BP-100", name="离心泵", list_price=Decimal("1130"))
    stock_receive(product=product, quantity=Decimal("3"), actor=warehouse)
    order = approve_fully(order_of(rep, (product, "3"), name="杭州恒力水务设备有限公司"))
    shipment = shipment_create(order=order, actor=warehouse, carrier="德邦")
    delivery_receipt_add(
        shipment=shipment,
        actor=warehouse,
        file=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 signed"),
        signer="李四",
        signed_on=timezone.localdate(),
    )
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.DELIVERED
    return order


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_finance_invoices_records_payment_allocates_and_order_settles(
    new_page, shot, rep, warehouse, finance, settings, tmp_path, locale
):
    settings.MEDIA_ROOT = tmp_path / "media"
    order = delivered_order(rep, warehouse)
    page = new_page(locale)
    sign_in(page, "finance")

    # The order page's finance section offers the invoice form.
    page.goto(f"{page.base_url}/orders/{order.pk}/")
    section = page.locator("[data-testid=order-finance]")
    assert "¥3,390.00" in section.locator("[data-testid=fin-deliverable]").inner_text()
    shot(page, "order-before")
    section.locator("[data-testid=issue-invoice]").click()
    page.wait_for_url(f"**/finance/orders/{order.pk}/invoice/")
    line = order.lines.get()
    assert page.input_value(f"#id_qty_{line.pk}") == "3"  # all that shipped
    assert "¥3,390.00" in page.locator("[data-invoice-estimate]").inner_text()
    page.fill("#id_fapiao_number", "12345678")
    shot(page, "invoice-form")
    page.click("[data-testid=invoice-submit]")
    page.wait_for_url("**/finance/invoices/*/")
    invoice = Invoice.objects.get()
    assert invoice.total == Decimal("3390.00")
    assert "叁仟叁佰玖拾元整" in page.locator("[data-testid=invoice-capitals]").inner_text()
    shot(page, "invoice-detail")

    # Record the payment: the search box narrows the customers.
    page.goto(f"{page.base_url}/finance/receipts/new/")
    page.fill("[data-testid=customer-search]", "恒力")
    page.select_option("#id_customer", str(order.customer_id))
    page.fill("#id_amount", "5,000")
    page.fill("#id_bank_reference", "CMB-20260101")
    shot(page, "receipt-form")
    page.click("[data-testid=receipt-submit]")
    page.wait_for_url("**/finance/receipts/*/")
    receipt = Receipt.objects.get()
    assert receipt.amount == Decimal("5000.00") and receipt.payer == order.customer.name

    # Allocate: choosing the order loads its invoices (htmx), the invoice sets the amount.
    page.select_option("#id_order", str(order.pk))
    page.wait_for_selector(f"#id_invoice option[value='{invoice.pk}']", state="attached")
    page.select_option("#id_invoice", str(invoice.pk))
    page.wait_for_function(
        "() => document.querySelector('#id_amount').value === '3390.00'", timeout=5000
    )
    shot(page, "allocate")
    page.click("[data-testid=allocate-submit]")
    page.wait_for_selector("[data-testid=allocations] tr[data-allocation]")
    assert "¥1,610.00" in page.locator("[data-testid=receipt-unallocated]").inner_text()
    shot(page, "allocated")

    # The last allocation settled the delivered order.
    page.goto(f"{page.base_url}/orders/{order.pk}/")
    assert page.locator("[data-testid=order-header] [data-status=settled]").first.is_visible()
    assert "¥0.00" in page.locator("[data-testid=fin-outstanding]").inner_text()
    shot(page, "order-settled")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SETTLED
