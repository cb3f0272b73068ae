"""Customer statements (对账单) for a period, with the customer's confirmation or dispute."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import StatementStatus
from .documents import MONEY


class Statement(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="statements",
    )
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    opening_balance = models.DecimalField(_("opening balance"), **MONEY)
    invoiced = models.DecimalField(_("invoiced"), **MONEY)
    received = models.DecimalField(_("received"), **MONEY)
    closing_balance = models.DecimalField(_("closing balance"), **MONEY)
    # The statement as sent: every row, frozen, so a later correction never changes it.
    snapshot = models.JSONField(_("contents"), default=dict)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=StatementStatus.choices,
        default=StatementStatus.ISSUED,
    )
    response_note = models.TextField(_("customer's response"), blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-date_to", "-id"]
        verbose_name = _("customer statement")
        verbose_name_plural = _("customer statements")

    def __str__(self) -> str:
        return self.number
