"""What an order is worth, what of it is invoiced and what is paid (REQUIREMENTS §7).

    deliverable = Σ lines (shipped quantity, or the ordered quantity of an open line when the
                  order is invoiced on the order — prepayment) × price + freight − discount
    invoiced    = Σ invoices net of their credit notes
    paid        = Σ live allocations to the order (to its invoices or to the order itself)

Short-closed remainders are never deliverable. Used by invoicing, settlement and the gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from contracts.enums import SettlementMethod
from core.money import ZERO, money
from orders.models import Order, OrderLine

from .models import Allocation, Invoice, InvoiceLine


def invoices_on_the_order(order: Order) -> bool:
    """Prepayment orders are invoiced on the order; the others on what has shipped."""
    return order.settlement_method == SettlementMethod.PREPAYMENT


def line_basis(order: Order, line: OrderLine) -> Decimal:
    """The quantity of a line that may be invoiced in total."""
    if invoices_on_the_order(order) and not line.is_closed:
        return line.quantity
    return line.shipped_quantity


def line_value(line: OrderLine, qty: Decimal) -> Decimal:
    """Tax-inclusive value of `qty` of the line; the whole line is exactly its amount."""
    if qty == line.quantity:
        return line.amount
    return money(qty * line.unit_price)


@dataclass
class Balance:
    deliverable: Decimal
    invoiced: Decimal
    paid: Decimal

    @property
    def uninvoiced(self) -> Decimal:
        return self.deliverable - self.invoiced

    @property
    def unpaid(self) -> Decimal:
        return self.invoiced - self.paid

    @property
    def outstanding(self) -> Decimal:
        return self.deliverable - self.paid


def invoiced_by_line(order: Order) -> dict[int, tuple[Decimal, Decimal]]:
    """{line id: (net invoiced quantity, net invoiced amount)} over invoices and credit notes."""
    rows = (
        InvoiceLine.objects.filter(invoice__order=order)
        .values("order_line")
        .annotate(qty=Sum("quantity"), amount=Sum("total"))
    )
    return {row["order_line"]: (row["qty"] or ZERO, row["amount"] or ZERO) for row in rows}


def order_paid(order: Order) -> Decimal:
    total = Allocation.objects.filter(order=order, reversed_at__isnull=True).aggregate(
        s=Sum("amount")
    )["s"]
    return money(total or ZERO)


def order_balance(order: Order) -> Balance:
    lines = list(order.lines.all())
    deliverable = sum((line_value(line, line_basis(order, line)) for line in lines), ZERO)
    adjustment = order.freight - order.discount
    if any(line.shipped_quantity > 0 for line in lines) or invoices_on_the_order(order):
        deliverable += adjustment
    invoiced = Invoice.objects.filter(order=order).aggregate(s=Sum("total"))["s"] or ZERO
    return Balance(money(deliverable), money(invoiced), order_paid(order))
