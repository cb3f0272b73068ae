from decimal import Decimal

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrderStatus(TextChoices):
    DRAFT = "draft", _("Draft")
    SALES_REVIEW = "sales_review", _("Sales head review")
    TECHNICAL_REVIEW = "technical_review", _("Technical review")
    FINANCE_REVIEW = "finance_review", _("Finance review")
    GM_REVIEW = "gm_review", _("General manager review")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved")
    IN_PRODUCTION = "in_production", _("In production")
    READY_TO_SHIP = "ready_to_ship", _("Ready to ship")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    SETTLED = "settled", _("Settled")
    ARCHIVED = "archived", _("Archived")
    CANCELLED = "cancelled", _("Cancelled")
    ON_HOLD = "on_hold", _("On hold")


# The review steps in their default order (REQUIREMENTS §4); the technical/production review
# applies to non-regular orders when the approval policy says so (001 G).
REVIEW_STATES = (
    OrderStatus.SALES_REVIEW,
    OrderStatus.TECHNICAL_REVIEW,
    OrderStatus.FINANCE_REVIEW,
    OrderStatus.GM_REVIEW,
)
EDITABLE_STATES = (OrderStatus.DRAFT, OrderStatus.REJECTED)
# States in which the order is being executed (may be put on hold).
HOLDABLE_STATES = (
    OrderStatus.APPROVED,
    OrderStatus.IN_PRODUCTION,
    OrderStatus.READY_TO_SHIP,
    OrderStatus.PARTIALLY_SHIPPED,
)
# Approved but not yet shipped: cancellable only through an approved cancellation request.
CANCELLABLE_BY_REQUEST = (
    OrderStatus.APPROVED,
    OrderStatus.IN_PRODUCTION,
    OrderStatus.READY_TO_SHIP,
)
EXECUTION_STATES = HOLDABLE_STATES + (
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.ON_HOLD,
)


class OrderTransition(TextChoices):
    """Names of the order machine's transitions, as used by the API (DESIGN §7)."""

    SUBMIT = "submit", _("Submit for approval")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    CANCEL = "cancel", _("Cancel")
    CANCEL_APPROVED = "cancel_approved", _("Cancel (approved request)")
    HOLD = "hold", _("Put on hold")
    RESUME = "resume", _("Resume")
    START_PRODUCTION = "start_production", _("Start production")
    FINISH_PRODUCTION = "finish_production", _("Finish production")
    MARK_READY = "mark_ready", _("Ready to ship from stock")
    SHIP = "ship", _("Ship")
    CONFIRM_DELIVERY = "confirm_delivery", _("Confirm delivery")
    SETTLE = "settle", _("Settle")
    ARCHIVE = "archive", _("Archive")


# Transitions whose comment (reason) is required.
REASON_REQUIRED = frozenset(
    {
        OrderTransition.REJECT,
        OrderTransition.CANCEL,
        OrderTransition.CANCEL_APPROVED,
        OrderTransition.HOLD,
    }
)


class OrderEventType(TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    TRANSITION = "transition", _("Status changed")
    COMMENT = "comment", _("Comment")
    SHIPMENT = "shipment", _("Shipment recorded")
    LINE_CLOSED = "line_closed", _("Line short-closed")
    INVOICE = "invoice", _("Invoice recorded")
    PAYMENT = "payment", _("Payment recorded")
    CHANGE_REQUESTED = "change_requested", _("Change requested")
    CHANGE_DECIDED = "change_decided", _("Change request decided")
    CHANGE_WITHDRAWN = "change_withdrawn", _("Change request withdrawn")
    REVISED = "revised", _("Revised")


class ChangeKind(TextChoices):
    """What a change request asks for (REQUIREMENTS §5: 变更 / 取消 / 暂停 / 恢复)."""

    CHANGE = "change", pgettext_lazy("change request kind", "Change")
    CANCEL = "cancel", pgettext_lazy("change request kind", "Cancellation")
    HOLD = "hold", pgettext_lazy("change request kind", "Hold")
    RESUME = "resume", pgettext_lazy("change request kind", "Resume")


class ChangeRequestStatus(TextChoices):
    PENDING = "pending", pgettext_lazy("change request status", "Pending")
    APPROVED = "approved", pgettext_lazy("change request status", "Approved")
    REJECTED = "rejected", pgettext_lazy("change request status", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("change request status", "Withdrawn")


class ChangeCategory(TextChoices):
    """Which approval steps a request needs is decided per category by the approval policy."""

    DATE_ONLY = "date_only", _("Delivery dates only")
    INCREASE = "increase", _("Price, quantity or amount increase")
    OTHER = "other", _("Other change (decrease, removed lines, terms)")
    CANCEL = "cancel", _("Cancellation")
    HOLD = "hold", _("Hold")
    RESUME = "resume", _("Resume")


# Order states in which each kind of request may be made (DESIGN §2). A change may still be
# asked for while part has shipped; the shipped quantities bound it.
CHANGEABLE_STATES = CANCELLABLE_BY_REQUEST + (OrderStatus.PARTIALLY_SHIPPED,)


class OrderType(TextChoices):
    REGULAR = "regular", _("Regular (常规)")
    NON_REGULAR = "non_regular", _("Non-regular (非常规)")
    URGENT = "urgent", _("Urgent insert (紧急插单)")
    EXPORT = "export", _("Export (外销)")


class OrderSource(TextChoices):
    PHONE = "phone", _("Phone (来电)")
    LETTER = "letter", _("Letter (来函)")
    VISIT = "visit", _("Visit (来访)")
    FAX = "fax", _("Fax (传真)")
    EMAIL = "email", _("Email (邮件)")
    WEBSITE = "website", _("Website (网站)")
    SALESPERSON = "salesperson", _("Salesperson (销售人员)")


class Priority(TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class DeliveryMethod(TextChoices):
    EXPRESS = "express", _("Express (快递)")
    TRUCKLOAD = "truckload", _("Full truckload (整车)")
    AIR = "air", _("Air (空运)")
    ROAD = "road", _("Road freight (陆运)")
    PICKUP = "pickup", _("Customer pickup (自提)")


class InvoiceType(TextChoices):
    VAT_SPECIAL = "vat_special", _("VAT special invoice (增值税专用发票)")
    VAT_ORDINARY = "vat_ordinary", _("Ordinary invoice (普通发票)")


class SupplyMode(TextChoices):
    MAKE_TO_STOCK = "mts", _("Make to stock")
    MAKE_TO_ORDER = "mto", _("Make to order")


class VatRate(TextChoices):
    """VAT rates in use (DESIGN §3); stored as a decimal fraction."""

    R13 = "0.13", "13%"
    R9 = "0.09", "9%"
    R6 = "0.06", "6%"
    R0 = "0.00", "0%"


VAT_RATES = tuple(Decimal(v) for v in VatRate.values)
