"""The archive search form: every filter optional, ranges checked so bad input is a message."""

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.enums import OrderType

RANGES = (
    ("date_from", "date_to", _("The order date range ends before it starts.")),
    ("archived_from", "archived_to", _("The archive date range ends before it starts.")),
    ("amount_min", "amount_max", _("The smallest amount is larger than the largest.")),
)


class DateInput(forms.DateInput):
    input_type = "date"


class ArchiveSearchForm(forms.Form):
    number = forms.CharField(label=_("Order number"), max_length=20, required=False)
    customer = forms.CharField(label=_("Customer"), max_length=200, required=False)
    product = forms.CharField(label=_("Product code or name"), max_length=100, required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("All categories")), *OrderType.choices],
        required=False,
    )
    date_from = forms.DateField(label=_("Order date from"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Order date to"), required=False, widget=DateInput)
    archived_from = forms.DateField(label=_("Archived from"), required=False, widget=DateInput)
    archived_to = forms.DateField(label=_("Archived to"), required=False, widget=DateInput)
    amount_min = forms.DecimalField(
        label=_("Amount from (¥)"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    amount_max = forms.DecimalField(
        label=_("Amount to (¥)"), required=False, min_value=0, max_digits=16, decimal_places=2
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        for low, high, message in RANGES:
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, message)
        return data
