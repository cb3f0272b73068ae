"""Customer feedback collected after delivery (REQUIREMENTS §6: within 24 hours, 002 S5)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order

from ..enums import FeedbackRating


class CustomerFeedback(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="feedback"
    )
    rating = models.CharField(_("rating"), max_length=15, choices=FeedbackRating.choices)
    contact = models.CharField(_("given by"), max_length=60)
    note = models.TextField(_("what the customer said"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("customer feedback")
        verbose_name_plural = _("customer feedback")

    def __str__(self) -> str:
        return f"{self.order_id} {self.rating}"
