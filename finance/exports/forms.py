"""Input of the settlement export, shared by the page and the API so both refuse the same bad
filters with the same messages: a bad date, a period ending before it starts, an unknown
status, a customer or salesperson that does not exist (or that a rep may not see)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from contracts.models import Customer
from core.roles import Role
from orders.enums import OrderStatus

from ..forms import date_field
from ..permissions import sees_all_figures
from .rows import EXPORT_STATES


def _status_choices():
    return [(value, label) for value, label in OrderStatus.choices if value in EXPORT_STATES]


class SettlementFilterForm(forms.Form):
    show_errors = True
    date_from = date_field(_("Order date from"), required=False)
    date_to = date_field(_("Order date to"), required=False)
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a customer from the list.")},
    )
    region = forms.ChoiceField(
        label=_("Region"),
        required=False,
        error_messages={"invalid_choice": _("Choose a region from the list.")},
    )
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=get_user_model().objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a salesperson from the list.")},
    )
    status = forms.MultipleChoiceField(
        label=_("Order status"),
        required=False,
        choices=_status_choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": _("Choose statuses from the list.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        customers = Customer.objects.order_by("name")
        users = (
            get_user_model()
            .objects.filter(groups__name__in=[Role.SALES_REP, Role.SALES_HEAD])
            .distinct()
        )
        if not sees_all_figures(user):
            # A rep exports their own orders: their customers, themselves.
            customers = customers.filter(orders__owner=user).distinct()
            users = users.filter(pk=user.pk)
        self.fields["customer"].queryset = customers
        self.fields["salesperson"].queryset = users.order_by("username")
        self.fields["salesperson"].label_from_instance = _display_name
        regions = customers.exclude(region="").order_by("region").values_list("region", flat=True)
        self.fields["region"].choices = [("", "---------")] + [
            (region, region) for region in dict.fromkeys(regions)
        ]
        for field in self.fields.values():
            field.col = ""  # finance/includes/field.html reads it; the template sets widths
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned

    def filters(self) -> dict:
        """The cleaned filters as the selectors take them (ids, ISO-comparable dates)."""
        data = self.cleaned_data
        return {
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "customer": data["customer"].pk if data.get("customer") else None,
            "region": data.get("region") or "",
            "salesperson": data["salesperson"].pk if data.get("salesperson") else None,
            "status": list(data.get("status") or []),
        }

    def describe(self) -> str:
        """The filters in words, for the list of export jobs."""
        data = self.cleaned_data
        parts = []
        if data.get("date_from") or data.get("date_to"):
            start = data["date_from"].isoformat() if data.get("date_from") else "…"
            end = data["date_to"].isoformat() if data.get("date_to") else "…"
            parts.append(f"{start} – {end}")
        if data.get("customer"):
            parts.append(data["customer"].name)
        if data.get("region"):
            parts.append(data["region"])
        if data.get("salesperson"):
            parts.append(_display_name(data["salesperson"]))
        if data.get("status"):
            labels = dict(OrderStatus.choices)
            parts.append(", ".join(str(labels[s]) for s in data["status"]))
        return " · ".join(parts)


def _display_name(user) -> str:
    from core.templatetags.ui import person

    return person(user)
