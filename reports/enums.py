from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RuleCode(TextChoices):
    """What a deadline rule watches (REQUIREMENTS §9; defaults from the regulations)."""

    APPROVAL_STEP = "approval_step", _("Approval step decided")
    CHANGE_REQUEST = "change_request", _("Change request handled")
    PRODUCTION_INSTRUCTION = "production_instruction", _("Production instruction issued")
    FOLLOW_UP = "follow_up", _("Follow-up before the promised date")
    SHIPMENT_OVERDUE = "shipment_overdue", _("Shipment by the promised date")
    RECEIPT_MISSING = "receipt_missing", _("Signed delivery receipt returned")
    CUSTOMER_FEEDBACK = "customer_feedback", _("Customer feedback after delivery")
    INVOICE_DUE = "invoice_due", _("Invoice issued after shipment")
    PAYMENT_OVERDUE = "payment_overdue", _("Payment by the due date")


class OffsetUnit(TextChoices):
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    HOURS = "hours", _("hours")
    DAYS = "days", _("calendar days")


class AlertStatus(TextChoices):
    OPEN = "open", pgettext_lazy("alert status", "Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


OPEN_ALERTS = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)

# The order's own sales rep, besides the roles.
OWNER = "owner"


class ReportKind(TextChoices):
    WEEKLY = "weekly", _("Weekly tracking report")
    MONTHLY = "monthly", _("Monthly execution report")


class FeedbackRating(TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
