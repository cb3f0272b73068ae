"""Invoice pages (开票, REQUIREMENTS §7): the list, an invoice with its lines, credit notes and
payments, the issue form on an order and the red-letter credit note form. Views parse input, call
one service (finance.services) and render; reads go through finance.selectors (scoped by role)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.errors import ApplicationError
from core.money import ZERO, format_cny
from core.web import found_or_404
from orders.models import Order
from orders.selectors import order_get

from ..balances import invoiced_by_line, invoices_on_the_order, line_basis, order_balance
from ..enums import InvoiceKind
from ..forms import QTY_PREFIX, CreditNoteForm, InvoiceFilterForm, InvoiceIssueForm
from ..models import Invoice, InvoiceLine
from ..permissions import may_write_finance
from ..selectors import allocation_list, invoice_get, invoice_list
from ..services import credit_note_issue, invoice_issue, invoiceable
from ..services.invoices import PREPAID_STATES, SHIPPED_STATES
from .common import apply_line_errors, finance_page, finance_writer_page, list_page


# --- list and detail -----------------------------------------------------------------------------
@finance_page
@require_safe
def invoice_list_view(request):
    form = InvoiceFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    return list_page(
        request,
        "finance/invoice_list.html",
        form=form,
        rows=invoice_list(user=request.user, filters=filters),
        name="invoices",
        filtered=bool(filters),
    )


@finance_page
@require_safe
def invoice_detail_view(request, pk):
    invoice = found_or_404(invoice_get, user=request.user, invoice_id=pk)
    lines = list(invoice.lines.select_related("order_line", "order_line__product"))
    normal = invoice.kind == InvoiceKind.NORMAL
    credit_notes = list(invoice.credit_notes.order_by("issue_date", "id")) if normal else []
    allocations = (
        list(
            allocation_list(
                user=request.user, filters={"invoice": invoice.pk, "include_reversed": True}
            ).select_related("reversed_by")
        )
        if normal
        else []
    )
    original = Invoice.objects.filter(pk=invoice.original_id).first() if not normal else None
    may_write = may_write_finance(request.user)
    return render(
        request,
        "finance/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": lines,
            "credit_notes": credit_notes,
            "allocations": allocations,
            "original": original,
            "normal": normal,
            "may_credit": may_write and normal and invoice.net_total > invoice.allocated,
            "may_write": may_write,
        },
    )


# --- issue an invoice on an order ----------------------------------------------------------------
def _issue_rows(order: Order, form: InvoiceIssueForm | None, open_qty: dict) -> list[dict]:
    done = invoiced_by_line(order)
    rows = []
    for line in order.lines.all():
        field_name = f"{QTY_PREFIX}{line.pk}"
        rows.append(
            {
                "line": line,
                "basis": line_basis(order, line),
                "invoiced": done.get(line.pk, (ZERO, ZERO))[0],
                "invoiceable": open_qty.get(line.pk, ZERO),
                "field": form[field_name]
                if form is not None and field_name in form.fields
                else None,
            }
        )
    return rows


@finance_writer_page
@require_http_methods(["GET", "HEAD", "POST"])
def invoice_create_view(request, order_pk):
    """Finance issues an invoice on an order: per line the quantity to invoice, prefilled with
    what may still be invoiced (shipped, or ordered for prepayment, less what is invoiced)."""
    order = found_or_404(order_get, user=request.user, order_id=order_pk)
    allowed = PREPAID_STATES if invoices_on_the_order(order) else SHIPPED_STATES
    in_state = order.status in allowed
    open_qty = invoiceable(order) if in_state else {}
    posted = request.method == "POST"
    form = None
    if in_state and open_qty:
        form = InvoiceIssueForm(request.POST if posted else None, order=order, open_qty=open_qty)
        if posted and form.is_valid():
            data = form.cleaned_data
            try:
                invoice = invoice_issue(
                    order=order,
                    actor=request.user,
                    fapiao_number=data["fapiao_number"],
                    issue_date=data["issue_date"],
                    invoice_type=data["invoice_type"],
                    quantities=form.service_quantities(),
                    remarks=data["remarks"],
                )
            except ApplicationError as exc:
                apply_line_errors(exc, form)
            else:
                messages.success(
                    request,
                    _("Invoice %(fapiao)s (%(number)s) issued on order %(order)s.")
                    % {
                        "fapiao": invoice.fapiao_number,
                        "number": invoice.number,
                        "order": order.number,
                    },
                )
                return redirect("finance:invoice_detail", pk=invoice.pk)
    elif posted:
        messages.error(
            request, _("Nothing was invoiced: nothing on this order may be invoiced now.")
        )
    balance = order_balance(order)
    first = not order.invoices.filter(kind=InvoiceKind.NORMAL).exists()
    context = {
        "order": order,
        "form": form,
        "rows": _issue_rows(order, form, open_qty),
        "in_state": in_state,
        "on_the_order": invoices_on_the_order(order),
        "balance": balance,
        "adjustment": order.freight - order.discount if first else ZERO,
        "invoices": list(order.invoices.order_by("issue_date", "id")),
    }
    status = 400 if posted and (form is None or form.errors) else 200
    return render(request, "finance/invoice_form.html", context, status=status)


# --- red-letter credit note ----------------------------------------------------------------------
def _credited_by_order_line(invoice: Invoice) -> dict[int, Decimal]:
    """{order line id: quantity already reversed (≥ 0)} by this invoice's credit notes."""
    rows = (
        InvoiceLine.objects.filter(invoice__original=invoice)
        .values("order_line")
        .annotate(s=Sum("quantity"))
    )
    return {row["order_line"]: -(row["s"] or ZERO) for row in rows}


@finance_writer_page
@require_http_methods(["GET", "HEAD", "POST"])
def credit_note_create_view(request, pk):
    """A red-letter credit note (红字发票) reversing part or all of an invoice."""
    invoice = found_or_404(invoice_get, user=request.user, invoice_id=pk)
    normal = invoice.kind == InvoiceKind.NORMAL
    lines = list(invoice.lines.select_related("order_line", "order_line__product"))
    credited = _credited_by_order_line(invoice) if normal else {}
    rows = []
    for line in lines:
        left = line.quantity - credited.get(line.order_line_id, ZERO)
        rows.append(
            {"line": line, "credited": credited.get(line.order_line_id, ZERO), "left": left}
        )
    open_ids = [row["line"].pk for row in rows if row["left"] > 0]
    posted = request.method == "POST"
    form = None
    if normal and open_ids:
        form = CreditNoteForm(request.POST if posted else None, line_ids=open_ids)
        if posted and form.is_valid():
            data = form.cleaned_data
            try:
                note = credit_note_issue(
                    invoice=invoice,
                    actor=request.user,
                    fapiao_number=data["fapiao_number"],
                    reason=data["reason"],
                    issue_date=data["issue_date"],
                    quantities=form.service_quantities(),
                )
            except ApplicationError as exc:
                apply_line_errors(exc, form)
            else:
                messages.success(
                    request,
                    _("Credit note %(fapiao)s (%(number)s) issued, reversing %(total)s.")
                    % {
                        "fapiao": note.fapiao_number,
                        "number": note.number,
                        "total": format_cny(-note.total),
                    },
                )
                return redirect("finance:invoice_detail", pk=invoice.pk)
    elif posted:
        messages.error(
            request, _("Nothing was reversed: nothing is left to reverse on this invoice.")
        )
    for row in rows:
        name = f"{QTY_PREFIX}{row['line'].pk}"
        row["field"] = form[name] if form is not None and name in form.fields else None
    context = {"invoice": invoice, "form": form, "rows": rows, "normal": normal}
    status = 400 if posted and (form is None or form.errors) else 200
    return render(request, "finance/credit_note_form.html", context, status=status)
