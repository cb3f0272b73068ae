"""The frozen content of an archived order (REQUIREMENTS §8: order form, signed receipts,
invoices, payment vouchers, processing log, feedback): plain JSON, byte-stable through
archive.hashing.canonical."""

from __future__ import annotations

import json

from finance.models import Allocation, Invoice, InvoiceLine
from fulfillment.models import DeliveryReceipt, Deviation, Shipment, ShipmentLine
from orders.models import Order

from .hashing import canonical

ORDER_FIELDS = (
    "id", "number", "status", "revision", "customer_id", "customer__name", "contract_id",
    "owner_id", "owner__username", "order_type", "order_date", "required_date",
    "promised_date", "ship_to_text", "consignee", "consignee_phone", "delivery_method",
    "settlement_method", "payment_terms", "payment_due_date", "invoice_type", "source",
    "priority", "special_requirements", "remarks", "lines_total", "tax_total", "freight",
    "discount", "total", "submitted_at", "approved_at", "closed_at", "created_at",
)  # fmt: skip


def _rows(queryset, *fields) -> list[dict]:
    return list(queryset.order_by("pk").values(*fields))


def order_snapshot(order: Order) -> dict:
    """Everything that belongs to the order, as it stands; JSON-safe and canonical."""
    data = {
        "order": Order.objects.filter(pk=order.pk).values(*ORDER_FIELDS).get(),
        "lines": _rows(
            order.lines.all(),
            "id", "sequence", "product__code", "product__name", "spec", "unit", "quantity",
            "unit_price", "unit_price_excl", "tax_rate", "amount", "amount_excl", "tax_amount",
            "shipped_quantity", "last_ship_date", "is_closed", "close_reason", "remarks",
        ),
        "events": _rows(
            order.events.all(),
            "id", "created_at", "actor__username", "on_behalf_of__username", "event_type",
            "transition", "from_status", "to_status", "comment", "payload",
        ),
        "attachments": _rows(
            order.attachments.all(), "id", "name", "description", "size", "sha256", "uploaded_at"
        ),
        "shipments": _rows(
            Shipment.objects.filter(order=order),
            "id", "number", "status", "shipped_on", "carrier", "transport_mode",
            "tracking_number", "customer_consent", "remarks",
        ),
        "shipment_lines": _rows(
            ShipmentLine.objects.filter(shipment__order=order),
            "shipment_id", "order_line_id", "quantity",
        ),
        "receipts": _rows(
            DeliveryReceipt.objects.filter(shipment__order=order),
            "shipment_id", "name", "size", "sha256", "signer", "signed_on", "quantity_ok",
            "appearance_ok", "packing_ok", "remarks",
        ),
        "invoices": _rows(
            Invoice.objects.filter(order=order),
            "id", "number", "kind", "invoice_type", "fapiao_number", "original_id",
            "issue_date", "due_date", "amount_excl", "tax_amount", "total", "credited",
            "allocated", "reason",
        ),
        "invoice_lines": _rows(
            InvoiceLine.objects.filter(invoice__order=order),
            "invoice_id", "order_line_id", "quantity", "unit_price", "tax_rate", "amount_excl",
            "tax_amount", "total",
        ),
        "payments": _rows(
            Allocation.objects.filter(order=order),
            "id", "receipt__number", "receipt__received_on", "receipt__method",
            "receipt__bank_reference", "receipt__payer", "invoice_id", "amount", "reversed_at",
        ),
        "deviations": _rows(
            Deviation.objects.filter(order=order),
            "number", "kind", "category", "severity", "title", "description", "cause",
            "resolution", "status", "raised_at", "resolved_at",
        ),
    }  # fmt: skip
    return json.loads(canonical(data))
