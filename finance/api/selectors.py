"""Reads behind the finance API: the finance selectors (scoped by role — a sales rep reaches only
their own customers' invoices and receipts, and their own orders) with what the API's
representations need prefetched, so every list is a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet, Sum

from core.errors import NotFound
from core.money import ZERO
from orders.models import Order
from orders.selectors import order_get

from .. import selectors
from ..balances import invoiced_by_line, invoices_on_the_order, line_basis
from ..models import Allocation, Invoice, InvoiceLine, Receipt


def _found(queryset: QuerySet, pk):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def visible_order(*, user, order_id) -> Order:
    """The order, if the user may see it (a rep: their own), else not found."""
    return order_get(user=user, order_id=order_id)


# --- invoices -------------------------------------------------------------------------------------
def invoice_list(*, user, filters: dict | None = None) -> QuerySet[Invoice]:
    return selectors.invoice_list(user=user, filters=filters).select_related("original")


def invoice_get(*, user, invoice_id) -> Invoice:
    return _found(invoice_list(user=user), invoice_id)


def invoice_detail(*, user, invoice_id) -> Invoice:
    """An invoice with its lines, credit notes and allocations (reversed ones included)."""
    queryset = invoice_list(user=user).prefetch_related(
        Prefetch(
            "lines",
            queryset=InvoiceLine.objects.select_related("order_line__product").order_by(
                "order_line__sequence", "id"
            ),
        ),
        Prefetch("credit_notes", queryset=Invoice.objects.order_by("issue_date", "id")),
        Prefetch(
            "allocations",
            queryset=Allocation.objects.select_related(
                "receipt", "order", "invoice", "created_by", "reversed_by"
            ).order_by("created_at", "id"),
        ),
    )
    return _found(queryset, invoice_id)


def invoiceable_lines(order: Order) -> list[dict]:
    """Per line of the order: ordered, shipped, net invoiced and what may still be invoiced."""
    done = invoiced_by_line(order)
    rows = []
    for line in order.lines.select_related("product").order_by("sequence"):
        basis = line_basis(order, line)
        invoiced_qty, invoiced_amount = done.get(line.pk, (ZERO, ZERO))
        rows.append(
            {
                "line": line.pk,
                "sequence": line.sequence,
                "product_code": line.product.code,
                "product_name": line.product.name,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "ordered": line.quantity,
                "shipped": line.shipped_quantity,
                "is_closed": line.is_closed,
                "basis": basis,
                "invoiced": invoiced_qty,
                "invoiced_amount": invoiced_amount,
                "invoiceable": max(basis - invoiced_qty, ZERO),
            }
        )
    return rows


def order_invoiceable(*, order: Order) -> dict:
    return {
        "order": order.pk,
        "order_number": order.number,
        "invoices_on_the_order": invoices_on_the_order(order),
        "lines": invoiceable_lines(order),
    }


# --- receipts and allocations ---------------------------------------------------------------------
def _allocations_prefetch() -> Prefetch:
    return Prefetch(
        "allocations",
        queryset=Allocation.objects.select_related(
            "receipt", "order", "invoice", "created_by", "reversed_by"
        ).order_by("created_at", "id"),
    )


def receipt_list(*, user, filters: dict | None = None) -> QuerySet[Receipt]:
    return selectors.receipt_list(user=user, filters=filters)


def receipt_detail(*, user, receipt_id) -> Receipt:
    return _found(receipt_list(user=user).prefetch_related(_allocations_prefetch()), receipt_id)


def allocation_list(*, user, filters: dict | None = None) -> QuerySet[Allocation]:
    return selectors.allocation_list(user=user, filters=filters).select_related(
        "created_by", "reversed_by"
    )


def allocation_get(*, user, allocation_id) -> Allocation:
    return _found(allocation_list(user=user, filters={"include_reversed": True}), allocation_id)


# --- receivables ----------------------------------------------------------------------------------
def unallocated_by_customer(customer_ids) -> dict[int, object]:
    """{customer id: money received and not yet allocated}, one query for a page."""
    rows = (
        Receipt.objects.filter(customer_id__in=list(customer_ids))
        .values("customer")
        .annotate(left=Sum("amount") - Sum("allocated"))
    )
    return {row["customer"]: row["left"] or ZERO for row in rows}
