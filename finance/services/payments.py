"""Receipts (收款凭证) and allocations (核销), REQUIREMENTS §7.

A receipt belongs to a customer; finance allocates it to that customer's orders or invoices,
partially if need be. What is left stays on the customer as an unallocated balance. Nothing is
ever allocated beyond the receipt, the invoice's open amount or the order's outstanding amount;
the rows are locked and the database checks the receipt and invoice totals as a last guard.
The last allocation that pays a delivered order in full settles it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.money import ZERO, money
from core.numbering import next_number
from orders.enums import OrderEventType, OrderStatus
from orders.events import order_event_record
from orders.models import Order

from ..balances import line_value, order_balance
from ..enums import ALLOCATABLE_STATES, InvoiceKind, ReceiptMethod
from ..models import Allocation, Invoice, Receipt
from ..permissions import may_write_finance

S = OrderStatus
MAX_AMOUNT = Decimal("99999999999999.99")


def _amount(raw, field: str, errors: dict) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        errors[field] = [_("Enter an amount.")]
    elif value <= 0:
        errors[field] = [_("The amount must be greater than zero.")]
    elif value > MAX_AMOUNT:  # before money(), whose quantize() fails on numbers this large
        errors[field] = [_("The amount is too large.")]
    elif value != money(value):
        errors[field] = [_("Enter at most 2 decimals.")]
    else:
        return value
    return None


def receipt_record(
    *,
    customer,
    actor,
    amount,
    received_on: dt.date | None = None,
    method: str = ReceiptMethod.BANK_TRANSFER,
    payer: str = "",
    bank_reference: str = "",
    remarks: str = "",
    allocations: list[dict] | None = None,
) -> Receipt:
    """Record money received; optionally allocate it at once ([{order, invoice?, amount}])."""
    if not may_write_finance(actor):
        raise PermissionDenied()
    errors: dict = {}
    if customer is None:
        raise ValidationFailed(fields={"customer": [_("Choose the customer who paid.")]})
    value = _amount(amount, "amount", errors)
    received_on = received_on or timezone.localdate()
    if not isinstance(received_on, dt.date) or isinstance(received_on, dt.datetime):
        errors["received_on"] = [_("Enter the date as YYYY-MM-DD.")]
    elif received_on > timezone.localdate():
        errors["received_on"] = [_("The date cannot be in the future.")]
    if method not in ReceiptMethod.values:
        errors["method"] = [_("Choose a method from the list.")]
    payer = (payer or "").strip() or customer.name
    if len(payer) > 200:
        errors["payer"] = [_("At most %(n)s characters.") % {"n": 200}]
    bank_reference = (bank_reference or "").strip()
    if len(bank_reference) > 60:
        errors["bank_reference"] = [_("At most %(n)s characters.") % {"n": 60}]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        receipt = Receipt.objects.create(
            number=next_number("RC", timezone.localdate()),
            customer=customer,
            amount=value,
            received_on=received_on,
            method=method,
            payer=payer,
            bank_reference=bank_reference,
            remarks=(remarks or "").strip(),
            created_by=actor,
        )
        for index, item in enumerate(allocations or []):
            try:
                allocation_create(
                    receipt=receipt,
                    actor=actor,
                    order=item.get("order"),
                    invoice=item.get("invoice"),
                    amount=item.get("amount"),
                )
            except ValidationFailed as exc:
                fields = {f"allocations.{index}.{k}": v for k, v in exc.fields.items()}
                raise ValidationFailed(exc.message, fields=fields) from exc
    return receipt


def allocation_create(
    *, receipt: Receipt, actor, order: Order | None, amount, invoice: Invoice | None = None
) -> Allocation:
    """Allocate part of a receipt to an order (a prepayment) or to one of its invoices."""
    if not may_write_finance(actor):
        raise PermissionDenied()
    errors: dict = {}
    value = _amount(amount, "amount", errors)
    if order is None and invoice is not None:
        order = invoice.order
    if order is None:
        errors["order"] = [_("Choose the order the money is for.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        order = Order.objects.select_for_update().get(pk=order.pk)
        if invoice is not None:
            invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if order.customer_id != receipt.customer_id:
            errors["order"] = [_("The order belongs to another customer.")]
        elif order.status not in ALLOCATABLE_STATES:
            raise InvalidTransition(
                _("No payment can be allocated to an order that is “%(status)s”.")
                % {"status": order.get_status_display()},
                extra={"status": order.status},
            )
        if invoice is not None and (
            invoice.order_id != order.pk or invoice.kind != InvoiceKind.NORMAL
        ):
            errors["invoice"] = [_("Choose an invoice of this order.")]
        if errors:
            raise ValidationFailed(fields=errors)
        if value > receipt.unallocated:
            errors["amount"] = [
                _("Only %(left)s of this receipt is unallocated.") % {"left": receipt.unallocated}
            ]
        elif invoice is not None and value > invoice.open_amount:
            errors["amount"] = [
                _("Only %(open)s of this invoice is unpaid.") % {"open": invoice.open_amount}
            ]
        elif invoice is None and value > _order_room(order):
            errors["amount"] = [
                _("Only %(open)s of this order is still to be paid.") % {"open": _order_room(order)}
            ]
        if errors:
            raise ValidationFailed(fields=errors)
        try:
            with transaction.atomic():
                Receipt.objects.filter(pk=receipt.pk).update(allocated=F("allocated") + value)
                if invoice is not None:
                    Invoice.objects.filter(pk=invoice.pk).update(allocated=F("allocated") + value)
        except IntegrityError as exc:  # the database's own guard; the checks above come first
            raise ValidationFailed(fields={"amount": [_("Over-allocation refused.")]}) from exc
        allocation = Allocation.objects.create(
            receipt=receipt, order=order, invoice=invoice, amount=value, created_by=actor
        )
        if invoice is None:
            # Money for the order pays its open invoices first (oldest due first); what is
            # left waits on the order for its next invoice (预收冲抵).
            apply_to_invoices(order=order, invoices=_open_invoices(order), actor=actor)
            allocation.refresh_from_db()
        order_event_record(
            order=order,
            actor=actor,
            event_type=OrderEventType.PAYMENT,
            payload={
                "receipt": receipt.number,
                "invoice": invoice.number if invoice else "",
                "amount": str(value),
            },
        )
    from .settlement import settle_if_complete

    settle_if_complete(order=order, actor=actor)
    return allocation


def _order_room(order: Order) -> Decimal:
    """How much more may be allocated to the order: what it is worth — its open lines in full,
    closed lines as shipped (a short-closed remainder is never owed), freight less discount —
    or more when more has been invoiced, less what is already paid."""
    balance = order_balance(order)
    worth = sum(
        (
            line_value(line, line.shipped_quantity if line.is_closed else line.quantity)
            for line in order.lines.all()
        ),
        ZERO,
    ) + (order.freight - order.discount)
    ceiling = max(worth, balance.invoiced, balance.deliverable)
    return max(money(ceiling - balance.paid), ZERO)


def _open_invoices(order: Order) -> list[Invoice]:
    return list(
        Invoice.objects.select_for_update()
        .filter(order=order, kind=InvoiceKind.NORMAL, allocated__lt=F("total") + F("credited"))
        .order_by("due_date", "issue_date", "id")
    )


def apply_to_invoices(*, order: Order, invoices: list[Invoice], actor) -> Decimal:
    """Move the order's unapplied allocations (money paid to the order, not to an invoice)
    onto `invoices` (locked, in this order) as far as their open amounts go. An allocation
    larger than the room is split; the rest stays on the order. Returns the amount applied."""
    pending = list(
        Allocation.objects.select_for_update()
        .filter(order=order, invoice__isnull=True, reversed_at__isnull=True)
        .order_by("created_at", "id")
    )
    total = ZERO
    for invoice in invoices:
        room, applied = invoice.open_amount, ZERO
        while room > 0 and pending:
            allocation = pending[0]
            take = min(room, allocation.amount)
            if take < allocation.amount:  # split: the rest waits on the order
                pending[0] = Allocation.objects.create(
                    receipt_id=allocation.receipt_id,
                    order_id=allocation.order_id,
                    amount=allocation.amount - take,
                    created_by_id=allocation.created_by_id,
                )
                allocation.amount = take
            else:
                pending.pop(0)
            allocation.invoice = invoice
            allocation.save(update_fields=["invoice", "amount"])
            room -= take
            applied += take
        if applied:
            Invoice.objects.filter(pk=invoice.pk).update(allocated=F("allocated") + applied)
            invoice.refresh_from_db(fields=["allocated"])
            total += applied
        if not pending:
            break
    return total


def allocation_reverse(*, allocation: Allocation, actor, reason: str) -> Allocation:
    """Undo a wrong allocation; the record stays, marked reversed, and the money is free again."""
    if not may_write_finance(actor):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Give a reason.")]})
    with transaction.atomic():
        # Receipt, order, invoice, allocation: the order in which every finance service locks,
        # so that concurrent allocations, invoices and reversals never deadlock.
        ids = (
            Allocation.objects.filter(pk=allocation.pk)
            .values("receipt_id", "order_id", "invoice_id")
            .get()
        )
        Receipt.objects.select_for_update().get(pk=ids["receipt_id"])
        order = Order.objects.select_for_update().get(pk=ids["order_id"])
        if ids["invoice_id"]:
            Invoice.objects.select_for_update().get(pk=ids["invoice_id"])
        locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
        locked.order = order
        if locked.reversed_at is not None:
            raise InvalidTransition(_("This allocation has already been reversed."))
        if locked.order.status in (S.SETTLED, S.ARCHIVED):
            raise InvalidTransition(
                _("The order is settled; its payments can no longer be changed."),
                extra={"status": locked.order.status},
            )
        Receipt.objects.filter(pk=locked.receipt_id).update(
            allocated=F("allocated") - locked.amount
        )
        if locked.invoice_id:
            Invoice.objects.filter(pk=locked.invoice_id).update(
                allocated=F("allocated") - locked.amount
            )
        locked.reversed_at = timezone.now()
        locked.reversed_by = actor
        locked.reverse_reason = reason[:300]
        locked.save(update_fields=["reversed_at", "reversed_by", "reverse_reason"])
        order_event_record(
            order=locked.order,
            actor=actor,
            event_type=OrderEventType.PAYMENT,
            comment=reason,
            payload={"reversed_allocation": locked.pk, "amount": str(-locked.amount)},
        )
    return locked
