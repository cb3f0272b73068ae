"""Shipments (发货, numbered SH+date+serial) with their lines and the signed delivery receipt
(签收单), REQUIREMENTS §6."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.enums import DeliveryMethod
from orders.models import Order, OrderEvent, OrderLine

from ..enums import ShipmentStatus
from .stock import QTY


class Shipment(models.Model):
    number = models.CharField(_("shipment number"), max_length=20, unique=True, editable=False)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="shipments"
    )
    event = models.OneToOneField(
        OrderEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ShipmentStatus.choices,
        default=ShipmentStatus.SHIPPED,
        db_index=True,
    )
    shipped_on = models.DateField(_("ship date"), db_index=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    transport_mode = models.CharField(
        _("transport mode"), max_length=20, choices=DeliveryMethod.choices, blank=True
    )
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    customer_consent = models.CharField(
        _("customer consent to a partial shipment"),
        max_length=300,
        blank=True,
        help_text=_("Who agreed to the partial shipment (缺件发货), and when."),
    )
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("follow-up owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    remarks = models.TextField(_("remarks"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shipped by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-shipped_on", "-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return self.number


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), **QTY)

    class Meta:
        ordering = ["order_line__sequence", "id"]
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_qty_positive")
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.order_line_id} × {self.quantity}"


def receipt_upload_to(instance, filename: str) -> str:
    return f"receipts/{instance.shipment.order_id}/{instance.shipment.number}/{filename}"


class DeliveryReceipt(models.Model):
    """The customer's signed receipt: proof of delivery, with remarks on what arrived."""

    shipment = models.OneToOneField(
        Shipment, verbose_name=_("shipment"), on_delete=models.PROTECT, related_name="receipt"
    )
    file = models.FileField(_("signed receipt"), upload_to=receipt_upload_to, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64)
    signer = models.CharField(_("signed by"), max_length=60)
    signed_on = models.DateField(_("signed on"))
    quantity_ok = models.BooleanField(_("quantity as shipped"), default=True)
    appearance_ok = models.BooleanField(_("appearance intact"), default=True)
    packing_ok = models.BooleanField(_("packing intact"), default=True)
    remarks = models.TextField(_("remarks on quantity, appearance, packing"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery receipt")
        verbose_name_plural = _("delivery receipts")

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.signer} {self.signed_on}"

    @property
    def all_ok(self) -> bool:
        return self.quantity_ok and self.appearance_ok and self.packing_ok
