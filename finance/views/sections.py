"""The finance section of the order page (registered with orders.lifecycle from FinanceConfig):
what the order is worth so far, what is invoiced and paid, its invoices and payments, and the
way to invoice it. Shown from approval on, to those who may read the order's figures."""

from __future__ import annotations

from django.conf import settings

from orders.enums import OrderStatus

from ..balances import invoices_on_the_order, order_balance
from ..enums import APPROVED_STATES, InvoiceKind
from ..models import Allocation, Invoice
from ..permissions import may_read_finance, may_write_finance, sees_all_figures
from ..services import invoiceable
from ..services.invoices import PREPAID_STATES, SHIPPED_STATES
from .common import url_or_none

S = OrderStatus
FINANCE_STATES = APPROVED_STATES


def _may_see(user, order) -> bool:
    if not may_read_finance(user):
        return False
    return sees_all_figures(user) or order.customer.account_manager_id == user.pk


def order_finance_section(request, order) -> list[dict]:
    """[{"template", "column", "context"}] for the order page, or [] when not relevant."""
    user = request.user
    if order.status not in FINANCE_STATES or not _may_see(user, order):
        return []
    balance = order_balance(order)
    invoices = list(Invoice.objects.filter(order=order).order_by("issue_date", "id"))
    allocations = list(
        Allocation.objects.filter(order=order)
        .select_related("receipt", "invoice")
        .order_by("created_at", "id")
    )
    may_write = may_write_finance(user)
    allowed = PREPAID_STATES if invoices_on_the_order(order) else SHIPPED_STATES
    invoice_url = None
    if may_write and order.status in allowed and invoiceable(order):
        invoice_url = url_or_none("finance:invoice_create", order.pk)
    settle_by_hand = None
    complete = balance.uninvoiced == 0 and balance.unpaid <= 0 and balance.outstanding <= 0
    if order.status == S.DELIVERED and not complete:
        difference = max(abs(balance.uninvoiced), abs(balance.outstanding))
        settle_by_hand = {
            "difference": difference,
            "possible": difference <= settings.SETTLEMENT_TOLERANCE,
            "tolerance": settings.SETTLEMENT_TOLERANCE,
        }
    return [
        {
            "template": "finance/sections/order_finance.html",
            "column": "col-12",
            "context": {
                "order": order,
                "balance": balance,
                "invoices": invoices,
                "normal_kind": InvoiceKind.NORMAL,
                "allocations": allocations,
                "invoice_url": invoice_url,
                "may_write": may_write,
                "settle_by_hand": settle_by_hand,
                "on_the_order": invoices_on_the_order(order),
            },
        }
    ]
