"""Building finance test situations through the real services: orders shipped, delivered,
prepaid; and a snapshot of everything a finance service may change, for "nothing changed"."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.roles import Role
from fulfillment.services import stock_receive
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from fulfillment.tests.conftest import approve_fully
from orders.enums import SupplyMode
from orders.models import Order
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory, ProductFactory

_fapiao = itertools.count(10000001)

# (role, may issue invoices and record receipts): finance and admin write, nobody else.
ROLES = [
    (Role.SALES_REP, False),
    (Role.SALES_HEAD, False),
    (Role.GM, False),
    (Role.PRODUCTION, False),
    (Role.WAREHOUSE, False),
    (Role.FINANCE, True),
    (Role.ADMIN, True),
]


def fapiao() -> str:
    """A fresh 8-digit fapiao number."""
    return f"{next(_fapiao):08d}"


def product(price="1130.0000", **fields):
    return ProductFactory(
        supply_mode=SupplyMode.MAKE_TO_STOCK, list_price=Decimal(price), unit="台", **fields
    )


def order_for(
    owner,
    *lines,
    warehouse=None,
    settlement="monthly",
    customer=None,
    header=None,
    **customer_fields,
):
    """An approved order, goods in stock and reserved (ready to ship), for a customer of `owner`.
    `lines`: (product, quantity) or (product, quantity, unit price)."""
    customer_fields.setdefault("settlement_method", settlement)
    customer = customer or CustomerFactory(account_manager=owner, **customer_fields)
    built = []
    for item in lines:
        prod, qty = item[0], Decimal(str(item[1]))
        unit_price = Decimal(str(item[2])) if len(item) > 2 else prod.list_price
        built.append({"product": prod, "quantity": qty, "unit_price": unit_price})
        if warehouse is not None:
            stock_receive(product=prod, quantity=qty, actor=warehouse)
    order = draft_order(owner, customer=customer, lines=built, **(header or {}))
    return approve_fully(order)


def ship(order, warehouse, quantities=None):
    """Ship `quantities` ({line index: qty}; None = everything open)."""
    order = Order.objects.get(pk=order.pk)
    lines = list(order.lines.order_by("sequence"))
    by_id = None
    if quantities is not None:
        by_id = {lines[index].pk: str(qty) for index, qty in quantities.items()}
    shipment_create(
        order=order,
        actor=warehouse,
        quantities=by_id,
        carrier="德邦物流",
        customer_consent="客户同意分批发货",
    )
    return Order.objects.get(pk=order.pk)


def deliver(order, warehouse):
    """Sign every unsigned shipment: the order becomes delivered when nothing is open."""
    order = Order.objects.get(pk=order.pk)
    for shipment in order.shipments.filter(receipt__isnull=True):
        delivery_receipt_add(
            shipment=shipment,
            actor=warehouse,
            file=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 signed"),
            signer="李四",
            signed_on=timezone.localdate(),
        )
    return Order.objects.get(pk=order.pk)


def shipped_order(owner, warehouse, *lines, quantities=None, **kwargs):
    return ship(order_for(owner, *lines, warehouse=warehouse, **kwargs), warehouse, quantities)


def delivered_order(owner, warehouse, *lines, **kwargs):
    return deliver(shipped_order(owner, warehouse, *lines, **kwargs), warehouse)


def lines_of(order) -> list:
    return list(Order.objects.get(pk=order.pk).lines.order_by("sequence"))


def finance_state(order=None) -> dict:
    """Every row a finance service may write, and the order's status and events."""
    from finance.models import Allocation, Invoice, InvoiceLine, Receipt

    state = {
        "invoices": list(
            Invoice.objects.order_by("pk").values_list(
                "pk", "kind", "total", "credited", "allocated", "adjustment"
            )
        ),
        "invoice_lines": list(
            InvoiceLine.objects.order_by("pk").values_list("pk", "quantity", "total")
        ),
        "receipts": list(Receipt.objects.order_by("pk").values_list("pk", "amount", "allocated")),
        "allocations": list(
            Allocation.objects.order_by("pk").values_list(
                "pk", "order_id", "invoice_id", "amount", "reversed_at"
            )
        ),
    }
    if order is not None:
        order = Order.objects.get(pk=order.pk)
        state["status"] = order.status
        state["events"] = list(order.events.order_by("id").values_list("id", "event_type"))
    return state
