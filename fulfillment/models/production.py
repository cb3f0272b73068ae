"""生产指令 (REQUIREMENTS §6): issued when an approved order needs goods made (make-to-order
lines or short stock); production starts it, reports progress and finishes it into stock."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderLine, Product

from ..enums import OPEN_PRODUCTION, ProductionReason, ProductionStatus
from .stock import QTY


def _user(verbose_name, **extra):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        **extra,
    )


class ProductionInstruction(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="production_instructions",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ProductionStatus.choices,
        default=ProductionStatus.ISSUED,
        db_index=True,
    )
    planned_start = models.DateField(_("planned start"))
    planned_finish = models.DateField(_("planned finish"), db_index=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    qc_passed = models.BooleanField(_("QC passed"), null=True, blank=True)
    qc_note = models.CharField(_("QC note"), max_length=300, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = _user(_("issued by"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    started_by = _user(_("started by"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_by = _user(_("finished by"))

    class Meta:
        ordering = ["planned_finish", "id"]
        verbose_name = _("production instruction")
        verbose_name_plural = _("production instructions")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="production_progress_max"),
            # One live instruction per order; a finished or cancelled one may be followed.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=[s.value for s in OPEN_PRODUCTION]),
                name="one_open_instruction_per_order",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PRODUCTION


class ProductionInstructionLine(models.Model):
    instruction = models.ForeignKey(
        ProductionInstruction, on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    reason = models.CharField(_("reason"), max_length=6, choices=ProductionReason.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("production instruction line")
        verbose_name_plural = _("production instruction lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="production_line_qty_positive")
        ]

    def __str__(self) -> str:
        return f"{self.instruction_id}: {self.product_id} × {self.quantity}"


class ProductionReport(models.Model):
    """A progress report: how far production is, with a note (the plan's time points, 002 S4)."""

    instruction = models.ForeignKey(
        ProductionInstruction, on_delete=models.CASCADE, related_name="reports"
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = _user(_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("production report")
        verbose_name_plural = _("production reports")

    def __str__(self) -> str:
        return f"{self.instruction_id} {self.progress}%"
