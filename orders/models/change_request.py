"""Change, cancellation and hold requests on approved orders, and the order's revisions
(REQUIREMENTS §5: an approved order is never changed without authorisation).

Written by orders.services.change_requests only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..enums import ChangeCategory, ChangeKind, ChangeRequestStatus
from .decisions import STEP_CHOICES, StepDecision

# The steps a request can wait on: the order's review states.


class ChangeRequest(models.Model):
    """A rep's proposal to change, cancel, hold or resume an approved order. It goes through
    the review steps the approval policy names for its category; the last approval applies it."""

    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="change_requests",
    )
    number = models.CharField(_("request number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ChangeKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
        db_index=True,
    )
    category = models.CharField(_("category"), max_length=10, choices=ChangeCategory.choices)
    # The review states this request goes through, copied from the policy when it was made.
    steps = models.JSONField(_("steps"), default=list)
    current_step = models.CharField(
        _("current step"), max_length=30, choices=STEP_CHOICES, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    # {"header": {field: value}, "lines": [{"id", "product", "quantity", "unit_price", ...}]}
    proposed = models.JSONField(_("proposed values"), default=dict, blank=True)
    # {"header": [{field, before, after}], "lines": {"added", "removed", "changed"}, totals}
    diff = models.JSONField(_("changes"), default=dict, blank=True)
    base_revision = models.PositiveIntegerField(_("revision it changes"), default=0)
    revision = models.PositiveIntegerField(_("resulting revision"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="pending"),
                name="one_pending_change_request",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_pending(self) -> bool:
        return self.status == ChangeRequestStatus.PENDING


class ChangeRequestDecision(StepDecision):
    """One approver's decision on one step of a change request."""

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="decisions")

    class Meta(StepDecision.Meta):
        verbose_name = _("change request decision")
        verbose_name_plural = _("change request decisions")
        constraints = [
            models.UniqueConstraint(fields=["request", "step"], name="one_decision_per_change_step")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.step} {self.decision}"


class OrderRevision(models.Model):
    """The order as it was before and after an approved change (revision n, 订单变更记录)."""

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    change_request = models.OneToOneField(
        ChangeRequest,
        verbose_name=_("change request"),
        on_delete=models.PROTECT,
        related_name="order_revision",
    )
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["order", "number"]
        verbose_name = _("order revision")
        verbose_name_plural = _("order revisions")
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="uniq_order_revision")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} r{self.number}"
