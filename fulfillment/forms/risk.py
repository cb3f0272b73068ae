"""Forms of the risk-shipment pages (风险发货申请): the request, the decision, the list filter.
fulfillment.services.risk decides who may ask and decide, and what a decision needs."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contracts.forms import BootstrapMixin
from orders.models.decisions import StepDecision

from ..enums import RiskRequestStatus
from .shipping import mark_required


class RiskRequestForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason and risk assessment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        help_text=_(
            "Why the order should ship before payment or beyond the credit limit, and how the "
            "risk is covered (e.g. payment promised on a date, guarantee, long-standing customer)."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required(self.fields["reason"])
        self.style_widgets()
        self.fields["reason"].widget.attrs["rows"] = 5
        self.fields["reason"].col = "col-12"


class RiskDecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(choices=StepDecision.Decision.choices, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        help_text=_("Required to reject."),
    )
    # The step the decider saw: a decision on a step that has moved on is refused (409).
    expected_status = forms.ChoiceField(
        choices=RiskRequestStatus.choices, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
        self.fields["comment"].col = "col-12"


class RiskFilterForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("open", pgettext_lazy("risk requests", "Open (waiting for a decision)")),
            *RiskRequestStatus.choices,
        ],
    )
    q = forms.CharField(label=_("Order or customer"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
