"""风险发货申请 (REQUIREMENTS §6, 000 D6): shipping before payment or beyond the credit limit
needs a request approved by finance, then the general manager."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from orders.models.decisions import StepDecision

from ..enums import OPEN_RISK, RiskRequestStatus


class RiskShipmentRequest(models.Model):
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="risk_shipment_requests",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RiskRequestStatus.choices,
        default=RiskRequestStatus.FINANCE,
        db_index=True,
    )
    reason = models.TextField(_("reason and risk assessment"))
    gate_reasons = models.JSONField(_("blocked because"), default=list, blank=True)
    exposure = models.DecimalField(
        _("credit exposure"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("risk shipment request")
        verbose_name_plural = _("risk shipment requests")
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=[s.value for s in OPEN_RISK]),
                name="one_open_risk_request_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RISK


class RiskShipmentDecision(StepDecision):
    request = models.ForeignKey(
        RiskShipmentRequest, on_delete=models.CASCADE, related_name="decisions"
    )

    class Meta(StepDecision.Meta):
        verbose_name = _("risk shipment decision")
        verbose_name_plural = _("risk shipment decisions")
        constraints = [
            models.UniqueConstraint(fields=["request", "step"], name="one_decision_per_risk_step")
        ]
