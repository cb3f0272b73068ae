"""Browser forms of the finance pages. They turn what was typed into numbers, dates and records;
finance.services decides what is allowed (never beyond what may be invoiced or is unallocated,
fapiao numbers unique, no future dates...) and the views put its field errors back here."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contracts.forms import BootstrapMixin, date_input
from contracts.models import Customer
from core.money import ZERO, format_cny
from core.templatetags.ui import qty
from orders.enums import InvoiceType
from orders.models import Order

from .enums import ALLOCATABLE_STATES, InvoiceKind, ReceiptMethod
from .models import Allocation, Invoice
from .permissions import sees_all_figures
from .services.invoices import FAPIAO_NUMBER

DATE_FORMATS = ["%Y-%m-%d"]
QTY_PREFIX = "qty_"
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
FAPIAO_MESSAGE = _("Enter the fapiao number: 8 digits, or 20 for a digital fapiao.")


def visible_customers(user):
    """Customers whose figures the user may see (reps: the ones they manage)."""
    qs = Customer.objects.order_by("name")
    if not sees_all_figures(user):
        qs = qs.filter(account_manager=user)
    return qs


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class LenientDecimalField(forms.DecimalField):
    """A decimal typed the way people type money: "12,345.50" or " 3 " are fine. A text input
    with a decimal keyboard, not type=number, so the browser never silently changes a value."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "num"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace("，", "").replace(" ", "")
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # DecimalField adds step/min for number inputs only; keep the text input plain.
        attrs.pop("step", None)
        return attrs


def quantity_field(**kwargs) -> LenientDecimalField:
    return LenientDecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=3,
        error_messages={
            "min_value": _("The quantity cannot be negative."),
            "invalid": _("Enter a number."),
            "max_decimal_places": _("Enter at most 3 decimals."),
            "max_digits": _("The quantity is too large."),
            "max_whole_digits": _("The quantity is too large."),
        },
        **kwargs,
    )


def amount_field(**kwargs) -> LenientDecimalField:
    return LenientDecimalField(
        min_value=Decimal("0.01"),
        max_digits=16,
        decimal_places=2,
        error_messages={
            "required": _("Enter an amount."),
            "min_value": _("The amount must be greater than zero."),
            "invalid": _("Enter an amount."),
            "max_decimal_places": _("Enter at most 2 decimals."),
            "max_digits": _("The amount is too large."),
            "max_whole_digits": _("The amount is too large."),
        },
        **kwargs,
    )


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=date_input(),
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
        **kwargs,
    )


def not_in_future(value, message):
    """The services refuse future dates too; checked here so every problem shows at once."""
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


def positive_quantities(cleaned: dict, names) -> dict[str, Decimal]:
    """{field name: quantity} of the lines given a quantity above zero (blank or 0 = none)."""
    return {name: cleaned[name] for name in names if (cleaned.get(name) or ZERO) > 0}


class LineQuantitiesMixin:
    """Forms with one quantity per line (qty_<id>); the service names those "lines.<id>"."""

    line_ids: list[int]

    def quantity_names(self) -> list[str]:
        return [f"{QTY_PREFIX}{pk}" for pk in self.line_ids]

    def service_quantities(self) -> dict[int, Decimal]:
        chosen = positive_quantities(self.cleaned_data, self.quantity_names())
        return {int(name.removeprefix(QTY_PREFIX)): value for name, value in chosen.items()}

    def field_for_service_key(self, key: str) -> str | None:
        """The service's "lines.12" is the field qty_12; plain "lines" is form-wide (None)."""
        head, _dot, rest = key.partition(".")
        if head == "lines" and rest and f"{QTY_PREFIX}{rest}" in self.fields:
            return f"{QTY_PREFIX}{rest}"
        return key if key in self.fields else None

    def add_quantity_field(self, pk: int, field: forms.Field, css_class: str) -> None:
        field.widget.attrs["class"] += f" {css_class} w-auto d-inline-block"
        field.widget.attrs["size"] = 9
        self.fields[f"{QTY_PREFIX}{pk}"] = field


def fapiao_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        help_text=_("8 digits, or 20 for a digital fapiao (全电发票)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class FapiaoMixin:
    """The fapiao number and issue date of an invoice or a credit note. The service checks them
    too; here so that every problem shows in one round."""

    document_field_names: tuple[str, ...]  # shown under the lines, in this order

    @property
    def document_fields(self) -> list:
        return [self[name] for name in self.document_field_names]

    def clean_issue_date(self):
        return not_in_future(
            self.cleaned_data["issue_date"], _("The issue date cannot be in the future.")
        )

    def clean_fapiao_number(self):
        value = self.cleaned_data["fapiao_number"].strip()
        if not FAPIAO_NUMBER.match(value):
            raise forms.ValidationError(FAPIAO_MESSAGE)
        return value


# --- filters -------------------------------------------------------------------------------------
class FilterForm(BootstrapMixin, forms.Form):
    """A list's filters: whatever is valid filters, whatever is not is shown and ignored."""

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        if "customer" in self.fields:
            self.fields["customer"].queryset = visible_customers(user)
        self.style_widgets()

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            key: value.pk if hasattr(value, "pk") else value
            for key, value in self.cleaned_data.items()
            if value not in (None, "", False)
        }


class InvoiceFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    customer = CustomerChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All"))] + list(InvoiceKind.choices), required=False
    )
    date_from = date_field(_("Issued from"), required=False)
    date_to = date_field(_("Issued until"), required=False)
    open = forms.BooleanField(label=_("Unpaid only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class ReceiptFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    customer = CustomerChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), required=False
    )
    date_from = date_field(_("Received from"), required=False)
    date_to = date_field(_("Received until"), required=False)
    unallocated = forms.BooleanField(label=_("With unallocated money only"), required=False)


class ReceivablesFilterForm(BootstrapMixin, forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, data=None, *, regions, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [("", _("All regions"))] + [(r, r) for r in regions]
        self.fields["region"].widget.attrs["data-autosubmit"] = "true"
        self.style_widgets()

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        region = self.cleaned_data.get("region")
        return {"region": region} if region else {}


# --- invoices ------------------------------------------------------------------------------------
class InvoiceIssueForm(FapiaoMixin, LineQuantitiesMixin, BootstrapMixin, forms.Form):
    """Finance issues an invoice for the quantities typed per line (prefilled with what may still
    be invoiced; blank or 0 = not on this invoice)."""

    fapiao_number = fapiao_field(_("Fapiao number"))
    document_field_names = ("fapiao_number", "invoice_type", "issue_date", "remarks")
    invoice_type = forms.ChoiceField(label=_("Invoice type"), choices=InvoiceType.choices)
    issue_date = date_field(_("Issue date"))
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea)

    def __init__(self, *args, order: Order, open_qty: dict[int, Decimal], **kwargs):
        kwargs.setdefault(
            "initial",
            {"invoice_type": order.invoice_type, "issue_date": timezone.localdate()},
        )
        super().__init__(*args, **kwargs)
        self.line_ids = list(open_qty)
        self.open_qty = dict(open_qty)
        for pk, left in open_qty.items():
            field = quantity_field(label=_("Invoice now"), initial=qty(left))
            field.widget.attrs["data-open"] = qty(left)
            self.add_quantity_field(pk, field, "invoice-qty")
        self.style_widgets()
        for name in ("fapiao_number", "invoice_type", "issue_date"):
            self.fields[name].col = "col-sm-6 col-lg-4"
        self.fields["remarks"].col = "col-12"

    def clean(self):
        cleaned = super().clean()
        names = self.quantity_names()
        for pk, name in zip(self.line_ids, names, strict=True):
            value = cleaned.get(name)
            if value is not None and value > self.open_qty[pk]:
                self.add_error(
                    name,
                    _("Only %(open)s may still be invoiced on this line.")
                    % {"open": qty(self.open_qty[pk])},
                )
        if not any(name in self.errors for name in names) and not positive_quantities(
            cleaned, names
        ):
            raise forms.ValidationError(_("Enter the quantity to invoice on at least one line."))
        return cleaned


class CreditNoteForm(FapiaoMixin, LineQuantitiesMixin, BootstrapMixin, forms.Form):
    """A red-letter credit note: quantities per invoice line, or the whole invoice."""

    reverse_all = forms.BooleanField(
        label=_("Reverse everything that is left of the invoice"), required=False
    )
    fapiao_number = fapiao_field(_("Fapiao number of the credit note"))
    document_field_names = ("fapiao_number", "issue_date", "reason")
    issue_date = date_field(_("Issue date"))
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, line_ids: list[int], **kwargs):
        kwargs.setdefault("initial", {"issue_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.line_ids = list(line_ids)
        for pk in self.line_ids:
            self.add_quantity_field(pk, quantity_field(label=_("Reverse")), "credit-qty")
        self.fields["reason"].error_messages["required"] = _("Give a reason.")
        self.style_widgets()
        self.fields["reverse_all"].col = "col-12"
        for name in ("fapiao_number", "issue_date"):
            self.fields[name].col = "col-sm-6 col-lg-4"
        self.fields["reason"].col = "col-12"

    def service_quantities(self) -> dict[int, Decimal] | None:
        if self.cleaned_data.get("reverse_all"):
            return None
        return super().service_quantities()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reverse_all"):
            for name in self.quantity_names():  # the quantities do not count then
                self.errors.pop(name, None)
            return cleaned
        names = self.quantity_names()
        if not any(name in self.errors for name in names) and not positive_quantities(
            cleaned, names
        ):
            raise forms.ValidationError(
                _("Enter the quantity to reverse on at least one line, or reverse everything.")
            )
        return cleaned


# --- receipts and allocations --------------------------------------------------------------------
class ReceiptForm(BootstrapMixin, forms.Form):
    customer = CustomerChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.filter(is_active=True).order_by("name"),
        empty_label=_("Choose the customer"),
    )
    amount = amount_field(label=_("Amount (¥)"))
    received_on = date_field(_("Received on"))
    method = forms.ChoiceField(label=_("Method"), choices=ReceiptMethod.choices)
    payer = forms.CharField(
        label=_("Payer"),
        max_length=200,
        required=False,
        help_text=_("The customer's name unless someone else paid."),
    )
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=60, required=False)
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "initial",
            {"received_on": timezone.localdate(), "method": ReceiptMethod.BANK_TRANSFER},
        )
        super().__init__(*args, **kwargs)
        self.fields["customer"].error_messages["required"] = _("Choose the customer.")
        self.fields["customer"].error_messages["invalid_choice"] = _(
            "Choose an active customer from the list."
        )
        self.fields["customer"].widget.attrs["data-payer-source"] = "true"
        self.fields["payer"].widget.attrs["data-payer"] = "true"
        self.style_widgets()
        self.fields["customer"].col = "col-12 col-lg-8"
        for name in ("amount", "received_on", "method"):
            self.fields[name].col = "col-sm-6 col-lg-4"
        self.fields["remarks"].col = "col-12"

    def clean_received_on(self):
        return not_in_future(
            self.cleaned_data["received_on"], _("The date cannot be in the future.")
        )


def allocatable_orders(customer):
    """The customer's orders a payment may go to, with what is paid on each (one query)."""
    paid = (
        Allocation.objects.filter(order=OuterRef("pk"), reversed_at__isnull=True)
        .values("order")
        .annotate(s=Sum("amount"))
        .values("s")[:1]
    )
    return (
        Order.objects.filter(customer=customer, status__in=ALLOCATABLE_STATES)
        .annotate(paid_amount=Coalesce(Subquery(paid), Value(ZERO), output_field=MONEY_FIELD))
        .order_by("-order_date", "-id")
    )


def open_invoices(customer, order=None):
    qs = Invoice.objects.filter(
        customer=customer,
        kind=InvoiceKind.NORMAL,
        order__status__in=ALLOCATABLE_STATES,
        allocated__lt=F("total") + F("credited"),
    ).select_related("order")
    if order is not None:
        qs = qs.filter(order=order)
    return qs.order_by("issue_date", "id")


class OrderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(number)s · total %(total)s · paid %(paid)s · %(status)s") % {
            "number": obj.number,
            "total": format_cny(obj.total),
            "paid": format_cny(obj.paid_amount),
            "status": obj.get_status_display(),
        }


class InvoiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(fapiao)s · unpaid %(open)s · order %(order)s") % {
            "fapiao": obj.fapiao_number,
            "order": obj.order.number,
            "open": format_cny(obj.open_amount),
        }


class AllocationForm(BootstrapMixin, forms.Form):
    """Allocate part of a receipt to one of the customer's orders, optionally to one of its
    invoices (without an invoice it is a payment on account of the order, e.g. a prepayment)."""

    order = OrderChoiceField(
        label=pgettext_lazy("sales order", "Order"),
        queryset=Order.objects.none(),
        empty_label=_("Choose the order"),
    )
    invoice = InvoiceChoiceField(
        label=_("Invoice"),
        queryset=Invoice.objects.none(),
        required=False,
        empty_label=_("No invoice: on account of the order"),
    )
    amount = amount_field(label=_("Amount (¥)"))

    def __init__(self, *args, receipt, **kwargs):
        super().__init__(*args, **kwargs)
        self.receipt = receipt
        self.fields["order"].queryset = allocatable_orders(receipt.customer)
        self.fields["invoice"].queryset = open_invoices(receipt.customer)
        self.fields["order"].error_messages.update(
            required=_("Choose the order the money is for."),
            invalid_choice=_("Choose one of this customer's orders from the list."),
        )
        self.fields["invoice"].error_messages["invalid_choice"] = _(
            "Choose an unpaid invoice of this customer from the list."
        )
        self.style_widgets()
        for name in ("order", "invoice"):
            self.fields[name].col = "col-12 col-lg-5"
        self.fields["amount"].col = "col-12 col-lg-2"

    def narrow_invoices(self, order) -> None:
        """Offer only the invoices of the chosen order (the htmx dependent select)."""
        self.fields["invoice"].queryset = open_invoices(self.receipt.customer, order)


class AllocationReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


def decimal_or_none(raw) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


__all__ = [
    "AllocationForm",
    "AllocationReverseForm",
    "CreditNoteForm",
    "InvoiceFilterForm",
    "InvoiceIssueForm",
    "ReceiptFilterForm",
    "ReceiptForm",
    "ReceivablesFilterForm",
]
