from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import REVIEW_STATES

STEP_CHOICES = [(state.value, state.label) for state in REVIEW_STATES]


class StepDecision(models.Model):
    """One approver's decision on one review step: who (and on whose behalf), what, when.
    Shared by order approvals (approvals.ApprovalDecision) and change requests."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")

    step = models.CharField(_("step"), max_length=30, choices=STEP_CHOICES)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.step} {self.decision}"
