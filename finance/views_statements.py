"""Customer statement pages (对账单, ISSUE 6 item 5): the list, drawing one up for a customer
and a period (previewed before it is issued), a statement with every section, totals and the
amount in capitals, the customer's confirmation or dispute, and the xlsx download."""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.errors import ApplicationError
from core.web import apply_service_errors, found_or_404
from orders.enums import OrderStatus

from .enums import InvoiceKind, ReceiptMethod, StatementStatus
from .exports.statement_xlsx import write_statement_workbook
from .forms import date_field
from .permissions import may_write_finance
from .services.statements import statement_issue, statement_period_errors, statement_respond
from .statements import (
    statement_contents,
    statement_customers,
    statement_get,
    statement_list,
    statement_snapshot,
)
from .views.common import finance_page, finance_writer_page, list_page


def labelled(contents: dict) -> dict:
    """The statement's codes (order status, invoice kind, receipt method) with their labels
    in the current language, for the page."""
    statuses = dict(OrderStatus.choices)
    kinds = {**dict(InvoiceKind.choices), "receipt": _("Payment received")}
    methods = dict(ReceiptMethod.choices)
    for row in contents["orders"]:
        row["status_label"] = statuses.get(row["status"], row["status"])
    for row in contents["invoices"]:
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
    for row in contents["receipts"]:
        row["method_label"] = methods.get(row["method"], row["method"])
    for row in contents["ledger"]:
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
    return contents


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        field.col = ""  # finance/includes/field.html reads it; the templates set the width
        widget = field.widget
        if isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "form-check-input")
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class StatementFilterForm(forms.Form):
    show_errors = True
    q = forms.CharField(label=gettext_lazy("Number or customer"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All"))] + list(StatementStatus.choices),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)

    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}


class StatementForm(forms.Form):
    show_errors = True
    customer = forms.ModelChoiceField(
        label=gettext_lazy("Customer"),
        queryset=None,
        error_messages={"invalid_choice": gettext_lazy("Choose a customer from the list.")},
    )
    date_from = date_field(gettext_lazy("From"))
    date_to = date_field(gettext_lazy("To"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = statement_customers(user=user)
        _styled(self)

    def clean(self):
        cleaned = super().clean()
        if "date_from" in cleaned and "date_to" in cleaned:
            errors = statement_period_errors(cleaned["date_from"], cleaned["date_to"])
            for field, messages_ in errors.items():
                self.add_error(field, messages_)
        return cleaned


class StatementResponseForm(forms.Form):
    show_errors = True
    status = forms.ChoiceField(
        label=gettext_lazy("The customer"),
        choices=[
            (StatementStatus.CONFIRMED, gettext_lazy("confirms the statement")),
            (StatementStatus.DISPUTED, gettext_lazy("disputes the statement")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note (what is disputed, who confirmed)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


@finance_page
@require_safe
def statement_list_view(request):
    form = StatementFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    return list_page(
        request,
        "finance/statement_list.html",
        form=form,
        rows=statement_list(user=request.user, filters=filters),
        name="statements",
        filtered=any(filters.values()) if filters else False,
    )


@finance_writer_page
@require_http_methods(["GET", "HEAD", "POST"])
def statement_create_view(request):
    """GET with a customer and a period previews the statement; POST issues it."""
    posted = request.method == "POST"
    data = request.POST if posted else (request.GET or None)
    form = StatementForm(data, user=request.user)
    contents = None
    if form.is_valid():
        values = form.cleaned_data
        if posted:
            try:
                statement = statement_issue(actor=request.user, **values)
            except ApplicationError as exc:
                apply_service_errors(exc, form)
            else:
                messages.success(
                    request,
                    _("Statement %(number)s issued to %(customer)s.")
                    % {"number": statement.number, "customer": statement.customer.name},
                )
                return redirect("finance:statement_detail", pk=statement.pk)
        else:
            contents = labelled(statement_contents(**values))
    return render(
        request,
        "finance/statement_form.html",
        {"form": form, "contents": contents},
        status=400 if data is not None and form.errors else 200,
    )


def _detail(request, statement, response_form=None, status=200):
    contents = labelled(statement_snapshot(statement))
    may_respond = may_write_finance(request.user) and statement.status == StatementStatus.ISSUED
    return render(
        request,
        "finance/statement_detail.html",
        {
            "statement": statement,
            "contents": contents,
            "response_form": (response_form or StatementResponseForm()) if may_respond else None,
        },
        status=status,
    )


@finance_page
@require_safe
def statement_detail_view(request, pk: int):
    statement = found_or_404(statement_get, user=request.user, statement_id=pk)
    return _detail(request, statement)


@finance_writer_page
@require_POST
def statement_respond_view(request, pk: int):
    statement = found_or_404(statement_get, user=request.user, statement_id=pk)
    form = StatementResponseForm(request.POST)
    if form.is_valid():
        try:
            statement_respond(statement=statement, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("The customer's response is recorded."))
            return redirect("finance:statement_detail", pk=statement.pk)
    return _detail(request, statement, response_form=form, status=400)


@finance_page
@require_safe
def statement_xlsx_view(request, pk: int):
    statement = found_or_404(statement_get, user=request.user, statement_id=pk)
    target = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    write_statement_workbook(
        target, statement=statement, language=translation.get_language() or "zh-hans"
    )
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=f"{statement.number}.xlsx")
