"""Building finance states for the page tests through the real services (no tests here)."""

from __future__ import annotations

from decimal import Decimal

from finance.models import Allocation, Invoice, InvoiceLine, Receipt
from fulfillment.services import stock_receive
from fulfillment.services.shipping import shipment_create
from fulfillment.tests.conftest import approve_fully, order_of
from orders.models import Order

from .builders import deliver, fapiao

__all__ = ["deliver", "fapiao", "finance_state", "shipped_order"]


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
