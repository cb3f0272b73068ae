from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.enums import OrderStatus
from orders.models.decisions import StepDecision


class ReviewStep(TextChoices):
    """The review steps a policy can use; each is an order state (orders.enums.REVIEW_STATES)."""

    SALES_HEAD = OrderStatus.SALES_REVIEW.value, _("Sales head review")
    TECHNICAL = OrderStatus.TECHNICAL_REVIEW.value, _("Technical review")
    FINANCE = OrderStatus.FINANCE_REVIEW.value, _("Finance review")
    GM = OrderStatus.GM_REVIEW.value, _("General manager review")


class RoundOutcome(TextChoices):
    OPEN = "open", pgettext_lazy("approval round", "Open")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    SUPERSEDED = "superseded", _("Superseded")


# One definition for every step decision (order approvals and change requests).
Decision = StepDecision.Decision


class CheckCode(TextChoices):
    CREDIT = "credit", _("Credit exposure")
    FLOOR_PRICE = "floor_price", _("Floor price")
    PAYMENT_TERMS = "payment_terms", _("Payment terms")
    DELIVERY_DATE = "delivery_date", _("Delivery date")
