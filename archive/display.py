"""The frozen snapshot as pages show it: codes turned into today's labels, ISO dates shortened.

Only the snapshot is read, never the live order, so the record page and the bundle's letter show
what was archived even after a purge blanked personal data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from contracts.enums import SettlementMethod
from core.money import format_cny, to_decimal
from finance.enums import InvoiceKind, ReceiptMethod
from fulfillment.enums import (
    DeviationCategory,
    DeviationKind,
    DeviationSeverity,
    DeviationStatus,
    ShipmentStatus,
)
from orders.enums import (
    DeliveryMethod,
    InvoiceType,
    OrderEventType,
    OrderSource,
    OrderStatus,
    OrderType,
    Priority,
)


def label(choices, value) -> str:
    """The choice's label, or the stored code when the choice no longer exists."""
    if value in (None, ""):
        return ""
    return str(choices(value).label) if value in choices.values else str(value)


def day(value) -> str:
    """'2026-11-23T08:00:00+00:00' → '2026-11-23'."""
    return str(value)[:10] if value else ""


def moment(value) -> str:
    """'2026-11-23T02:05:09.123+00:00' → '2026-11-23 10:05' in the site's time zone."""
    if not value:
        return ""
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(when):
        when = timezone.localtime(when)
    return when.strftime("%Y-%m-%d %H:%M")


def unit_price(value) -> str:
    """Unit prices keep up to 4 decimals (DESIGN §3) but show 2 when that is all they have."""
    if value in (None, ""):
        return ""
    amount = to_decimal(value)
    if amount == amount.quantize(Decimal("0.01")):
        return format_cny(amount)
    return f"¥{amount:,.4f}"


ORDER_LABELS = {
    "status": OrderStatus,
    "order_type": OrderType,
    "delivery_method": DeliveryMethod,
    "settlement_method": SettlementMethod,
    "invoice_type": InvoiceType,
    "source": OrderSource,
    "priority": Priority,
}


def snapshot_view(snapshot: dict) -> dict:
    """A template-friendly copy of the snapshot: every code gains a `<field>_label`."""
    snapshot = snapshot or {}
    order = dict(snapshot.get("order") or {})
    for field in ("lines_total", "tax_total", "freight", "discount", "total"):
        if order.get(field) not in (None, ""):
            order[field] = to_decimal(order[field])  # zero hides the freight/discount rows
    for field, choices in ORDER_LABELS.items():
        order[f"{field}_label"] = label(choices, order.get(field))
    numbers = {s.get("id"): s.get("number", "") for s in snapshot.get("shipments") or []}
    receipts = {r.get("shipment_id"): r for r in snapshot.get("receipts") or []}
    line_numbers = {ln.get("id"): ln.get("sequence") for ln in snapshot.get("lines") or []}
    shipment_lines: dict = {}
    for row in snapshot.get("shipment_lines") or []:
        shipment_lines.setdefault(row.get("shipment_id"), []).append(
            {**row, "sequence": line_numbers.get(row.get("order_line_id"), "")}
        )
    shipments = [
        {
            **s,
            "status_label": label(ShipmentStatus, s.get("status")),
            "lines": shipment_lines.get(s.get("id"), []),
            "receipt": receipts.get(s.get("id")),
        }
        for s in snapshot.get("shipments") or []
    ]
    invoices = [
        {**i, "kind_label": label(InvoiceKind, i.get("kind"))}
        for i in snapshot.get("invoices") or []
    ]
    invoice_numbers = {i.get("id"): i.get("number", "") for i in invoices}
    payments = [
        {
            **p,
            "method_label": label(ReceiptMethod, p.get("receipt__method")),
            "invoice_number": invoice_numbers.get(p.get("invoice_id"), ""),
        }
        for p in snapshot.get("payments") or []
    ]
    events = [
        {
            **e,
            "when": moment(e.get("created_at")),
            "event_type_label": label(OrderEventType, e.get("event_type")),
            "from_label": label(OrderStatus, e.get("from_status")),
            "to_label": label(OrderStatus, e.get("to_status")),
        }
        for e in snapshot.get("events") or []
    ]
    deviations = [
        {
            **d,
            "kind_label": label(DeviationKind, d.get("kind")),
            "category_label": label(DeviationCategory, d.get("category")),
            "severity_label": label(DeviationSeverity, d.get("severity")),
            "status_label": label(DeviationStatus, d.get("status")),
        }
        for d in snapshot.get("deviations") or []
    ]
    lines = [
        {**ln, "unit_price_display": unit_price(ln.get("unit_price"))}
        for ln in snapshot.get("lines") or []
    ]
    return {
        "order": order,
        "lines": lines,
        "events": events,
        "attachments": snapshot.get("attachments") or [],
        "shipments": shipments,
        "receipts": list(receipts.values()),
        "invoices": invoices,
        "payments": payments,
        "deviations": deviations,
        "shipment_numbers": numbers,
    }
