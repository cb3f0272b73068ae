"""Forms of the deviation and complaint pages (偏差处理报告 / 投诉). The service checks the
choices, the required texts, the status moves and who may close a report."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.forms import BootstrapMixin

from ..enums import DeviationCategory, DeviationKind, DeviationSeverity, DeviationStatus
from ..services.deviations import MOVES
from .shipping import PersonChoiceField, mark_required


def _choices(enum, blank=True):
    return [("", "---------")] * blank + list(enum.choices)


class DeviationForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=_choices(DeviationKind), required=False)
    category = forms.ChoiceField(
        label=_("Cause category"), choices=_choices(DeviationCategory), required=False
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=_choices(DeviationSeverity, blank=False),
        required=False,
        initial=DeviationSeverity.NORMAL,
        help_text=_("Serious reports and complaints are sent to the general managers."),
    )
    owner = PersonChoiceField(label=_("Responsible"), required=False)
    title = forms.CharField(label=_("Title"), max_length=150, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        help_text=_("What differs from the contract, or what the customer complains about."),
    )
    cause = forms.CharField(
        label=_("Cause analysis"), required=False, max_length=5000, widget=forms.Textarea
    )

    def __init__(self, *args, order, **kwargs):
        kwargs.setdefault("initial", {"owner": order.owner_id})
        super().__init__(*args, **kwargs)
        mark_required(*(self.fields[n] for n in ("kind", "category", "title", "description")))
        mark_required(self.fields["owner"])
        self.style_widgets()
        for name in ("kind", "category", "severity", "owner"):
            self.fields[name].col = "col-sm-6 col-lg-3"
        for name in ("title", "description", "cause"):
            self.fields[name].col = "col-12"
        self.fields["description"].widget.attrs["rows"] = 4
        self.fields["cause"].widget.attrs["rows"] = 3


class DeviationUpdateForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    owner = PersonChoiceField(label=_("Responsible"), required=False)
    cause = forms.CharField(
        label=_("Cause analysis"), required=False, max_length=5000, widget=forms.Textarea
    )
    resolution = forms.CharField(
        label=_("Resolution"),
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        help_text=_("Required to resolve or close the report."),
    )

    def __init__(self, *args, deviation, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": deviation.status,
                "owner": deviation.owner_id,
                "cause": deviation.cause,
                "resolution": deviation.resolution,
            },
        )
        super().__init__(*args, **kwargs)
        current = DeviationStatus(deviation.status)
        self.fields["status"].choices = [(current.value, current.label)] + [
            (s.value, s.label) for s in MOVES.get(current, ())
        ]
        self.style_widgets()
        for name in ("status", "owner"):
            self.fields[name].col = "col-sm-6"
        for name in ("cause", "resolution"):
            self.fields[name].col = "col-12"
            self.fields[name].widget.attrs["rows"] = 3

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data.get("status") or "",
            "owner": data.get("owner"),
            "cause": data.get("cause", ""),
            "resolution": data.get("resolution", ""),
        }


class DeviationFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Number, order or customer"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *DeviationKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *DeviationStatus.choices]
    )
    open = forms.BooleanField(label=_("Open only"), required=False)
    order = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
