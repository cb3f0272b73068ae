"""偏差处理报告 and 投诉 (REQUIREMENTS §6): a difference between execution and the contract, or
a customer's complaint, with its cause, owner, resolution and status."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order

from ..enums import (
    OPEN_DEVIATION,
    DeviationCategory,
    DeviationKind,
    DeviationSeverity,
    DeviationStatus,
)


class Deviation(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="deviations"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DeviationKind.choices)
    category = models.CharField(
        _("cause category"), max_length=15, choices=DeviationCategory.choices
    )
    severity = models.CharField(
        _("severity"),
        max_length=8,
        choices=DeviationSeverity.choices,
        default=DeviationSeverity.NORMAL,
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"))
    cause = models.TextField(_("cause analysis"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=DeviationStatus.choices,
        default=DeviationStatus.OPEN,
        db_index=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("deviation or complaint")
        verbose_name_plural = _("deviations and complaints")
        indexes = [models.Index(fields=["order", "status"], name="deviation_order_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DEVIATION
