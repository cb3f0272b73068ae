"""Deadline rules (editable in the admin) and the alerts the deadline scan raises.

An alert exists at most once per (rule, order, key, due time): the scan inserts with
ignore_conflicts, so running it twice — or on two workers at once — never duplicates one.
`key` tells apart several watched things of one order (a review step, a shipment, an invoice).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order

from ..enums import OPEN_ALERTS, AlertStatus, OffsetUnit, RuleCode


class DeadlineRule(models.Model):
    code = models.CharField(_("watches"), max_length=30, choices=RuleCode.choices, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    offset = models.IntegerField(
        _("due after"),
        help_text=_(
            "Counted from the watched event; negative = before it (e.g. the promised date)."
        ),
    )
    offset_unit = models.CharField(_("unit"), max_length=15, choices=OffsetUnit.choices)
    alert_roles = models.JSONField(
        _("alerted"), default=list, help_text=_("Role names; “owner” is the order's sales rep.")
    )
    escalate_roles = models.JSONField(_("escalated to"), default=list, blank=True)
    escalate_after = models.PositiveIntegerField(
        _("escalate after (working hours past due)"), default=9
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")

    def __str__(self) -> str:
        return self.get_code_display()


class Alert(models.Model):
    rule = models.ForeignKey(
        DeadlineRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="alerts"
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="alerts"
    )
    key = models.CharField(_("watched item"), max_length=40, blank=True)
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AlertStatus.choices,
        default=AlertStatus.OPEN,
        db_index=True,
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "order", "key", "due_at"], name="alert_once_per_due_time"
            )
        ]
        indexes = [
            models.Index(
                fields=["order", "status"],
                name="alert_order_open",
                condition=Q(status__in=[s.value for s in OPEN_ALERTS]),
            ),
            models.Index(fields=["rule", "status"], name="alert_rule_status"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.order_id} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ALERTS
