"""Admin for the approval policy (configuration), the record of rounds and decisions
(read-only: they are written by the order services only) and delegations."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ApplicationError
from orders.enums import OrderType

from . import checks
from .enums import ReviewStep
from .models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRound,
    ChangePolicyRule,
    CheckResult,
    Delegation,
    PolicyStep,
)
from .services import delegation_revoke

POLICY_NOTE = _(
    "Changes apply to orders submitted afterwards: an order already in review keeps the chain "
    "it started with. Exactly one policy is active; without one every order goes through sales "
    "head → finance → general manager."
)


# --- policy --------------------------------------------------------------------------------------
class PolicyStepForm(forms.ModelForm):
    """The order types as checkboxes, stored as the JSON list the model keeps."""

    order_types = forms.MultipleChoiceField(
        label=_("only for these order types"),
        choices=OrderType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every order type."),
    )

    class Meta:
        model = PolicyStep
        fields = ["position", "step", "min_amount", "order_types"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["order_types"] = list(self.instance.order_types or [])

    def clean_order_types(self) -> list[str]:
        return sorted(set(self.cleaned_data.get("order_types") or []))


class PolicyStepFormSet(forms.BaseInlineFormSet):
    """Django's formset refuses a step repeated in one policy (the unique constraint); an
    active policy keeps at least one step."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        if self.instance.is_active and not kept:
            raise forms.ValidationError(
                _(
                    "An active policy needs at least one step; otherwise orders would be approved "
                    "without review."
                )
            )


class PolicyStepInline(admin.TabularInline):
    model = PolicyStep
    form = PolicyStepForm
    formset = PolicyStepFormSet
    extra = 0
    ordering = ["position", "id"]


class ApprovalPolicyForm(forms.ModelForm):
    class Meta:
        model = ApprovalPolicy
        fields = ["name", "is_active", "distinct_approvers", "notes"]

    def clean_is_active(self) -> bool:
        active = self.cleaned_data["is_active"]
        if active:
            other = ApprovalPolicy.objects.filter(is_active=True).exclude(pk=self.instance.pk)
            other = other.first()
            if other is not None:
                raise forms.ValidationError(
                    _(
                        "“%(name)s” is the active policy. Deactivate it first, or use the "
                        "“Make active” action in the list."
                    )
                    % {"name": other.name}
                )
        return active


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    form = ApprovalPolicyForm
    inlines = [PolicyStepInline]
    list_display = ["name", "is_active", "distinct_approvers", "chain", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    actions = ["make_active"]
    fieldsets = [
        (
            None,
            {
                "fields": ["name", "is_active", "distinct_approvers", "notes"],
                "description": POLICY_NOTE,
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description=_("chain"))
    def chain(self, policy) -> str:
        return " → ".join(str(s.get_step_display()) for s in policy.steps.all()) or "—"

    @admin.action(description=_("Make the selected policy the active one"))
    def make_active(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one policy."), messages.ERROR)
            return
        policy = queryset.annotate(n=Count("steps")).get()
        if not policy.n:
            self.message_user(
                request, _("“%(name)s” has no steps.") % {"name": policy.name}, messages.ERROR
            )
            return
        with transaction.atomic():
            ApprovalPolicy.objects.filter(is_active=True).exclude(pk=policy.pk).update(
                is_active=False
            )
            ApprovalPolicy.objects.filter(pk=policy.pk).update(is_active=True)
        self.message_user(
            request,
            _("“%(name)s” is now the active policy; orders submitted from now on follow it.")
            % {"name": policy.name},
            messages.SUCCESS,
        )


# --- the record: rounds, checks, decisions (read-only) -------------------------------------------
class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CheckResultInline(ReadOnlyMixin, admin.TabularInline):
    model = CheckResult
    fields = ["step", "code", "passed", "figures", "computed_at"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("figures"))
    def figures(self, check) -> str:
        return checks.describe(check.code, check.passed, check.details)


class ApprovalDecisionInline(ReadOnlyMixin, admin.TabularInline):
    model = ApprovalDecision
    fk_name = "round"
    fields = [
        "step",
        "decision",
        "actor",
        "on_behalf_of",
        "comment",
        "override_reason",
        "failed_checks",
        "decided_at",
    ]
    readonly_fields = fields
    extra = 0


@admin.register(ApprovalRound)
class ApprovalRoundAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["order", "number", "policy_name", "chain", "outcome", "started_at", "ended_at"]
    list_filter = ["outcome"]
    search_fields = ["order__number", "order__customer__name"]
    list_select_related = ["order"]
    inlines = [CheckResultInline, ApprovalDecisionInline]
    date_hierarchy = "started_at"
    fields = [
        "order",
        "number",
        "policy",
        "policy_name",
        "chain",
        "distinct_approvers",
        "started_by",
        "started_at",
        "step_opened_at",
        "ended_at",
        "outcome",
    ]
    readonly_fields = fields

    @admin.display(description=_("chain"))
    def chain(self, round_) -> str:
        labels = dict(ReviewStep.choices)
        return " → ".join(str(labels.get(s, s)) for s in round_.steps) or "—"


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["order", "step", "decision", "actor", "on_behalf_of", "decided_at"]
    list_filter = ["step", "decision"]
    search_fields = ["order__number", "actor__username", "actor__last_name", "comment"]
    list_select_related = ["order", "actor", "on_behalf_of"]
    date_hierarchy = "decided_at"


# --- delegations ---------------------------------------------------------------------------------
class DelegationAdminForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ["approver", "delegate", "start_date", "end_date", "reason", "revoked_at"]

    def clean(self):
        data = super().clean()
        approver, delegate = data.get("approver"), data.get("delegate")
        if approver and delegate and approver == delegate:
            self.add_error("delegate", _("An approver cannot delegate to themselves."))
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return data


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    form = DelegationAdminForm
    list_display = ["approver", "delegate", "start_date", "end_date", "reason", "revoked_at"]
    list_filter = ["start_date", "end_date"]
    search_fields = [
        "approver__username",
        "approver__last_name",
        "delegate__username",
        "delegate__last_name",
        "reason",
    ]
    list_select_related = ["approver", "delegate"]
    autocomplete_fields = ["approver", "delegate"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected delegations"))
    def revoke(self, request, queryset):
        count = 0
        for delegation in queryset.filter(revoked_at__isnull=True):
            try:
                delegation_revoke(actor=request.user, delegation_id=delegation.pk)
            except ApplicationError as exc:
                self.message_user(request, f"{delegation}: {exc.message}", messages.ERROR)
            else:
                count += 1
        self.message_user(
            request,
            ngettext("%(n)d delegation revoked.", "%(n)d delegations revoked.", count)
            % {"n": count},
            messages.SUCCESS,
        )


# --- change requests -----------------------------------------------------------------------------
class ChangePolicyRuleForm(forms.ModelForm):
    """The steps as checkboxes, stored as the JSON list the model keeps."""

    steps = forms.MultipleChoiceField(
        label=_("steps"),
        choices=ReviewStep.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Taken in the order sales head → technical → finance → general manager."),
    )

    class Meta:
        model = ChangePolicyRule
        fields = ["category", "steps"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["steps"] = list(self.instance.steps or [])

    def clean_steps(self) -> list[str]:
        chosen = set(self.cleaned_data.get("steps") or [])
        return [step for step in ReviewStep.values if step in chosen]


@admin.register(ChangePolicyRule)
class ChangePolicyRuleAdmin(admin.ModelAdmin):
    """Which review steps a change, cancellation, hold or resume request needs (REQUIREMENTS
    §5). A request keeps the steps it started with."""

    form = ChangePolicyRuleForm
    list_display = ["category", "chain"]

    @admin.display(description=_("chain"))
    def chain(self, rule) -> str:
        labels = dict(ReviewStep.choices)
        return " → ".join(str(labels.get(s, s)) for s in rule.steps) or "—"
