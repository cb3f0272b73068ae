from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import OrderEventType


class OrderEvent(models.Model):
    """Audit trail: who did what to an order, when, from which state to which (REQUIREMENTS §11).

    Written in the same transaction as the change it records (orders.events).
    """

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(_("type"), max_length=20, choices=OrderEventType.choices)
    transition = models.CharField(_("transition"), max_length=30, blank=True)
    from_status = models.CharField(_("from"), max_length=30, blank=True)
    to_status = models.CharField(_("to"), max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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
    payload = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        indexes = [models.Index(fields=["order", "created_at"], name="event_order_time")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.event_type} {self.from_status}→{self.to_status}"
