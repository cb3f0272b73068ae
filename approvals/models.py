from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from orders.enums import ChangeCategory, OrderType
from orders.models.decisions import StepDecision

from .enums import CheckCode, ReviewStep, RoundOutcome

CARRIED_OUT_BY_LAST_APPROVER = (ChangeCategory.CANCEL, ChangeCategory.HOLD, ChangeCategory.RESUME)


class ApprovalPolicy(TimeStampedModel):
    """Which review steps an order goes through (REQUIREMENTS §4: configurable, default sales
    head → finance → general manager). Exactly one policy is active; a change applies to orders
    submitted afterwards, because each round keeps a copy of its chain."""

    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=False)
    distinct_approvers = models.BooleanField(
        _("the same person may not approve two steps"), default=True
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_policy"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PolicyStep(models.Model):
    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=30, choices=ReviewStep.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    min_amount = models.DecimalField(
        _("only at or above this total"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Leave empty for every order."),
    )
    order_types = models.JSONField(
        _("only for these order types"),
        default=list,
        blank=True,
        help_text=_("Leave empty for every order type."),
    )

    class Meta:
        ordering = ["policy", "position", "id"]
        verbose_name = _("policy step")
        verbose_name_plural = _("policy steps")
        constraints = [models.UniqueConstraint(fields=["policy", "step"], name="uniq_policy_step")]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_step_display()}"

    def applies_to(self, order) -> bool:
        if self.min_amount is not None and order.total < self.min_amount:
            return False
        return not self.order_types or order.order_type in self.order_types

    def clean(self):
        from django.core.exceptions import ValidationError

        unknown = set(self.order_types or []) - set(OrderType.values)
        if unknown:
            raise ValidationError(
                {
                    "order_types": _("Unknown order types: %(types)s")
                    % {"types": ", ".join(sorted(unknown))}
                }
            )


class ApprovalRound(models.Model):
    """One pass of an order through its chain, from submission to a decision. The chain is
    copied from the policy when the order is submitted."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="approval_rounds"
    )
    number = models.PositiveIntegerField(_("round"))
    policy = models.ForeignKey(
        ApprovalPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    policy_name = models.CharField(_("policy"), max_length=100, blank=True)
    steps = models.JSONField(_("chain"), default=list)
    distinct_approvers = models.BooleanField(default=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    step_opened_at = models.DateTimeField(_("current step opened at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=RoundOutcome.choices, default=RoundOutcome.OPEN
    )

    class Meta:
        ordering = ["order", "number"]
        verbose_name = _("approval round")
        verbose_name_plural = _("approval rounds")
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="uniq_round_number"),
            models.UniqueConstraint(
                fields=["order"], condition=Q(outcome="open"), name="one_open_round_per_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} #{self.number}"


class CheckResult(models.Model):
    """An automatic check computed when a step opens (REQUIREMENTS §4), with its numbers."""

    round = models.ForeignKey(ApprovalRound, on_delete=models.CASCADE, related_name="checks")
    step = models.CharField(_("step"), max_length=30, choices=ReviewStep.choices)
    code = models.CharField(_("check"), max_length=20, choices=CheckCode.choices)
    passed = models.BooleanField(_("passed"))
    details = models.JSONField(_("figures"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        ordering = ["round", "step", "code"]
        verbose_name = _("check result")
        verbose_name_plural = _("check results")
        constraints = [
            models.UniqueConstraint(fields=["round", "step", "code"], name="uniq_check_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {'pass' if self.passed else 'FAIL'}"


class ApprovalDecision(StepDecision):
    """An approver's decision on one step, next to the OrderEvent that records the transition."""

    round = models.ForeignKey(ApprovalRound, on_delete=models.CASCADE, related_name="decisions")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="approval_decisions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="approval_decisions",
    )
    override_reason = models.TextField(_("override reason"), blank=True)
    failed_checks = models.JSONField(_("failed checks"), default=list, blank=True)
    event = models.OneToOneField(
        "orders.OrderEvent", on_delete=models.PROTECT, null=True, related_name="approval_decision"
    )

    class Meta(StepDecision.Meta):
        verbose_name = _("approval decision")
        verbose_name_plural = _("approval decisions")
        constraints = [
            models.UniqueConstraint(fields=["round", "step"], name="one_decision_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.step} {self.decision}"


class Delegation(TimeStampedModel):
    """An approver names a stand-in for a date range (REQUIREMENTS §1, DESIGN §4)."""

    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.CASCADE,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegate"),
        on_delete=models.CASCADE,
        related_name="delegations_received",
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="delegation_dates_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(approver=F("delegate")), name="delegation_not_to_self"
            ),
        ]
        indexes = [models.Index(fields=["delegate", "start_date", "end_date"])]

    def __str__(self) -> str:
        period = f"{self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}"
        return f"{self.approver} → {self.delegate} ({period})"


class ChangePolicyRule(models.Model):
    """Which review steps a change request of one category needs (REQUIREMENTS §5: date-only
    changes → sales head; price, quantity or amount increases → the whole chain). Read when
    a request is made; a request keeps the steps it started with."""

    category = models.CharField(
        _("category"), max_length=10, choices=ChangeCategory.choices, unique=True
    )
    steps = models.JSONField(
        _("steps"),
        default=list,
        help_text=_("Taken in the order sales head → technical → finance → general manager."),
    )

    class Meta:
        ordering = ["category"]
        verbose_name = _("change request rule")
        verbose_name_plural = _("change request rules")

    def __str__(self) -> str:
        return str(self.get_category_display())

    def clean(self):
        from django.core.exceptions import ValidationError

        steps = list(self.steps or [])
        unknown = set(steps) - set(ReviewStep.values)
        if unknown:
            raise ValidationError(
                {"steps": _("Unknown steps: %(steps)s") % {"steps": ", ".join(sorted(unknown))}}
            )
        if not steps:
            raise ValidationError(
                {"steps": _("At least one step: an approved order never changes unreviewed.")}
            )
        # The last approver of a cancellation, hold or resume carries it out, which only the
        # sales head and the general manager may do (orders.permissions.ROLE_TRANSITIONS).
        last = [s for s in ReviewStep.values if s in steps][-1]
        if self.category in CARRIED_OUT_BY_LAST_APPROVER and last not in (
            ReviewStep.SALES_HEAD,
            ReviewStep.GM,
        ):
            raise ValidationError(
                {
                    "steps": _(
                        "The last step of a cancellation, hold or resume must be the sales "
                        "head's or the general manager's review."
                    )
                }
            )
