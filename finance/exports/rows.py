"""Rows of the settlement export (结算明细, ISSUE 6 item 6), read in a fixed number of queries
whatever the number of rows.

Who sees what: finance, administrators, the general manager and the sales head see every
order; a sales rep only the orders they own (Order.owner) — a rep's export never holds another
rep's order — and the receipts of their own customers. Production and warehouse see nothing.

Figures per order line (tax inclusive):
    ordered     quantity and amount of the line
    shipped     shipped quantity; its value is the line amount when the whole line shipped,
                else quantity × unit price rounded to the cent (finance.balances.line_value)
    invoiced    net quantity and amount over the line's invoices and red-letter credit notes
    due         the larger of shipped and invoiced amounts — what the customer owes for the
                line (a prepayment order is invoiced before it ships)
    received    the order's live allocations, spread over its rows in line order, each row
                taking at most its due amount; what is left after the last row (paid ahead)
                stays on the last row, so an order's rows add up to what was received for it
    outstanding due − received

An order's freight less discount (Order.freight − Order.discount, invoiced on its first
invoice) is one more row after its lines, "Freight less discount": ordered = the adjustment,
shipped = the adjustment once anything has shipped, invoiced = the adjustment carried by its
invoices; due is the larger of the two in size. The per-customer summary is one aggregate query
with the same definitions, so its totals equal the detail's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from itertools import groupby

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, Coalesce, Greatest, Round

from core.money import ZERO
from core.templatetags.ui import person
from orders.models import Order, OrderLine

from ..enums import APPROVED_STATES
from ..models import Allocation, Invoice, InvoiceLine, Receipt
from ..permissions import may_read_finance, sees_all_figures
from ..selectors import RECEIVED_IN_PERIOD, narrowed, scoped

MONEY = DecimalField(max_digits=16, decimal_places=2)
QTY = DecimalField(max_digits=14, decimal_places=3)
ZERO_MONEY = Value(ZERO, output_field=MONEY)
ZERO_QTY = Value(Decimal("0.000"), output_field=QTY)
# Orders with money attached: approved and beyond, not cancelled or rejected.
EXPORT_STATES = APPROVED_STATES
CHUNK = 2000


# --- the orders in scope -----------------------------------------------------------------------
def settlement_orders(*, user, filters: dict) -> QuerySet[Order]:
    """Orders matching the export filters (cleaned by SettlementFilterForm): date_from and
    date_to (order date), customer (id), region, salesperson (owner id), status (list)."""
    if not may_read_finance(user):
        return Order.objects.none()
    qs = Order.objects.filter(status__in=filters.get("status") or EXPORT_STATES)
    if not sees_all_figures(user):
        qs = qs.filter(owner=user)
    return narrowed(
        qs,
        filters,
        {
            "date_from": "order_date__gte",
            "date_to": "order_date__lte",
            "customer": "customer_id",
            "region": "customer__region",
            "salesperson": "owner_id",
        },
    )


# --- SQL building blocks -------------------------------------------------------------------------
def _summed(queryset: QuerySet, group: str, field, output=MONEY):
    """Σ field over `queryset` (already narrowed by an OuterRef) as a scalar subquery, 0 when
    there is nothing to sum."""
    subquery = Subquery(
        queryset.order_by().values(group).annotate(s=Sum(field)).values("s")[:1],
        output_field=output,
    )
    return Coalesce(subquery, Value(ZERO, output_field=output), output_field=output)


def shipped_value():
    """Value of the shipped quantity of a line (see balances.line_value), in SQL."""
    return Case(
        When(shipped_quantity=F("quantity"), then=F("amount")),
        default=Round(F("shipped_quantity") * F("unit_price"), 2),
        output_field=MONEY,
    )


def _line_invoiced(field: str, line_ref: str = "pk", output=MONEY):
    return _summed(
        InvoiceLine.objects.filter(order_line=OuterRef(line_ref)), "order_line", field, output
    )


def _order_received(order_ref: str):
    return _summed(
        Allocation.objects.filter(order=OuterRef(order_ref), reversed_at__isnull=True),
        "order",
        "amount",
    )


def _order_invoiced(order_ref: str, field: str):
    return _summed(Invoice.objects.filter(order=OuterRef(order_ref)), "order", field)


def _with_order_figures(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Per-order figures the summary and the row count need, as annotations."""
    line_due = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .annotate(inv=_line_invoiced("total"), ship=shipped_value())
        .order_by()
        .values("order")
        .annotate(s=Sum(Greatest(F("ship"), F("inv"))))
        .values("s")[:1]
    )
    return orders.annotate(
        lines_shipped=_summed(
            OrderLine.objects.filter(order=OuterRef("pk")), "order", shipped_value()
        ),
        lines_due=Coalesce(Subquery(line_due, output_field=MONEY), ZERO_MONEY, output_field=MONEY),
        line_count=Coalesce(
            Subquery(
                OrderLine.objects.filter(order=OuterRef("pk"))
                .order_by()
                .values("order")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
            output_field=IntegerField(),
        ),
        invoiced_total=_order_invoiced("pk", "total"),
        adj_invoiced=_order_invoiced("pk", "adjustment"),
        received_total=_order_received("pk"),
        adj=F("freight") - F("discount"),
        adj_shipped=Case(
            When(
                Exists(OrderLine.objects.filter(order=OuterRef("pk"), shipped_quantity__gt=0)),
                then=F("freight") - F("discount"),
            ),
            default=ZERO_MONEY,
            output_field=MONEY,
        ),
    ).annotate(
        adj_due=Case(
            When(
                Q(adj_shipped__gte=0, adj_invoiced__gte=0),
                then=Greatest(F("adj_shipped"), F("adj_invoiced")),
            ),
            When(
                Q(adj_shipped__lte=0, adj_invoiced__lte=0),
                then=-Greatest(Abs(F("adj_shipped")), Abs(F("adj_invoiced"))),
            ),
            default=F("adj_shipped") + F("adj_invoiced"),
            output_field=MONEY,
        )
    )


def _has_adjustment_row() -> Q:
    return ~Q(adj=0) | ~Q(adj_invoiced=0)


# --- counts and totals --------------------------------------------------------------------------
def settlement_row_count(*, user, filters: dict) -> int:
    """Detail rows the export will have: its lines plus one per order with freight or a
    discount. One query."""
    totals = _with_order_figures(settlement_orders(user=user, filters=filters)).aggregate(
        lines=Coalesce(Sum("line_count"), Value(0), output_field=IntegerField()),
        adjustments=Count("pk", filter=_has_adjustment_row()),
    )
    return totals["lines"] + totals["adjustments"]


def settlement_summary(*, user, filters: dict) -> list[dict]:
    """One row per customer: orders, ordered, shipped, invoiced, received, outstanding. One
    aggregate query; the rows are per customer, never per line."""
    rows = (
        _with_order_figures(settlement_orders(user=user, filters=filters))
        .values("customer", "customer__name", "customer__region")
        .annotate(
            orders=Count("pk"),
            ordered=Sum(F("lines_total") + F("freight") - F("discount"), output_field=MONEY),
            shipped=Sum(F("lines_shipped") + F("adj_shipped"), output_field=MONEY),
            invoiced=Sum("invoiced_total", output_field=MONEY),
            received=Sum("received_total", output_field=MONEY),
            due=Sum(F("lines_due") + F("adj_due"), output_field=MONEY),
        )
        .order_by("customer__name", "customer")
    )
    result = []
    for row in rows:
        result.append(
            {
                "customer_id": row["customer"],
                "customer": row["customer__name"],
                "region": row["customer__region"],
                "orders": row["orders"],
                "ordered": row["ordered"] or ZERO,
                "shipped": row["shipped"] or ZERO,
                "invoiced": row["invoiced"] or ZERO,
                "received": row["received"] or ZERO,
                "outstanding": (row["due"] or ZERO) - (row["received"] or ZERO),
            }
        )
    return result


# --- detail rows --------------------------------------------------------------------------------
LINE_FIELDS = (
    "order_id",
    "order__number",
    "order__order_date",
    "order__status",
    "order__customer__name",
    "order__customer__region",
    "order__owner_id",
    "order__owner__username",
    "order__owner__first_name",
    "order__owner__last_name",
    "order__freight",
    "order__discount",
    "sequence",
    "product__code",
    "product__name",
    "unit",
    "quantity",
    "amount",
    "shipped_quantity",
)


def _line_values(orders: QuerySet[Order]):
    return (
        OrderLine.objects.filter(order__in=orders)
        .annotate(
            shipped_amount=shipped_value(),
            invoiced_qty=_line_invoiced("quantity", output=QTY),
            invoiced_amount=_line_invoiced("total"),
            order_received=_order_received("order_id"),
            order_adj_invoiced=_order_invoiced("order_id", "adjustment"),
        )
        .order_by(
            "order__customer__name",
            "order__customer_id",
            "order__order_date",
            "order__number",
            "sequence",
        )
        .values(
            *LINE_FIELDS,
            "shipped_amount",
            "invoiced_qty",
            "invoiced_amount",
            "order_received",
            "order_adj_invoiced",
        )
    )


class _Person:
    """Enough of a user for core.templatetags.ui.person (name order by script)."""

    def __init__(self, username: str, first_name: str, last_name: str):
        self.username, self.first_name, self.last_name = username, first_name, last_name

    def get_username(self) -> str:
        return self.username


def _due(shipped: Decimal, invoiced: Decimal) -> Decimal:
    """The larger in size of the shipped and invoiced amounts (both have the row's sign)."""
    if shipped >= 0 and invoiced >= 0:
        return max(shipped, invoiced)
    if shipped <= 0 and invoiced <= 0:
        return min(shipped, invoiced)
    return shipped + invoiced


def _order_rows(lines: list[dict], adjustment_label: str, names: dict) -> list[dict]:
    head = lines[0]
    owner_id = head["order__owner_id"]
    if owner_id not in names:
        names[owner_id] = person(
            _Person(
                head["order__owner__username"],
                head["order__owner__first_name"],
                head["order__owner__last_name"],
            )
        )
    common = {
        "order_id": head["order_id"],
        "customer": head["order__customer__name"],
        "region": head["order__customer__region"],
        "salesperson": names[owner_id],
        "order_number": head["order__number"],
        "order_date": head["order__order_date"],
        "status": head["order__status"],
    }
    rows = [
        {
            **common,
            "line_no": line["sequence"],
            "product_code": line["product__code"],
            "product_name": line["product__name"],
            "unit": line["unit"],
            "ordered_qty": line["quantity"],
            "ordered_amount": line["amount"],
            "shipped_qty": line["shipped_quantity"],
            "shipped_amount": line["shipped_amount"],
            "invoiced_qty": line["invoiced_qty"],
            "invoiced_amount": line["invoiced_amount"],
        }
        for line in lines
    ]
    adjustment = head["order__freight"] - head["order__discount"]
    adj_invoiced = head["order_adj_invoiced"]
    if adjustment or adj_invoiced:
        anything_shipped = any(line["shipped_quantity"] > 0 for line in lines)
        rows.append(
            {
                **common,
                "line_no": None,
                "product_code": "",
                "product_name": adjustment_label,
                "unit": "",
                "ordered_qty": None,
                "ordered_amount": adjustment,
                "shipped_qty": None,
                "shipped_amount": adjustment if anything_shipped else ZERO,
                "invoiced_qty": None,
                "invoiced_amount": adj_invoiced,
            }
        )
    left = head["order_received"]
    for row in rows:
        due = _due(row["shipped_amount"], row["invoiced_amount"])
        take = min(left, max(due, ZERO))
        row["received"] = take
        row["due"] = due
        left -= take
    if left:
        rows[-1]["received"] += left
    for row in rows:
        row["outstanding"] = row.pop("due") - row["received"]
    return rows


def settlement_rows(*, user, filters: dict, adjustment_label: str = "") -> Iterator[dict]:
    """The detail rows, order by order (customer, order date, number, line), streamed from
    one query in chunks; only one order's lines are held at a time."""
    from django.utils.translation import gettext

    label = adjustment_label or gettext("Freight less discount")
    names: dict = {}
    lines = _line_values(settlement_orders(user=user, filters=filters)).iterator(chunk_size=CHUNK)
    for _order_id, order_lines in groupby(lines, key=lambda line: line["order_id"]):
        yield from _order_rows(list(order_lines), label, names)


# --- receipts -----------------------------------------------------------------------------------
def settlement_receipts(*, user, filters: dict) -> QuerySet:
    """Receipts of the customers in the export, received in the period: amount, allocated
    and unallocated. A rep sees those of their own customers only."""
    customers = settlement_orders(user=user, filters=filters).values("customer_id")
    qs = scoped(Receipt.objects.filter(customer_id__in=customers), user)
    qs = narrowed(qs, filters, RECEIVED_IN_PERIOD)
    return qs.order_by("customer__name", "received_on", "id").values(
        "number",
        "customer__name",
        "received_on",
        "method",
        "bank_reference",
        "payer",
        "amount",
        "allocated",
    )


# --- the filters as job parameters ----------------------------------------------------------------
def filters_to_params(filters: dict) -> dict:
    """Cleaned filters → JSON for ExportJob.params."""
    params = {}
    for key in ("date_from", "date_to"):
        if filters.get(key):
            params[key] = filters[key].isoformat()
    for key in ("customer", "salesperson"):
        if filters.get(key):
            value = filters[key]
            params[key] = value.pk if hasattr(value, "pk") else int(value)
    if filters.get("region"):
        params["region"] = filters["region"]
    if filters.get("status"):
        params["status"] = list(filters["status"])
    return params


def filters_from_params(params: dict) -> dict:
    filters = dict(params or {})
    filters.pop("description", None)
    for key in ("date_from", "date_to"):
        if filters.get(key):
            filters[key] = dt.date.fromisoformat(filters[key])
    return filters
