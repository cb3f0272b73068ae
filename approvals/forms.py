"""Browser forms of the approvals pages. They parse input for the order services and the
approvals services; the rules (who decides, reasons, delegation periods) live there."""

from django import forms
from django.contrib.auth import get_user_model
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from core.templatetags.ui import person
from orders.enums import OrderStatus

from .enums import Decision


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class InboxFilterForm(forms.Form):
    """Filters of the approval inbox: the step, the customer, a minimum amount, overdue only."""

    step = forms.ChoiceField(
        label=_("Step"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    customer = forms.CharField(
        label=_("Customer"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )
    min_amount = forms.DecimalField(
        label=_("Total at least (¥)"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "min": "0"}),
    )
    overdue = forms.BooleanField(
        label=_("Overdue only"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [("", _("All my steps"))] + [
            (step, OrderStatus(step).label) for step in steps
        ]

    def selector_filters(self) -> dict:
        """The filters in approvals.selectors.approval_inbox's terms (nothing when invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "status": data["step"] or None,
            "customer": data["customer"].strip() or None,
            "min_total": data["min_amount"],
            "overdue": data["overdue"],
        }


class DecisionForm(forms.Form):
    """One row's inline decision. A reject without a comment, or an approval with a failed
    check and no override reason, is refused by the order service, in the user's language."""

    decision = forms.ChoiceField(choices=Decision.choices)
    comment = forms.CharField(required=False, max_length=2000)
    override_reason = forms.CharField(required=False, max_length=2000)
    expected_status = forms.CharField(required=False, max_length=30)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = person(obj)
        return name if name == obj.get_username() else f"{name} ({obj.get_username()})"


class InvalidMarkingBoundField(BoundField):
    """Bootstrap's `is-invalid` on an input with errors (the service's errors included)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:
            base = attrs.get("class", (widget or self.field.widget).attrs.get("class", ""))
            attrs["class"] = f"{base} is-invalid".strip()
        return attrs


class DelegationForm(forms.Form):
    """An approver names a stand-in for a period (approvals.services.delegation_create)."""

    bound_field_class = InvalidMarkingBoundField

    delegate = UserChoiceField(
        label=_("Delegate"),
        queryset=get_user_model().objects.none(),
        empty_label=_("Choose a person"),
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("Sees your approval steps in their inbox and decides on your behalf."),
    )
    start_date = forms.DateField(label=_("From"), widget=date_input())
    end_date = forms.DateField(label=_("Until"), widget=date_input())
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("For example: business trip, annual leave."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .exclude(pk=user.pk)
            .order_by("last_name", "first_name", "username")
        )
