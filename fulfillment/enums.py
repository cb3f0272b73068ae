from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class ReservationStatus(TextChoices):
    ACTIVE = "active", _("Reserved")
    RELEASED = "released", _("Released")
    CONSUMED = "consumed", _("Consumed")


class MovementKind(TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ADJUSTMENT = "adjustment", _("Adjustment")
    RESERVE = "reserve", _("Reservation")
    RELEASE = "release", _("Release")
