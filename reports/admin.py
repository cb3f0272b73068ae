"""Reports in the admin: the deadline rules are the configuration kept here (REQUIREMENTS §9:
"deadline rules in a table, editable in the admin"); alerts, customer feedback and the stored
tracking reports are written by the scan and the services, so they are read-only here.

A rule's code is what the scan watches, so rules are neither added nor deleted by hand: an
unwanted rule is made inactive (its open alerts then resolve at the next scan)."""

from django import forms
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin

from .enums import RuleCode
from .models import Alert, CustomerFeedback, DeadlineRule, TrackingReport
from .services.alerts import AUDIENCE_NAMES, STEP, STEP_RULES, audience_label, rule_summary

# Rules whose due time counts from a date (the promised date, the ship date, the invoice's due
# date): these may fall due before it (a negative offset), in calendar or working days.
DATE_RULES = (
    RuleCode.FOLLOW_UP,
    RuleCode.SHIPMENT_OVERDUE,
    RuleCode.RECEIPT_MISSING,
    RuleCode.PAYMENT_OVERDUE,
)


def audience_choices() -> list[tuple[str, str]]:
    return [(name, audience_label(name)) for name in AUDIENCE_NAMES]


class DeadlineRuleForm(forms.ModelForm):
    alert_roles = forms.MultipleChoiceField(
        label=capfirst(DeadlineRule._meta.get_field("alert_roles").verbose_name),
        choices=audience_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who is told when the deadline passes."),
    )
    escalate_roles = forms.MultipleChoiceField(
        label=capfirst(DeadlineRule._meta.get_field("escalate_roles").verbose_name),
        choices=audience_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Who is told when the alert is still open (and not acknowledged) later."),
    )

    class Meta:
        model = DeadlineRule
        fields = [
            "is_active",
            "offset",
            "offset_unit",
            "alert_roles",
            "escalate_roles",
            "escalate_after",
            "description",
        ]

    def clean(self):
        data = super().clean()
        code = self.instance.code
        offset, unit = data.get("offset"), data.get("offset_unit")
        if offset is not None and offset < 0:
            if code not in DATE_RULES:
                self.add_error(
                    "offset",
                    _(
                        "This rule counts from an event that has happened: "
                        "the offset cannot be negative."
                    ),
                )
            elif unit == "working_hours":
                self.add_error(
                    "offset_unit",
                    _("Before a date, count in working days, hours or calendar days."),
                )
        for name in ("alert_roles", "escalate_roles"):
            if STEP in (data.get(name) or []) and code not in STEP_RULES:
                self.add_error(
                    name,
                    _("“%(step)s” only applies to approval steps and change requests.")
                    % {"step": audience_label(STEP)},
                )
        return data


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    form = DeadlineRuleForm
    list_display = ["__str__", "summary", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "description"]
    readonly_fields = ["code", "summary"]
    fieldsets = [
        (None, {"fields": ["code", "summary", "is_active", "description"]}),
        (_("Due time"), {"fields": ["offset", "offset_unit"]}),
        (_("Who is told"), {"fields": ["alert_roles", "escalate_roles", "escalate_after"]}),
    ]

    @admin.display(description=_("rule"))
    def summary(self, rule) -> str:
        return rule_summary(rule) if rule.pk else ""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = [
        "order",
        "rule",
        "key",
        "due_at",
        "status",
        "notified_at",
        "escalated_at",
        "acknowledged_by",
        "resolved_at",
    ]
    list_filter = ["rule", "status", ("escalated_at", admin.EmptyFieldListFilter)]
    list_select_related = ["order", "rule", "acknowledged_by"]
    search_fields = ["order__number"]
    date_hierarchy = "due_at"


@admin.register(CustomerFeedback)
class CustomerFeedbackAdmin(ReadOnlyAdmin):
    list_display = ["order", "rating", "contact", "recorded_by", "recorded_at"]
    list_filter = ["rating"]
    list_select_related = ["order", "recorded_by"]
    search_fields = ["order__number", "contact", "note"]


@admin.register(TrackingReport)
class TrackingReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "period_start", "period_end", "generated_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["generated_by"]
    fields = [
        "kind",
        "period_start",
        "period_end",
        "generated_at",
        "generated_by",
        "emailed_at",
        "file",
    ]
