"""Stock per product and warehouse, reservations for approved orders (已锁定) and the ledger.

The database guards the invariant reserved <= on_hand (ISSUE 5 item 1): services also lock the
rows, but the constraint is what makes over-reservation impossible under any interleaving.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderLine, Product

from ..enums import MovementKind, ReservationStatus

QTY = {"max_digits": 14, "decimal_places": 3}


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_warehouse"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StockItem(models.Model):
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="stock_items"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="items"
    )
    on_hand = models.DecimalField(_("on hand"), default=0, **QTY)
    reserved = models.DecimalField(_("reserved"), default=0, **QTY)

    class Meta:
        ordering = ["product__code", "warehouse__code"]
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_item_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_nonneg"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_nonneg"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_le_on_hand"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.warehouse}"


class StockReservation(models.Model):
    # The order is kept besides the line: a change request may delete a reserved line, and its
    # reservation must still be found (line set to NULL) to be released.
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="+"
    )
    line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    stock_item = models.ForeignKey(
        StockItem,
        verbose_name=_("stock item"),
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReservationStatus.choices,
        default=ReservationStatus.ACTIVE,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_qty_positive")
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_id} {self.quantity}"


class StockMovement(models.Model):
    stock_item = models.ForeignKey(
        StockItem, verbose_name=_("stock item"), on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MovementKind.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity}"
