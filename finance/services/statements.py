"""Customer statements (对账单, ISSUE 6 item 5): issued by finance for a period, then the
customer's confirmation or dispute is recorded against them.

The figures follow the invoice-basis ledger documented in finance.statements.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Customer
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.numbering import next_number

from ..enums import StatementStatus
from ..models import Statement
from ..permissions import may_write_finance
from ..statements import contents_to_json, statement_contents

MAX_PERIOD_DAYS = 366 * 3
NOTE_MAX = 2000


def statement_period_errors(date_from, date_to) -> dict:
    """Field errors of a statement period (empty when it is valid): both dates, in order, not
    ending in the future, at most three years long."""
    errors: dict = {}
    for field, value in (("date_from", date_from), ("date_to", date_to)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            errors[field] = [_("Enter the date as YYYY-MM-DD.")]
    if errors:
        return errors
    if date_from > date_to:
        errors["date_to"] = [_("The end of the period is before its start.")]
    elif date_to > timezone.localdate():
        errors["date_to"] = [_("The period cannot end in the future.")]
    elif (date_to - date_from).days > MAX_PERIOD_DAYS:
        errors["date_from"] = [_("A statement covers at most three years.")]
    return errors


def statement_issue(
    *, customer: Customer, date_from: dt.date, date_to: dt.date, actor
) -> Statement:
    """Draw up the customer's statement for the period and freeze its contents: opening
    balance, the period's orders, shipments, invoices and credit notes, receipts, closing
    balance and its amount in capitals (REQUIREMENTS §7). Finance only."""
    if not may_write_finance(actor):
        raise PermissionDenied()
    if customer is None:
        raise ValidationFailed(fields={"customer": [_("Choose a customer.")]})
    errors = statement_period_errors(date_from, date_to)
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        # Lock the customer: two statements drawn up at once see the same documents.
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        contents = statement_contents(customer=customer, date_from=date_from, date_to=date_to)
        statement = Statement(
            number=next_number("ST", timezone.localdate()),
            customer=customer,
            date_from=date_from,
            date_to=date_to,
            opening_balance=contents["opening_balance"],
            invoiced=contents["invoiced"],
            received=contents["received"],
            closing_balance=contents["closing_balance"],
            created_by=actor,
        )
        contents["number"] = statement.number
        statement.snapshot = contents_to_json(contents)
        statement.full_clean(exclude=["number", "created_by"])
        statement.save()
    return statement


RESPONSES = (StatementStatus.CONFIRMED, StatementStatus.DISPUTED)


def statement_respond(*, statement: Statement, actor, status: str, note: str = "") -> Statement:
    """Record the customer's answer to a statement sent to them: confirmed, or disputed with
    a note saying what they disagree with. Recorded once, by finance."""
    if not may_write_finance(actor):
        raise PermissionDenied()
    note = (note or "").strip()
    errors: dict = {}
    if status not in RESPONSES:
        errors["status"] = [_("Choose “confirmed” or “disputed”.")]
    elif status == StatementStatus.DISPUTED and not note:
        errors["note"] = [_("Say what the customer disputes.")]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(n)s characters.") % {"n": NOTE_MAX}]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        locked = Statement.objects.select_for_update().get(pk=statement.pk)
        if locked.status != StatementStatus.ISSUED:
            raise InvalidTransition(
                _("The customer's response is already recorded: “%(status)s”.")
                % {"status": locked.get_status_display()},
                extra={"status": locked.status},
            )
        locked.status = status
        locked.response_note = note
        locked.responded_at = timezone.now()
        locked.save(update_fields=["status", "response_note", "responded_at"])
    return locked
