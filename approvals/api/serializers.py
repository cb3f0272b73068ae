"""Representations of the approvals API (DESIGN §7). Input serializers only parse; the rules
live in orders.services (decisions) and approvals.services (delegations)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.templatetags.ui import person
from orders.enums import OrderStatus, OrderType
from orders.permissions import decides_as

from ..checks import describe
from ..enums import Decision, ReviewStep
from ..models import ApprovalDecision, CheckResult, Delegation

DEADLINE_STATES = [
    ("ok", _("On time")),
    ("near", _("Deadline near")),
    ("late", _("Overdue")),
]


def _person_or_none(user):
    return person(user) if user is not None else None


# --- policy -----------------------------------------------------------------------------------


class PolicyStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=ReviewStep.choices)
    step_display = serializers.SerializerMethodField()
    position = serializers.IntegerField()
    min_amount = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        help_text=_("The step applies only at or above this total; null: every total."),
    )
    order_types = serializers.ListField(
        child=serializers.CharField(),
        help_text=_(
            "The step applies only to these order types (regular, non_regular, urgent, "
            "export); empty: every type."
        ),
    )

    def get_step_display(self, step) -> str:
        return str(ReviewStep(step.step).label)


class ApprovalPolicySerializer(serializers.Serializer):
    """The active policy; `id` is null when none is active and the plain chain applies."""

    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    distinct_approvers = serializers.BooleanField(
        help_text=_("The same person may not approve two steps of one order.")
    )
    notes = serializers.CharField()
    steps = PolicyStepSerializer(many=True, help_text=_("In the order they are taken."))
    updated_at = serializers.DateTimeField(allow_null=True)


# --- inbox ------------------------------------------------------------------------------------


class CheckResultSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_code_display", read_only=True)
    text = serializers.SerializerMethodField(help_text=_("The figures in a sentence."))
    details = serializers.JSONField(read_only=True)

    class Meta:
        model = CheckResult
        fields = ["code", "label", "passed", "text", "details"]
        read_only_fields = fields

    def get_text(self, check: CheckResult) -> str:
        return describe(check.code, check.passed, check.details)


class InboxItemSerializer(serializers.Serializer):
    """An order waiting on a step the user may decide (approvals.selectors.approval_inbox)."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    owner = serializers.IntegerField(source="owner_id")
    owner_name = serializers.SerializerMethodField()
    order_type = serializers.ChoiceField(choices=OrderType.choices)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    step = serializers.ChoiceField(source="status", choices=ReviewStep.choices)
    round = serializers.IntegerField(source="approval_round.number", allow_null=True, default=None)
    submitted_at = serializers.DateTimeField(allow_null=True)
    step_opened_at = serializers.DateTimeField(source="age.opened_at", allow_null=True)
    age_hours = serializers.FloatField(
        source="age.hours", help_text=_("Working hours the step has waited.")
    )
    due_at = serializers.DateTimeField(
        source="age.due_at",
        allow_null=True,
        help_text=_("One working day after the step opened."),
    )
    deadline_state = serializers.ChoiceField(source="age.state", choices=DEADLINE_STATES)
    checks = CheckResultSerializer(source="current_checks", many=True)
    failed_checks = serializers.SerializerMethodField(
        help_text=_("Codes of the checks in `checks` that failed.")
    )
    on_behalf_of = serializers.SerializerMethodField(
        help_text=_("The approver the user stands in for (delegation), or null.")
    )
    on_behalf_of_name = serializers.SerializerMethodField()

    def get_owner_name(self, order) -> str:
        return person(order.owner)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_failed_checks(self, order) -> list[str]:
        return [c.code for c in order.failed_checks]

    def _principal(self, order):
        user = self.context["request"].user
        principal = decides_as(user, order)
        return principal if principal is not None and principal.pk != user.pk else None

    def get_on_behalf_of(self, order) -> int | None:
        principal = self._principal(order)
        return principal.pk if principal else None

    def get_on_behalf_of_name(self, order) -> str | None:
        return _person_or_none(self._principal(order))


class InboxFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReviewStep.choices, required=False)
    customer = serializers.CharField(required=False, help_text=_("Part of the customer's name"))
    min_total = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    overdue = serializers.BooleanField(
        required=False, default=False, help_text=_("Only steps past their deadline")
    )


# --- decisions --------------------------------------------------------------------------------


class DecisionSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    order_status = serializers.ChoiceField(
        source="order.status",
        choices=OrderStatus.choices,
        read_only=True,
        help_text=_("The order's status now."),
    )
    round = serializers.IntegerField(source="round.number", read_only=True)
    step_display = serializers.CharField(source="get_step_display", read_only=True)
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    actor_name = serializers.SerializerMethodField()
    on_behalf_of_name = serializers.SerializerMethodField()
    failed_checks = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_(
            "Codes of the step's checks that had failed (credit, floor_price, "
            "payment_terms, delivery_date)."
        ),
    )

    class Meta:
        model = ApprovalDecision
        fields = [
            "id",
            "order",
            "order_number",
            "order_status",
            "round",
            "step",
            "step_display",
            "decision",
            "decision_display",
            "actor",
            "actor_name",
            "on_behalf_of",
            "on_behalf_of_name",
            "comment",
            "override_reason",
            "failed_checks",
            "event",
            "decided_at",
        ]
        read_only_fields = fields

    def get_actor_name(self, decision: ApprovalDecision) -> str:
        return person(decision.actor)

    def get_on_behalf_of_name(self, decision: ApprovalDecision) -> str | None:
        return _person_or_none(decision.on_behalf_of)


class DecisionInputSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=1)
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required to reject (the reason goes back to the sales rep)."),
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required to approve while an automatic check of the step failed."),
    )
    expected_status = serializers.ChoiceField(
        choices=OrderStatus.choices,
        required=False,
        help_text=_("The step the caller saw; a different current status answers 409."),
    )


class DecisionFilterSerializer(serializers.Serializer):
    mine = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Only decisions the user took, or that were taken on their behalf."),
    )
    order = serializers.IntegerField(required=False, min_value=1)
    decision = serializers.ChoiceField(choices=Decision.choices, required=False)


# --- delegations ------------------------------------------------------------------------------


class DelegationSerializer(serializers.ModelSerializer):
    approver_name = serializers.SerializerMethodField()
    delegate_name = serializers.SerializerMethodField()
    is_current = serializers.SerializerMethodField(
        help_text=_("Not revoked and today is within the period.")
    )

    class Meta:
        model = Delegation
        fields = [
            "id",
            "approver",
            "approver_name",
            "delegate",
            "delegate_name",
            "start_date",
            "end_date",
            "reason",
            "revoked_at",
            "is_current",
            "created_at",
        ]
        read_only_fields = fields

    def get_approver_name(self, delegation: Delegation) -> str:
        return person(delegation.approver)

    def get_delegate_name(self, delegation: Delegation) -> str:
        return person(delegation.delegate)

    def get_is_current(self, delegation: Delegation) -> bool:
        today = self.context["today"]
        return (
            delegation.revoked_at is None and delegation.start_date <= today <= delegation.end_date
        )


class DelegationInputSerializer(serializers.Serializer):
    delegate = serializers.IntegerField(min_value=1, help_text=_("The stand-in's user id."))
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    approver = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("Administrators only: delegate on behalf of this approver."),
    )
