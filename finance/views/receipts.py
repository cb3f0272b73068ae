"""Receipt pages (收款与核销, REQUIREMENTS §7): the list, recording money received, a receipt with
its allocations to the customer's orders or invoices, and reversing a wrong allocation. What is
not allocated stays on the customer; the services refuse over-allocation."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.errors import ApplicationError
from core.money import ZERO, format_cny, money
from core.web import apply_service_errors, found_or_404

from ..balances import order_balance
from ..forms import AllocationForm, AllocationReverseForm, ReceiptFilterForm, ReceiptForm
from ..models import Receipt
from ..permissions import may_write_finance
from ..selectors import allocation_list, customer_unallocated, receipt_get, receipt_list
from ..services import allocation_create, allocation_reverse, receipt_record
from .common import finance_page, finance_writer_page, list_page

LOCKED_STATES = ("settled", "archived")


@finance_page
@require_safe
def receipt_list_view(request):
    form = ReceiptFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    return list_page(
        request,
        "finance/receipt_list.html",
        form=form,
        rows=receipt_list(user=request.user, filters=filters),
        name="receipts",
        filtered=bool(filters),
    )


@finance_writer_page
@require_http_methods(["GET", "HEAD", "POST"])
def receipt_create_view(request):
    posted = request.method == "POST"
    form = ReceiptForm(request.POST if posted else None)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            receipt = receipt_record(
                customer=data["customer"],
                actor=request.user,
                amount=data["amount"],
                received_on=data["received_on"],
                method=data["method"],
                payer=data["payer"],
                bank_reference=data["bank_reference"],
                remarks=data["remarks"],
            )
        except ApplicationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(
                request,
                _("Receipt %(number)s recorded: %(amount)s from %(customer)s. Allocate it below.")
                % {
                    "number": receipt.number,
                    "amount": format_cny(receipt.amount),
                    "customer": receipt.customer.name,
                },
            )
            return redirect("finance:receipt_detail", pk=receipt.pk)
    return render(
        request, "finance/receipt_form.html", {"form": form}, status=400 if posted else 200
    )


# --- a receipt and its allocations ---------------------------------------------------------------
def order_room(order) -> Decimal:
    """What may still be paid on an order: its total, or what it is worth now when more has
    been invoiced or delivered, less what is paid (the default of the amount field)."""
    balance = order_balance(order)
    return max(money(max(order.total, balance.invoiced, balance.deliverable) - balance.paid), ZERO)


def _default_amount(receipt: Receipt, order=None, invoice=None) -> Decimal:
    left = receipt.unallocated
    if invoice is not None:
        return max(min(left, invoice.open_amount), ZERO)
    if order is not None:
        return min(left, order_room(order))
    return left


def _detail_context(request, receipt: Receipt, *, form=None, reverse_errors=None) -> dict:
    may_write = may_write_finance(request.user)
    allocations = list(
        allocation_list(
            user=request.user, filters={"receipt": receipt.pk, "include_reversed": True}
        ).select_related("created_by", "reversed_by")
    )
    for allocation in allocations:
        allocation.reversible = (
            may_write
            and allocation.reversed_at is None
            and allocation.order.status not in LOCKED_STATES
        )
    reverse_errors = reverse_errors or {}
    # A refusal about an allocation that can no longer be reversed shows above the list.
    reverse_alert = [
        error
        for allocation in allocations
        if not allocation.reversible
        for error in reverse_errors.get(allocation.pk, [])
    ]
    if form is None and may_write and receipt.unallocated > 0:
        form = AllocationForm(receipt=receipt, initial={"amount": receipt.unallocated})
    return {
        "receipt": receipt,
        "allocations": allocations,
        "form": form if receipt.unallocated > 0 else None,
        "may_write": may_write,
        "customer_unallocated": customer_unallocated(receipt.customer),
        "reverse_errors": reverse_errors,
        "reverse_alert": reverse_alert,
    }


@finance_page
@require_safe
def receipt_detail_view(request, pk):
    receipt = found_or_404(receipt_get, user=request.user, receipt_id=pk)
    return render(request, "finance/receipt_detail.html", _detail_context(request, receipt))


@finance_writer_page
@require_POST
def allocation_create_view(request, pk):
    receipt = found_or_404(receipt_get, user=request.user, receipt_id=pk)
    form = AllocationForm(request.POST, receipt=receipt)
    if form.is_valid():
        data = form.cleaned_data
        try:
            allocation = allocation_create(
                receipt=receipt,
                actor=request.user,
                order=data["order"],
                invoice=data["invoice"],
                amount=data["amount"],
            )
        except ApplicationError as exc:
            apply_service_errors(exc, form)
        else:
            order = allocation.order
            order.refresh_from_db(fields=["status"])
            text = _("%(amount)s allocated to order %(order)s.") % {
                "amount": format_cny(allocation.amount),
                "order": order.number,
            }
            if order.status == "settled":
                text += " " + _("The order is now settled.")
            messages.success(request, text)
            return redirect("finance:receipt_detail", pk=receipt.pk)
    if form.cleaned_data.get("order") is not None:
        form.narrow_invoices(form.cleaned_data["order"])
    receipt.refresh_from_db()
    return render(
        request,
        "finance/receipt_detail.html",
        _detail_context(request, receipt, form=form),
        status=400,
    )


@finance_writer_page
@require_safe
def allocation_options_view(request, pk):
    """The invoice select and the amount for the chosen order (htmx dependent select): the
    order's open invoices, and as amount what is unallocated or still to pay, the smaller."""
    receipt = found_or_404(receipt_get, user=request.user, receipt_id=pk)
    probe = AllocationForm(request.GET, receipt=receipt)
    probe.is_valid()
    order = probe.cleaned_data.get("order")
    invoice = probe.cleaned_data.get("invoice")
    if invoice is not None and (order is None or invoice.order_id != order.pk):
        invoice = None
    form = AllocationForm(
        receipt=receipt,
        initial={
            "order": order,
            "invoice": invoice,
            "amount": _default_amount(receipt, order, invoice),
        },
    )
    if order is not None:
        form.narrow_invoices(order)
    return render(
        request, "finance/includes/allocate_dependent.html", {"form": form, "receipt": receipt}
    )


@finance_writer_page
@require_POST
def allocation_reverse_view(request, pk):
    allocation = (
        allocation_list(user=request.user, filters={"include_reversed": True}).filter(pk=pk).first()
    )
    if allocation is None:
        raise Http404(_("No such allocation."))
    form = AllocationReverseForm(request.POST)
    form.is_valid()
    try:
        allocation_reverse(
            allocation=allocation, actor=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except ApplicationError as exc:
        fields = exc.extra.get("fields") or {}
        errors = [str(m) for messages_ in fields.values() for m in messages_] or [str(exc.message)]
        receipt = allocation.receipt
        receipt.refresh_from_db()
        context = _detail_context(request, receipt, reverse_errors={allocation.pk: errors})
        return render(request, "finance/receipt_detail.html", context, status=400)
    messages.success(
        request,
        _("The allocation of %(amount)s to order %(order)s was reversed; the money is free again.")
        % {"amount": format_cny(allocation.amount), "order": allocation.order.number},
    )
    return redirect("finance:receipt_detail", pk=allocation.receipt_id)
