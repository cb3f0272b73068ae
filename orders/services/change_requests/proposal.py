"""A proposed change of an approved order: which header fields it may touch, the new lines
priced with the code order_create/order_update use, checked against what has shipped, the
before/after diff and its category (REQUIREMENTS §5). Reads only; nothing here saves."""

import copy
import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.money import ZERO, format_quantity, money, price, quantity

from ...enums import ChangeCategory, DeliveryMethod, InvoiceType, OrderStatus
from ...models import Order, OrderLine, Product
from ..orders import HEADER_FIELDS, _apply_totals, _build_lines, _check_header

S = OrderStatus


# Header fields a change request may change (REQUIREMENTS §5: dates, terms, amounts). The
# customer, contract, order type and order date are the order's identity: a different one is
# a new order.
DATE_FIELDS = ("required_date", "promised_date")
TERM_FIELDS = (
    "payment_due_date",
    "delivery_method",
    "payment_terms",
    "invoice_type",
    "ship_to_text",
    "consignee",
    "consignee_phone",
    "special_requirements",
    "remarks",
)
AMOUNT_FIELDS = ("freight", "discount")
CHANGEABLE_FIELDS = DATE_FIELDS + TERM_FIELDS + AMOUNT_FIELDS
_DATE_VALUED = ("required_date", "promised_date", "payment_due_date")
_CHOICES = {"delivery_method": DeliveryMethod.values, "invoice_type": InvoiceType.values}


# --- values as JSON -------------------------------------------------------------------------------
def _json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _line_json(line: OrderLine) -> dict:
    return {
        "id": line.pk,
        "sequence": line.sequence,
        "product": line.product_id,
        "product_code": line.product.code,
        "product_name": line.product.name,
        "unit": line.unit,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "tax_rate": str(line.tax_rate),
        "amount": str(line.amount),
        "tax_amount": str(line.tax_amount),
        "shipped_quantity": str(line.shipped_quantity),
        "remarks": line.remarks,
    }


def order_snapshot(order: Order, lines: list[OrderLine] | None = None) -> dict:
    """The order's header, totals and lines as JSON (an OrderRevision's before/after)."""
    lines = list(order.lines.select_related("product")) if lines is None else lines
    header = {f: _json(getattr(order, f)) for f in HEADER_FIELDS}
    header.update(
        revision=order.revision,
        status=order.status,
        lines_total=str(order.lines_total),
        tax_total=str(order.tax_total),
        total=str(order.total),
    )
    return {"header": header, "lines": [_line_json(line) for line in lines]}


# --- the proposal: parsing, pricing and the diff ----------------------------------------------
def _clean_header(order: Order, header: dict, errors: dict) -> dict:
    """Proposed header values that differ from the order's, normalised."""
    changed = {}
    for field, value in (header or {}).items():
        if field not in CHANGEABLE_FIELDS:
            errors[field] = [_("This field cannot be changed by a change request.")]
            continue
        if field in _DATE_VALUED:
            if value is not None and not isinstance(value, datetime.date):
                errors[field] = [_("Enter the date as YYYY-MM-DD.")]
                continue
        elif field in AMOUNT_FIELDS:
            value = money(value if value is not None else ZERO)
        else:
            value = ("" if value is None else str(value)).replace("\r\n", "\n")
            if field not in ("special_requirements", "remarks"):
                value = value.strip()
            if field in _CHOICES and value not in _CHOICES[field]:
                errors[field] = [_("Choose one of the offered values.")]
                continue
            limit = Order._meta.get_field(field).max_length
            if limit and len(value) > limit:
                errors[field] = [
                    _("At most %(limit)s characters.") % {"limit": limit},
                ]
                continue
        if value != getattr(order, field):
            changed[field] = value
    merged = {f: changed.get(f, getattr(order, f)) for f in HEADER_FIELDS}
    _check_header(merged, errors)
    return changed


def _proposed_rows(existing: dict, lines: list[dict] | None, errors: dict) -> list[dict]:
    """The full proposed line list: existing lines by id (missing values kept), new ones
    without id. None keeps every line as it is."""
    if lines is None:
        return [
            {
                "id": line.pk,
                "product": line.product,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "remarks": line.remarks,
            }
            for line in existing.values()
        ]
    rows, seen = [], set()
    for index, data in enumerate(lines):
        line_id = data.get("id")
        if line_id in (None, ""):
            rows.append({**data, "id": None})
            continue
        try:
            line = existing[int(line_id)]
        except (KeyError, TypeError, ValueError):
            errors[f"lines.{index}.id"] = [_("This line is not part of the order.")]
            rows.append({**data, "id": None, "product": None})
            continue
        if line.pk in seen:
            errors[f"lines.{index}.id"] = [_("This line appears twice.")]
        seen.add(line.pk)
        rows.append(
            {
                "id": line.pk,
                "product": line.product,
                "quantity": data["quantity"] if data.get("quantity") is not None else line.quantity,
                "unit_price": data["unit_price"]
                if data.get("unit_price") is not None
                else line.unit_price,
                "remarks": data["remarks"] if data.get("remarks") is not None else line.remarks,
            }
        )
    return rows


def _price(order: Order, existing: dict, rows: list[dict], errors: dict) -> list[OrderLine]:
    """Price the proposed lines with the code order_create/order_update use (same amounts to
    the fen) and check them against what has shipped."""
    if not rows:
        errors["lines"] = [_("An order keeps at least one line; ask for a cancellation instead.")]
    priced_input = []
    for row in rows:
        line = existing.get(row["id"])
        product = row.get("product")
        if line is not None and not product.is_active:
            # A product no longer sold stays on the lines that already have it.
            product = copy.copy(product)
            product.is_active = True
        priced_input.append(
            {
                "product": product,
                "quantity": row.get("quantity"),
                "unit_price": row.get("unit_price"),
                "tax_rate": line.tax_rate if line is not None else None,
                "remarks": row.get("remarks") or "",
            }
        )
    built = _build_lines(priced_input, errors)
    by_index = {line.sequence - 1: line for line in built}
    priced = []
    for index, row in enumerate(rows):
        line = by_index.get(index)
        if line is None:
            continue
        line.pk = row["id"]
        previous = existing.get(row["id"])
        if previous is not None:
            line.product = previous.product
            line.sequence = previous.sequence
            line.shipped_quantity = previous.shipped_quantity
            if line.quantity < previous.shipped_quantity:
                errors[f"lines.{index}.quantity"] = [
                    _("%(shipped)s %(unit)s of this line have shipped already.")
                    % {"shipped": format_quantity(previous.shipped_quantity), "unit": previous.unit}
                ]
        priced.append(line)
    kept = {row["id"] for row in rows}
    for line in existing.values():
        if line.pk not in kept and line.shipped_quantity > 0:
            errors.setdefault("lines", []).append(
                _(
                    "Line %(no)s has shipments and cannot be removed; reduce its quantity to "
                    "the shipped quantity instead."
                )
                % {"no": line.sequence}
            )
    if (
        order.status == S.PARTIALLY_SHIPPED
        and priced
        and all(line.quantity <= line.shipped_quantity for line in priced)
    ):
        errors.setdefault("lines", []).append(
            _(
                "After this change nothing would be left to ship; keep an open quantity on at "
                "least one line."
            )
        )
    return priced


def before_after(before, after) -> dict:
    return {"before": _json(before), "after": _json(after)}


def _diff(order: Order, existing: dict, header: dict, priced: list, after: Order) -> dict:
    changed, added = [], []
    for line in priced:
        base = {
            "sequence": line.sequence if line.pk else None,
            "product": line.product_id,
            "product_code": line.product.code,
            "product_name": line.product.name,
            "unit": line.unit,
        }
        previous = existing.get(line.pk)
        if previous is None:
            added.append(
                {
                    **base,
                    "quantity": str(line.quantity),
                    "unit_price": str(line.unit_price),
                    "amount": str(line.amount),
                    "remarks": line.remarks,
                }
            )
            continue
        fields = [
            f
            for f in ("quantity", "unit_price", "remarks")
            if getattr(previous, f) != getattr(line, f)
        ]
        if fields:
            changed.append(
                {
                    **base,
                    "id": line.pk,
                    "fields": fields,
                    "quantity": before_after(previous.quantity, line.quantity),
                    "unit_price": before_after(previous.unit_price, line.unit_price),
                    "amount": before_after(previous.amount, line.amount),
                    "remarks": before_after(previous.remarks, line.remarks),
                }
            )
    kept = {line.pk for line in priced}
    removed = [_line_json(line) for line in existing.values() if line.pk not in kept]
    return {
        "header": [
            {"field": f, **before_after(getattr(order, f), header[f])}
            for f in CHANGEABLE_FIELDS
            if f in header
        ],
        "lines": {"added": added, "removed": removed, "changed": changed},
        "totals": {
            f: before_after(getattr(order, f), getattr(after, f))
            for f in ("lines_total", "tax_total", "freight", "discount", "total")
        },
    }


def change_category(diff: dict) -> str:
    """An added line, a higher unit price or quantity, or a higher total is an increase; a
    change of delivery dates and nothing else is date-only; anything else is "other"."""
    lines = diff["lines"]
    increase = (
        bool(lines["added"])
        or any(
            Decimal(c[f]["after"]) > Decimal(c[f]["before"])
            for c in lines["changed"]
            for f in ("quantity", "unit_price")
        )
        or Decimal(diff["totals"]["total"]["after"]) > Decimal(diff["totals"]["total"]["before"])
    )
    if increase:
        return ChangeCategory.INCREASE
    fields = {entry["field"] for entry in diff["header"]}
    if fields and fields <= set(DATE_FIELDS) and not lines["removed"] and not lines["changed"]:
        return ChangeCategory.DATE_ONLY
    return ChangeCategory.OTHER


def proposal_evaluate(order: Order, header: dict | None, lines: list[dict] | None) -> dict:
    """Check and price a proposal: {"header", "lines" (priced), "after", "diff", "category",
    "proposed"}; ValidationFailed with "field" / "lines.N.field" keys when it does not hold."""
    errors: dict = {}
    existing = {line.pk: line for line in order.lines.select_related("product")}
    changed = _clean_header(order, header or {}, errors)
    rows = _proposed_rows(existing, lines, errors)
    priced = _price(order, existing, rows, errors)
    after = Order(
        freight=changed.get("freight", order.freight),
        discount=changed.get("discount", order.discount),
    )
    _apply_totals(after, priced, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    diff = _diff(order, existing, changed, priced, after)
    if not diff["header"] and not any(diff["lines"].values()):
        raise ValidationFailed(
            _("Nothing would change."),
            fields={"non_field_errors": [_("Change at least one value, or add or remove a line.")]},
        )
    proposed = {
        "header": {f: _json(v) for f, v in changed.items()},
        "lines": [
            {
                "id": line.pk,
                "product": line.product_id,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "remarks": line.remarks,
            }
            for line in priced
        ],
    }
    return {
        "header": changed,
        "lines": priced,
        "after": after,
        "diff": diff,
        "category": change_category(diff),
        "proposed": proposed,
        "existing": list(existing.values()),
    }


def decode_header(proposed: dict) -> dict:
    values = {}
    for field, value in (proposed.get("header") or {}).items():
        if field in _DATE_VALUED:
            value = datetime.date.fromisoformat(value) if value else None
        elif field in AMOUNT_FIELDS:
            value = Decimal(value)
        values[field] = value
    return values


def decode_lines(proposed: dict) -> list[dict]:
    rows = proposed.get("lines") or []
    products = Product.objects.in_bulk({row["product"] for row in rows if not row.get("id")})
    return [
        {
            "id": row.get("id"),
            "product": products.get(row["product"]) if not row.get("id") else None,
            "quantity": quantity(row["quantity"]),
            "unit_price": price(row["unit_price"]),
            "remarks": row.get("remarks", ""),
        }
        for row in rows
    ]
