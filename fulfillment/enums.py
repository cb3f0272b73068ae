from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReservationStatus(TextChoices):
    ACTIVE = "active", _("Reserved")
    RELEASED = "released", _("Released")
    CONSUMED = "consumed", _("Consumed")


class MovementKind(TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ADJUSTMENT = "adjustment", _("Adjustment")
    RESERVE = "reserve", _("Reservation")
    RELEASE = "release", _("Release")
    CONSUME = "consume", _("Shipped")


class ProductionStatus(TextChoices):
    ISSUED = "issued", _("Issued")
    IN_PROGRESS = "in_progress", _("In production")
    FINISHED = "finished", _("Finished (into stock)")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_PRODUCTION = (ProductionStatus.ISSUED, ProductionStatus.IN_PROGRESS)


class ProductionReason(TextChoices):
    MAKE_TO_ORDER = "mto", _("Make to order")
    SHORT_STOCK = "short", _("Short stock")


class ShipmentStatus(TextChoices):
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered (signed)")


class RiskRequestStatus(TextChoices):
    FINANCE = "finance", _("Waiting for finance")
    GM = "gm", _("Waiting for the general manager")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_RISK = (RiskRequestStatus.FINANCE, RiskRequestStatus.GM)


class GateReason(TextChoices):
    PREPAYMENT = "prepayment", _("Payment before shipment is required and not received")
    CREDIT = "credit", _("The customer is over the credit limit")


class DeviationKind(TextChoices):
    DEVIATION = "deviation", _("Deviation report (偏差处理报告)")
    COMPLAINT = "complaint", _("Complaint (投诉)")


class DeviationCategory(TextChoices):
    QUALITY = "quality", _("Quality")
    QUANTITY = "quantity", _("Quantity")
    DELAY = "delay", _("Delivery delay")
    PACKING = "packing", _("Packing or transport damage")
    DOCUMENTS = "documents", _("Documents")
    SPECIFICATION = "specification", _("Specification or contract terms")
    SERVICE = "service", _("Service or installation")
    OTHER = "other", _("Other")


class DeviationSeverity(TextChoices):
    NORMAL = "normal", _("Normal")
    SERIOUS = "serious", _("Serious (to top management)")


class DeviationStatus(TextChoices):
    OPEN = "open", pgettext_lazy("deviation status", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_DEVIATION = (DeviationStatus.OPEN, DeviationStatus.IN_PROGRESS)


class CycleKey(TextChoices):
    """Standard execution cycles in working days (标准执行周期, REQUIREMENTS §6)."""

    SURVEY = "survey", _("Site survey after the order date")
    TRANSPORT_EXPRESS = "transport_express", _("Transport: express")
    TRANSPORT_TRUCKLOAD = "transport_truckload", _("Transport: full truckload")
    TRANSPORT_AIR = "transport_air", _("Transport: air")
    TRANSPORT_ROAD = "transport_road", _("Transport: road freight")
    TRANSPORT_PICKUP = "transport_pickup", _("Transport: customer pickup")
    INSTALLATION = "installation", _("Installation")
    ACCEPTANCE = "acceptance", _("Acceptance")


DEFAULT_CYCLES = {
    CycleKey.SURVEY: 7,
    CycleKey.TRANSPORT_EXPRESS: 3,
    CycleKey.TRANSPORT_TRUCKLOAD: 4,
    CycleKey.TRANSPORT_AIR: 2,
    CycleKey.TRANSPORT_ROAD: 5,
    CycleKey.TRANSPORT_PICKUP: 1,
    CycleKey.INSTALLATION: 5,
    CycleKey.ACCEPTANCE: 10,
}
