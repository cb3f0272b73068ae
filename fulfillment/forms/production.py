"""Forms of the production pages and the execution plan's actual dates: they turn what was
typed into numbers and dates; fulfillment.services.production and .plan decide what is allowed
(100 % only by finishing with QC, a started instruction cannot start again, ...)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..enums import ProductionStatus
from ..services.plan import MANUAL_MILESTONES

NOTE_MAX = 300
PROGRESS_ERROR = _("Enter a whole number from 0 to 100.")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget; a field with an error (from the form or put back
    from the service) is marked invalid."""

    prefix_name = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.prefix_name}_%s")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


def note_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=NOTE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": NOTE_MAX}),
    )


class ProductionStartForm(StyledForm):
    prefix_name = "start"
    note = note_field(_("Note (optional)"))


class ProductionReportForm(StyledForm):
    prefix_name = "report"
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        error_messages={
            "required": PROGRESS_ERROR,
            "invalid": PROGRESS_ERROR,
            "min_value": PROGRESS_ERROR,
            "max_value": PROGRESS_ERROR,
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": 99, "step": 1, "inputmode": "numeric"}),
    )
    note = note_field(_("Note (optional)"))


class ProductionFinishForm(StyledForm):
    prefix_name = "finish"
    qc_passed = forms.BooleanField(
        label=_("QC passed"),
        error_messages={"required": _("Confirm that QC passed.")},
        help_text=_("Goods go into stock only after they pass quality control."),
    )
    qc_note = note_field(_("QC note"))


class ProductionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *ProductionStatus.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select", "data-autosubmit": ""}),
    )
    overdue = forms.BooleanField(
        label=_("Overdue only"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-autosubmit": ""}),
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {
            "status": self.cleaned_data["status"],
            "overdue": True if self.cleaned_data["overdue"] else None,
        }


class PlanActualForm(StyledForm):
    """The actual site survey, installation or acceptance date (engineering's report)."""

    prefix_name = "plan"
    milestone = forms.ChoiceField(
        label=_("Milestone"),
        choices=[
            (name, label)
            for name, label in (
                ("survey", _("Site survey")),
                ("installation", _("Installation")),
                ("acceptance", _("Acceptance")),
            )
            if name in MANUAL_MILESTONES
        ],
        error_messages={"invalid_choice": _("Choose survey, installation or acceptance.")},
    )
    day = forms.DateField(
        label=_("Actual date"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
