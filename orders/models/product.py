from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from ..enums import SupplyMode, VatRate


class ProductCategory(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    """产品/物料 (REQUIREMENTS §2)."""

    code = models.CharField(_("material code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    spec = models.CharField(_("specification / model"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=10, default="件")
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    list_price = models.DecimalField(
        _("list price (tax incl.)"),
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0"))],
    )
    floor_price = models.DecimalField(
        _("floor price (系统限价)"),
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0"))],
    )
    vat_rate = models.DecimalField(
        _("VAT rate"),
        max_digits=4,
        decimal_places=2,
        choices=[(Decimal(v), label) for v, label in VatRate.choices],
        default=Decimal("0.13"),
    )
    supply_mode = models.CharField(
        _("supply"), max_length=3, choices=SupplyMode.choices, default=SupplyMode.MAKE_TO_STOCK
    )
    production_cycle_days = models.PositiveSmallIntegerField(
        _("standard production cycle (working days)"), default=0
    )
    procurement_cycle_days = models.PositiveSmallIntegerField(
        _("standard replenishment cycle (working days)"), default=0
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=Q(floor_price__lte=F("list_price")), name="product_floor_le_list"
            ),
            models.CheckConstraint(condition=Q(floor_price__gte=0), name="product_floor_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if (
            self.floor_price is not None
            and self.list_price is not None
            and self.floor_price > self.list_price
        ):
            raise ValidationError({"floor_price": _("The floor price is above the list price.")})
