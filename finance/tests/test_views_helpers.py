"""Building finance states for the page tests through the real services (no tests here)."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from finance.models import Allocation, Invoice, InvoiceLine, Receipt
from fulfillment.services import stock_receive
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from fulfillment.tests.conftest import approve_fully, order_of
from orders.models import Order

FAPIAO = iter(range(10_000_000, 99_999_999))


def fapiao() -> str:
    return str(next(FAPIAO))


def shipped_order(owner, warehouse, product, qty="3", ship=None, **customer_fields) -> Order:
    """An approved order for a monthly-settlement customer, shipped `ship` (default all)."""
    stock_receive(product=product, quantity=Decimal(qty), actor=warehouse)
    order = approve_fully(order_of(owner, (product, qty), **customer_fields))
    line = order.lines.get()
    quantities = {line.pk: ship} if ship is not None else None
    shipment_create(
        order=order,
        actor=warehouse,
        quantities=quantities,
        carrier="德邦",
        customer_consent="客户同意分批" if ship is not None else "",
    )
    return Order.objects.get(pk=order.pk)


def deliver(order, warehouse) -> Order:
    """Every shipment signed for: the order becomes delivered."""
    for shipment in order.shipments.all():
        if not hasattr(shipment, "receipt"):
            delivery_receipt_add(
                shipment=shipment,
                actor=warehouse,
                file=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 signed"),
                signer="李四",
                signed_on=timezone.localdate(),
            )
    return Order.objects.get(pk=order.pk)


def finance_state() -> dict:
    """Everything a finance page may change, for "nothing changed" assertions."""
    return {
        "invoices": list(
            Invoice.objects.order_by("pk").values_list(
                "pk", "fapiao_number", "total", "credited", "allocated"
            )
        ),
        "invoice_lines": InvoiceLine.objects.count(),
        "receipts": list(Receipt.objects.order_by("pk").values_list("pk", "amount", "allocated")),
        "allocations": list(
            Allocation.objects.order_by("pk").values_list("pk", "amount", "reversed_at")
        ),
        "orders": list(Order.objects.order_by("pk").values_list("pk", "status")),
    }
