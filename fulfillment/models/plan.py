"""执行计划 (REQUIREMENTS §6, 000 D21): plan dates derived from the required arrival date and the
standard cycles, in working days; the actual dates next to them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order

from ..enums import CycleKey


class StandardCycle(models.Model):
    """标准执行周期, editable in the admin; seeded with the defaults by a data migration."""

    key = models.CharField(_("cycle"), max_length=30, choices=CycleKey.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(_("working days"))

    class Meta:
        ordering = ["key"]
        verbose_name = _("standard cycle")
        verbose_name_plural = _("standard cycles")

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.working_days}"


# The plan's milestones in order; each has a planned_<name> and an actual_<name> column.
MILESTONES = ("survey", "into_stock", "ship", "arrival", "installation", "acceptance")


def _date(label):
    return models.DateField(label, null=True, blank=True)


class ExecutionPlan(models.Model):
    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="execution_plan"
    )
    planned_survey = _date(_("planned site survey"))
    planned_into_stock = _date(_("planned into stock"))
    planned_ship = _date(_("planned ship date"))
    planned_arrival = _date(_("planned arrival"))
    planned_installation = _date(_("planned installation"))
    planned_acceptance = _date(_("planned acceptance"))
    actual_survey = _date(_("actual site survey"))
    actual_into_stock = _date(_("actual into stock"))
    actual_ship = _date(_("actual ship date"))
    actual_arrival = _date(_("actual arrival"))
    actual_installation = _date(_("actual installation"))
    actual_acceptance = _date(_("actual acceptance"))
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("execution plan")
        verbose_name_plural = _("execution plans")
        indexes = [models.Index(fields=["planned_ship"], name="plan_planned_ship")]

    def __str__(self) -> str:
        return f"{self.order_id}"
