"""Customer statements (对账单, REQUIREMENTS §7 / ISSUE 6 item 5): the reads.

The customer ledger is kept on the invoice basis — what the customer owes is what has been
invoiced (net of red-letter credit notes) less what the customer has paid, whether or not a
payment has been allocated yet:

    opening balance = Σ invoices and credit notes issued before the period
                      − Σ receipts received before the period
    closing balance = opening balance + Σ invoices and credit notes issued in the period
                      − Σ receipts received in the period

A negative balance is money the customer has paid in advance (预收). Orders and shipments of
the period are listed for the customer to check against their own books; they do not move the
balance until they are invoiced.

`statement_contents` computes every section; `statement_issue` (finance.services.statements)
freezes it into the Statement's snapshot, so a later correction never changes a statement that
was sent. The same contents feed the page, the xlsx file and the API.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import CharField, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from contracts.models import Customer
from core.errors import NotFound
from core.money import ZERO, amount_in_words, money
from orders.enums import OrderTransition
from orders.models import Order, OrderEvent, OrderLine

from .balances import line_value
from .enums import APPROVED_STATES
from .models import Invoice, Receipt, Statement
from .permissions import sees_all_figures
from .selectors import narrowed, scoped

SNAPSHOT_VERSION = 1

# Keys of the snapshot holding money (kept as strings in JSON) and dates (ISO strings).
_MONEY_KEYS = frozenset(
    {
        "opening_balance",
        "invoiced",
        "received",
        "closing_balance",
        "total",
        "amount",
        "unit_price",
        "quantity",
        "orders_total",
        "shipments_total",
        "invoices_total",
        "receipts_total",
        "balance",
    }
)
_DATE_KEYS = frozenset(
    {"date_from", "date_to", "order_date", "shipped_on", "issue_date", "received_on", "date"}
)


def balance_in_words(amount: Decimal) -> str:
    """The balance in Chinese capitals; a credit balance (the customer paid in advance) reads
    预收 followed by the capitals of its absolute value. Empty beyond 万亿."""
    try:
        if amount < 0:
            return "预收" + amount_in_words(-amount)
        return amount_in_words(amount)
    except ValueError:
        return ""


def _sum(queryset: QuerySet, field: str) -> Decimal:
    total = queryset.aggregate(
        s=Coalesce(
            Sum(field), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2)
        )
    )["s"]
    return money(total)


def opening_balance(customer: Customer, date_from: dt.date) -> Decimal:
    """Net invoiced before `date_from` less received before it (the invoice-basis ledger)."""
    invoiced = _sum(Invoice.objects.filter(customer=customer, issue_date__lt=date_from), "total")
    received = _sum(Receipt.objects.filter(customer=customer, received_on__lt=date_from), "amount")
    return invoiced - received


def _orders(customer: Customer, date_from: dt.date, date_to: dt.date) -> list[dict]:
    rows = (
        Order.objects.filter(
            customer=customer,
            status__in=APPROVED_STATES,
            order_date__gte=date_from,
            order_date__lte=date_to,
        )
        .order_by("order_date", "number")
        .values("number", "order_date", "total", "status")
    )
    return list(rows)


def _shipments(customer: Customer, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """One row per shipped line, from the orders' "ship" events: their payload holds
    shipped_on, the lines shipped {line id: quantity} and the shipment number. A ship event
    without lines (the last open line short-closed) shipped nothing and is skipped."""
    events = list(
        OrderEvent.objects.filter(order__customer=customer, transition=OrderTransition.SHIP)
        .annotate(shipped_on_text=Cast(KT("payload__shipped_on"), CharField(max_length=10)))
        .filter(
            shipped_on_text__gte=date_from.isoformat(), shipped_on_text__lte=date_to.isoformat()
        )
        .select_related("order")
        .order_by("shipped_on_text", "id")
    )
    line_ids = {
        int(pk)
        for event in events
        for pk in (event.payload.get("lines") or {})
        if str(pk).isdigit()
    }
    lines = OrderLine.objects.select_related("product").in_bulk(line_ids)
    rows = []
    for event in events:
        shipped = event.payload.get("lines") or {}
        try:
            shipped_on = dt.date.fromisoformat(event.payload.get("shipped_on", ""))
        except (TypeError, ValueError):
            continue
        for pk, raw_qty in shipped.items():
            line = lines.get(int(pk)) if str(pk).isdigit() else None
            if line is None or line.order_id != event.order_id:
                continue
            quantity = Decimal(str(raw_qty))
            rows.append(
                {
                    "shipment_number": event.payload.get("shipment_number", ""),
                    "shipped_on": shipped_on,
                    "order_number": event.order.number,
                    "sequence": line.sequence,
                    "product_code": line.product.code,
                    "product_name": line.product.name,
                    "unit": line.unit,
                    "quantity": quantity,
                    "unit_price": line.unit_price,
                    "amount": line_value(line, quantity),
                }
            )
    rows.sort(
        key=lambda r: (r["shipped_on"], r["shipment_number"], r["order_number"], r["sequence"])
    )
    return rows


def _invoices(customer: Customer, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """Invoices and red-letter credit notes issued in the period, with their signed totals."""
    rows = (
        Invoice.objects.filter(
            customer=customer, issue_date__gte=date_from, issue_date__lte=date_to
        )
        .order_by("issue_date", "id")
        .values("number", "fapiao_number", "kind", "issue_date", "order__number", "total")
    )
    return [{**row, "order_number": row.pop("order__number")} for row in rows]


def _receipts(customer: Customer, date_from: dt.date, date_to: dt.date) -> list[dict]:
    rows = (
        Receipt.objects.filter(
            customer=customer, received_on__gte=date_from, received_on__lte=date_to
        )
        .order_by("received_on", "id")
        .values("number", "received_on", "method", "bank_reference", "payer", "amount")
    )
    return list(rows)


def _ledger(opening: Decimal, invoices: list[dict], receipts: list[dict]) -> list[dict]:
    """Invoices, credit notes and receipts in date order (a day's invoices before its
    receipts) with the running balance after each."""
    entries = [
        {
            "date": row["issue_date"],
            "kind": row["kind"],
            "number": row["fapiao_number"] or row["number"],
            "order_number": row["order_number"],
            "debit": row["total"],
            "credit": ZERO,
        }
        for row in invoices
    ] + [
        {
            "date": row["received_on"],
            "kind": "receipt",
            "number": row["number"],
            "order_number": "",
            "debit": ZERO,
            "credit": row["amount"],
        }
        for row in receipts
    ]
    entries.sort(key=lambda e: (e["date"], e["kind"] == "receipt"))
    balance = opening
    for entry in entries:
        balance += entry["debit"] - entry["credit"]
        entry["balance"] = balance
    return entries


def statement_contents(*, customer: Customer, date_from: dt.date, date_to: dt.date) -> dict:
    """Every section and figure of the statement for [date_from, date_to] (both included).
    A fixed number of queries whatever the number of rows."""
    opening = opening_balance(customer, date_from)
    orders = _orders(customer, date_from, date_to)
    shipments = _shipments(customer, date_from, date_to)
    invoices = _invoices(customer, date_from, date_to)
    receipts = _receipts(customer, date_from, date_to)
    invoiced = money(sum((row["total"] for row in invoices), ZERO))
    received = money(sum((row["amount"] for row in receipts), ZERO))
    closing = opening + invoiced - received
    return {
        "version": SNAPSHOT_VERSION,
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "credit_code": customer.credit_code,
            "region": customer.region,
        },
        "date_from": date_from,
        "date_to": date_to,
        "opening_balance": opening,
        "invoiced": invoiced,
        "received": received,
        "closing_balance": closing,
        "closing_in_words": balance_in_words(closing),
        "orders": orders,
        "orders_total": money(sum((row["total"] for row in orders), ZERO)),
        "shipments": shipments,
        "shipments_total": money(sum((row["amount"] for row in shipments), ZERO)),
        "invoices": invoices,
        "invoices_total": invoiced,
        "receipts": receipts,
        "receipts_total": received,
        "ledger": _ledger(opening, invoices, receipts),
    }


def contents_to_json(value):
    """Decimals and dates as strings, for the snapshot (JSONField)."""
    if isinstance(value, dict):
        return {key: contents_to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [contents_to_json(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def contents_from_json(value, key: str = ""):
    """The reverse of contents_to_json, by key name: money and quantities back to Decimal,
    dates back to dates."""
    if isinstance(value, dict):
        return {k: contents_from_json(item, k) for k, item in value.items()}
    if isinstance(value, list):
        return [contents_from_json(item) for item in value]
    if isinstance(value, str) and value:
        if key in _MONEY_KEYS or key in ("debit", "credit"):
            return Decimal(value)
        if key in _DATE_KEYS:
            return dt.date.fromisoformat(value)
    return value


def statement_snapshot(statement: Statement) -> dict:
    """The statement as it was issued (its frozen contents) with typed values."""
    return contents_from_json(statement.snapshot or {})


# --- lists -------------------------------------------------------------------------------------
def statement_list(*, user, filters: dict | None = None) -> QuerySet[Statement]:
    """Statements visible to the user: everyone with finance access sees all, a sales rep
    those of the customers they manage. Filters: customer, status, q (number or customer)."""
    filters = filters or {}
    qs = scoped(Statement.objects.select_related("customer", "created_by"), user)
    qs = narrowed(qs, filters, {"customer": "customer_id", "status": "status"})
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    return qs.order_by("-date_to", "-id")


def statement_get(*, user, statement_id) -> Statement:
    statement = statement_list(user=user).filter(pk=statement_id).first()
    if statement is None:
        raise NotFound()
    return statement


def statement_customers(*, user) -> QuerySet[Customer]:
    """Customers a statement may be drawn up for by this user (scoped like the figures)."""
    qs = Customer.objects.all()
    if not sees_all_figures(user):
        qs = qs.filter(account_manager=user)
    return qs.order_by("name")
