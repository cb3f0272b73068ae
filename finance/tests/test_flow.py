"""An order from shipment to settlement: invoice, receipt, allocation, settled by itself."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from finance.balances import order_balance
from finance.selectors import receivables_by_customer, receivables_summary
from finance.services import allocation_create, credit_note_issue, invoice_issue, receipt_record
from fulfillment.services import stock_receive
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from fulfillment.tests.conftest import approve_fully, order_of
from orders.enums import OrderStatus as S
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_shipped_order_is_invoiced_paid_and_settles(rep, warehouse, finance, mts):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "3")))
    line = order.lines.get()
    shipment_create(
        order=order,
        actor=warehouse,
        quantities={line.pk: "2"},
        carrier="德邦",
        customer_consent="客户同意",
    )
    invoice = invoice_issue(order=order, actor=finance, fapiao_number="12345678")
    assert invoice.lines.get().quantity == Decimal("2")
    assert invoice.total == (line.unit_price * 2).quantize(Decimal("0.01"))

    note = credit_note_issue(
        invoice=invoice,
        actor=finance,
        fapiao_number="12345679",
        reason="价格调整",
        quantities={invoice.lines.get().pk: "1"},
    )
    assert note.total == -(line.unit_price).quantize(Decimal("0.01"))
    invoice.refresh_from_db()
    assert invoice.open_amount == invoice.total + note.total

    order.refresh_from_db()
    shipment_create(order=order, actor=warehouse, carrier="德邦")
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    second = invoice_issue(order=order, actor=finance, fapiao_number="22345678")
    for sh in order.shipments.all():
        delivery_receipt_add(
            shipment=sh,
            actor=warehouse,
            file=SimpleUploadedFile("r.pdf", b"%PDF-1.4 x"),
            signer="李四",
            signed_on=timezone.localdate(),
        )
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    balance = order_balance(order)
    # 3 shipped, 1 credited: 2 units worth are owed.
    assert balance.invoiced == invoice.total + note.total + second.total == balance.deliverable
    receipt = receipt_record(customer=order.customer, actor=finance, amount=Decimal("100000"))
    allocation_create(
        receipt=receipt,
        actor=finance,
        order=order,
        invoice=invoice,
        amount=invoice.total + note.total,
    )
    order.refresh_from_db()
    assert order.status == S.DELIVERED  # the second invoice is unpaid
    allocation_create(
        receipt=receipt, actor=finance, order=order, invoice=second, amount=second.total
    )
    order.refresh_from_db()
    # The credit note freed one unit, which the second invoice took again with the third:
    # everything delivered is invoiced and paid, so the last allocation settled the order.
    assert second.lines.get().quantity == Decimal("2")
    assert order.status == S.SETTLED
    assert order.events.order_by("-id").first().transition == "settle"


def test_ageing_buckets_by_days_past_due(rep, finance, mts, warehouse):
    stock_receive(product=mts, quantity=Decimal("50"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "10")))
    line = order.lines.get()
    today = timezone.localdate()
    invoices = []
    for index, days_late in enumerate((-3, 0, 1, 30, 31, 60, 61, 90, 91)):
        order.refresh_from_db()
        shipment_create(
            order=order,
            actor=warehouse,
            quantities={line.pk: "1"},
            carrier="德邦",
            customer_consent="同意",
        )
        invoice = invoice_issue(order=order, actor=finance, fapiao_number=f"1000000{index}")
        invoice.due_date = today - dt.timedelta(days=days_late)
        invoice.save(update_fields=["due_date"])
        invoices.append(invoice)
    unit = invoices[0].total
    row = next(receivables_by_customer(user=finance))
    assert row["not_due"] == 2 * unit  # due in 3 days, due today
    assert (row["d0_30"], row["d31_60"], row["d61_90"], row["d90_plus"]) == (
        2 * unit,
        2 * unit,
        2 * unit,
        unit,
    )
    assert row["overdue"] == 7 * unit and row["open_amount"] == 9 * unit
    assert next(receivables_by_customer(user=rep))["open_amount"] == 9 * unit
    assert list(receivables_by_customer(user=UserFactory(roles=["sales_rep"]))) == []
    summary = receivables_summary(user=finance)
    assert summary["open_amount"] == 9 * unit
    assert summary["dso"] == Decimal("90.0")
