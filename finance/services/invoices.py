"""Invoicing (开票, REQUIREMENTS §7): finance issues invoices from shipped quantities — or from the
order, for prepayment — partially if need be, and reverses them with red-letter credit notes.

A line is never invoiced beyond its basis (balances.line_basis). Line amounts are cumulative
differences — value(invoiced so far + this) − value(invoiced so far) — so however an order is
split over invoices, its invoices add up to the cent to what its lines are worth.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.money import ZERO, format_cny, format_quantity, money, split_tax
from core.numbering import next_number
from orders.enums import InvoiceType, OrderEventType, OrderStatus
from orders.events import order_event_record
from orders.models import Order

from ..balances import invoiced_by_line, invoices_on_the_order, line_basis, line_value
from ..enums import InvoiceKind
from ..models import Invoice, InvoiceLine
from ..permissions import may_write_finance
from .payments import apply_to_invoices

S = OrderStatus
# 8-digit numbers of the classic fapiao, 20 digits for the fully digital one (全电发票).
FAPIAO_NUMBER = re.compile(r"^(\d{8}|\d{20})$")
SHIPPED_STATES = (S.PARTIALLY_SHIPPED, S.SHIPPED, S.DELIVERED)
PREPAID_STATES = (S.APPROVED, S.IN_PRODUCTION, S.READY_TO_SHIP, S.ON_HOLD, *SHIPPED_STATES)
# Goods shipped before an order was put on hold may still be invoiced.
INVOICEABLE_STATES = (*SHIPPED_STATES, S.ON_HOLD)
# Documents of a closed order are never changed.
CLOSED_STATES = (S.SETTLED, S.ARCHIVED, S.CANCELLED)
MAX_QUANTITY = Decimal("99999999999.999")  # 14 digits, 3 decimals


def _quantity(raw, field: str, errors: dict) -> Decimal | None:
    try:
        qty = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        qty = None
    if qty is None or not qty.is_finite():
        errors[field] = [_("Enter a number.")]
        return None
    if qty <= 0:
        errors[field] = [_("The quantity must be greater than zero.")]
        return None
    if qty > MAX_QUANTITY:  # before quantize(), which fails on numbers this large
        errors[field] = [_("The quantity is too large.")]
        return None
    if qty != qty.quantize(Decimal("0.001"), rounding=ROUND_DOWN):
        errors[field] = [_("Enter at most 3 decimals.")]
        return None
    return qty


def _document_fields(
    *, fapiao_number: str, invoice_type: str, issue_date, earliest: dt.date, errors: dict
) -> str:
    fapiao_number = (fapiao_number or "").strip()
    if not FAPIAO_NUMBER.match(fapiao_number):
        errors["fapiao_number"] = [
            _("Enter the fapiao number: 8 digits, or 20 for a digital fapiao.")
        ]
    if invoice_type not in InvoiceType.values:
        errors["invoice_type"] = [_("Choose an invoice type from the list.")]
    if not isinstance(issue_date, dt.date) or isinstance(issue_date, dt.datetime):
        errors["issue_date"] = [_("Enter the date as YYYY-MM-DD.")]
    elif issue_date > timezone.localdate():
        errors["issue_date"] = [_("The issue date cannot be in the future.")]
    elif issue_date < earliest:
        errors["issue_date"] = [_("The issue date is before the order date.")]
    return fapiao_number


def _due_date(order: Order, issue_date: dt.date) -> dt.date:
    """The order's payment due date, else the issue date + the customer's credit term."""
    if order.payment_due_date and order.payment_due_date >= issue_date:
        return order.payment_due_date
    return issue_date + dt.timedelta(days=order.customer.credit_days)


def invoiceable(order: Order) -> dict[int, Decimal]:
    """{line id: quantity that may still be invoiced}."""
    done = invoiced_by_line(order)
    result = {}
    for line in order.lines.all():
        left = line_basis(order, line) - done.get(line.pk, (ZERO, ZERO))[0]
        if left > 0:
            result[line.pk] = left
    return result


def _save(invoice: Invoice) -> Invoice:
    """Saves a new invoice; a fapiao number already recorded for its type is refused (checked
    first, and by the database's unique constraint when two are recorded at once)."""
    duplicate = {"fapiao_number": [_("This fapiao number is already recorded.")]}
    if Invoice.objects.filter(
        invoice_type=invoice.invoice_type, fapiao_number=invoice.fapiao_number
    ).exists():
        raise ValidationFailed(fields=duplicate)
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError as exc:
        raise ValidationFailed(fields=duplicate) from exc
    return invoice


def invoice_issue(
    *,
    order: Order,
    actor,
    fapiao_number: str,
    issue_date: dt.date | None = None,
    invoice_type: str = "",
    quantities: dict | None = None,
    remarks: str = "",
) -> Invoice:
    """Issue an invoice for `quantities` ({line id: qty}; None = everything invoiceable).
    The order's freight less discount goes on its first invoice. Prepayments already allocated
    to the order are applied to the new invoice (预收冲抵)."""
    if not may_write_finance(actor):
        raise PermissionDenied()
    issue_date = issue_date or timezone.localdate()
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=order.pk)
        )
        allowed = PREPAID_STATES if invoices_on_the_order(order) else INVOICEABLE_STATES
        if order.status not in allowed:
            raise InvalidTransition(
                _("Nothing on this order can be invoiced while it is “%(status)s”.")
                % {"status": order.get_status_display()},
                extra={"status": order.status},
            )
        errors: dict = {}
        fapiao_number = _document_fields(
            fapiao_number=fapiao_number,
            invoice_type=invoice_type or order.invoice_type,
            issue_date=issue_date,
            earliest=order.order_date,
            errors=errors,
        )
        lines = {line.pk: line for line in order.lines.all()}
        open_qty = invoiceable(order)
        wanted: dict[int, Decimal] = {}
        if quantities is None:
            wanted = dict(open_qty)
        else:
            for raw_id, raw_qty in quantities.items():
                key = f"lines.{raw_id}"
                line = lines.get(int(raw_id)) if str(raw_id).isdigit() else None
                if line is None:
                    errors[key] = [_("This line is not part of the order.")]
                    continue
                qty = _quantity(raw_qty, key, errors)
                if qty is None:
                    continue
                if qty > open_qty.get(line.pk, ZERO):
                    errors[key] = [
                        _("Only %(open)s %(unit)s of this line may still be invoiced.")
                        % {"open": format_quantity(open_qty.get(line.pk, ZERO)), "unit": line.unit}
                    ]
                    continue
                wanted[line.pk] = qty
        if not wanted and not errors:
            errors["lines"] = [_("Nothing on this order is left to invoice.")]
        if errors:
            raise ValidationFailed(fields=errors)

        done = invoiced_by_line(order)
        adjustment = _adjustment_due(order)
        invoice = Invoice(
            number=next_number("IV", timezone.localdate()),
            kind=InvoiceKind.NORMAL,
            invoice_type=invoice_type or order.invoice_type,
            fapiao_number=fapiao_number,
            order=order,
            customer=order.customer,
            issue_date=issue_date,
            due_date=_due_date(order, issue_date),
            adjustment=adjustment,
            amount_excl=ZERO,
            tax_amount=ZERO,
            total=ZERO,
            remarks=(remarks or "").strip(),
            created_by=actor,
        )
        built = []
        for line_id, qty in sorted(wanted.items(), key=lambda item: lines[item[0]].sequence):
            line = lines[line_id]
            before_qty, before_amount = done.get(line_id, (ZERO, ZERO))
            total = line_value(line, before_qty + qty) - before_amount
            excl, tax = split_tax(total, line.tax_rate)
            built.append(
                InvoiceLine(
                    order_line=line,
                    quantity=qty,
                    unit_price=line.unit_price,
                    tax_rate=line.tax_rate,
                    amount_excl=excl,
                    tax_amount=tax,
                    total=total,
                )
            )
        top_rate = max((line.tax_rate for line in lines.values()), default=ZERO)
        adj_excl, adj_tax = split_tax(adjustment, top_rate)
        invoice.amount_excl = sum((x.amount_excl for x in built), adj_excl)
        invoice.tax_amount = sum((x.tax_amount for x in built), adj_tax)
        invoice.total = sum((x.total for x in built), adjustment)
        if invoice.total <= 0:
            raise ValidationFailed(fields={"lines": [_("The invoice total must be positive.")]})
        _save(invoice)
        for line in built:
            line.invoice = invoice
        InvoiceLine.objects.bulk_create(built)
        _apply_prepayments(invoice, actor)
        order_event_record(
            order=order,
            actor=actor,
            event_type=OrderEventType.INVOICE,
            payload={
                "invoice": invoice.number,
                "fapiao_number": invoice.fapiao_number,
                "total": str(invoice.total),
            },
        )
    from .settlement import settle_if_complete

    settle_if_complete(order=order, actor=actor)
    return invoice


def _adjustment_due(order: Order) -> Decimal:
    """The order's freight less discount goes on its first invoice — or again on the next one
    when a credit note took it back."""
    carried = Invoice.objects.filter(order=order).aggregate(s=Sum("adjustment"))["s"] or ZERO
    return money(order.freight - order.discount - carried)


def _apply_prepayments(invoice: Invoice, actor) -> None:
    """Move the order's unapplied allocations (prepayments) onto the new invoice."""
    apply_to_invoices(order=invoice.order, invoices=[invoice], actor=actor)


def credit_note_issue(
    *,
    invoice: Invoice,
    actor,
    fapiao_number: str,
    reason: str,
    issue_date: dt.date | None = None,
    quantities: dict | None = None,
) -> Invoice:
    """A red-letter credit note (红字发票) reversing part ({invoice line id: qty}) or all (None)
    of an invoice. Never more than is left of the invoice, and never below what has been paid
    on it (reverse the allocation first)."""
    if not may_write_finance(actor):
        raise PermissionDenied()
    reason = (reason or "").strip()
    issue_date = issue_date or timezone.localdate()
    with transaction.atomic():
        # Lock the order before the invoice, as allocations do, so the two never deadlock.
        order = Order.objects.select_for_update().get(pk=invoice.order_id)
        original = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if original.kind != InvoiceKind.NORMAL:
            raise ValidationFailed(_("A credit note cannot itself be reversed."))
        if order.status in CLOSED_STATES:
            raise InvalidTransition(
                _("The order is “%(status)s”; its invoices can no longer be changed.")
                % {"status": order.get_status_display()},
                extra={"status": order.status},
            )
        errors: dict = {}
        if not reason:
            errors["reason"] = [_("Give a reason.")]
        fapiao_number = _document_fields(
            fapiao_number=fapiao_number,
            invoice_type=original.invoice_type,
            issue_date=issue_date,
            earliest=original.issue_date,
            errors=errors,
        )
        # What the earlier credit notes took back, per order line: (quantity, amount) ≥ 0.
        credited: dict[int, tuple[Decimal, Decimal]] = {}
        for row in InvoiceLine.objects.filter(invoice__original=original).values(
            "order_line", "quantity", "total"
        ):
            qty, amount = credited.get(row["order_line"], (ZERO, ZERO))
            credited[row["order_line"]] = (qty - row["quantity"], amount - row["total"])
        originals = {x.pk: x for x in original.lines.select_related("order_line")}
        left = {
            pk: x.quantity - credited.get(x.order_line_id, (ZERO, ZERO))[0]
            for pk, x in originals.items()
        }
        wanted: dict[int, Decimal] = {}
        if quantities is None:
            wanted = {pk: qty for pk, qty in left.items() if qty > 0}
        else:
            for raw_id, raw_qty in quantities.items():
                key = f"lines.{raw_id}"
                if not str(raw_id).isdigit() or int(raw_id) not in originals:
                    errors[key] = [_("This line is not part of the invoice.")]
                    continue
                qty = _quantity(raw_qty, key, errors)
                if qty is None:
                    continue
                if qty > left[int(raw_id)]:
                    errors[key] = [
                        _("Only %(open)s may still be reversed on this line.")
                        % {"open": format_quantity(left[int(raw_id)])}
                    ]
                    continue
                wanted[int(raw_id)] = qty
        if not wanted and not errors:
            errors["lines"] = [_("Nothing is left to reverse on this invoice.")]
        if errors:
            raise ValidationFailed(fields=errors)
        built = []
        for pk, qty in wanted.items():
            source = originals[pk]
            before_qty, before_amount = credited.get(source.order_line_id, (ZERO, ZERO))
            # Cumulative, like invoicing: however the line is reversed in parts, the parts add
            # up to the cent to the invoice line.
            total = -(_credit_value(source, before_qty + qty) - before_amount)
            excl, tax = split_tax(total, source.tax_rate)
            built.append(
                InvoiceLine(
                    order_line=source.order_line,
                    quantity=-qty,
                    unit_price=source.unit_price,
                    tax_rate=source.tax_rate,
                    amount_excl=excl,
                    tax_amount=tax,
                    total=total,
                )
            )
        # The note that leaves no goods on the invoice takes the freight/discount back too.
        whole = all(wanted.get(pk, ZERO) == qty for pk, qty in left.items())
        adjustment = -original.adjustment if whole else ZERO
        total = sum((x.total for x in built), adjustment)
        if total >= 0:
            raise ValidationFailed(
                fields={"lines": [_("The credit note must reduce the invoice.")]}
            )
        if original.net_total + total < original.allocated:
            raise ValidationFailed(
                _(
                    "%(paid)s has been paid on this invoice; reverse that allocation before "
                    "crediting more than is unpaid."
                )
                % {"paid": format_cny(original.allocated)},
                fields={"lines": [_("The credit note exceeds the unpaid amount.")]},
            )
        adj_excl, adj_tax = split_tax(adjustment, _top_rate(original))
        note = _save(
            Invoice(
                number=next_number("IV", timezone.localdate()),
                kind=InvoiceKind.CREDIT_NOTE,
                invoice_type=original.invoice_type,
                fapiao_number=fapiao_number,
                order=order,
                customer_id=original.customer_id,
                original=original,
                issue_date=issue_date,
                due_date=issue_date,
                adjustment=adjustment,
                amount_excl=sum((x.amount_excl for x in built), adj_excl),
                tax_amount=sum((x.tax_amount for x in built), adj_tax),
                total=total,
                reason=reason[:300],
                created_by=actor,
            )
        )
        for line in built:
            line.invoice = note
        InvoiceLine.objects.bulk_create(built)
        Invoice.objects.filter(pk=original.pk).update(credited=F("credited") + total)
        order_event_record(
            order=order,
            actor=actor,
            event_type=OrderEventType.INVOICE,
            comment=reason,
            payload={
                "credit_note": note.number,
                "reverses": original.number,
                "fapiao_number": note.fapiao_number,
                "total": str(note.total),
            },
        )
    return note


def _credit_value(source: InvoiceLine, qty: Decimal) -> Decimal:
    """What `qty` of an invoice line is worth; all of it is exactly the line's total."""
    if qty == source.quantity:
        return source.total
    return money(qty * source.unit_price)


def _top_rate(invoice: Invoice) -> Decimal:
    return max((x.tax_rate for x in invoice.lines.all()), default=ZERO)
