from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from core.models import TimeStampedModel
from core.money import amount_in_words

from .. import permissions as perms
from ..enums import (
    CANCELLABLE_BY_REQUEST,
    EDITABLE_STATES,
    HOLDABLE_STATES,
    REVIEW_STATES,
    DeliveryMethod,
    InvoiceType,
    OrderSource,
    OrderStatus,
    OrderTransition,
    OrderType,
    Priority,
)
from .product import Product

S = OrderStatus
T = OrderTransition


def _allowed(name: str):
    """django-fsm permission hook: delegate to orders.permissions (one rule set everywhere)."""

    def check(instance, user) -> bool:
        return perms.may_transition(user, instance, name)

    check.__name__ = f"may_{name}"
    return check


# Conditions read order.lines.all() so that a prefetched list costs no query.
def _has_lines(order) -> bool:
    return len(order.lines.all()) > 0


def _nothing_open(order) -> bool:
    return all(line.is_closed for line in order.lines.all())


class Order(ConcurrentTransitionMixin, TimeStampedModel):
    """销售订单 (REQUIREMENTS §3). Status only changes through orders.services.transitions."""

    number = models.CharField(_("order number"), max_length=20, unique=True, editable=False)
    status = FSMField(
        _("status"), default=S.DRAFT, choices=S.choices, protected=True, db_index=True
    )
    status_before_hold = models.CharField(max_length=30, blank=True, editable=False)
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)

    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="orders",
        null=True,
        blank=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    order_type = models.CharField(
        _("order type"), max_length=20, choices=OrderType.choices, default=OrderType.REGULAR
    )
    order_date = models.DateField(_("order date"), db_index=True)
    required_date = models.DateField(_("required delivery date"), null=True, blank=True)
    promised_date = models.DateField(_("promised delivery date"), null=True, blank=True)
    ship_to = models.ForeignKey(
        "contracts.CustomerAddress",
        verbose_name=_("ship-to address"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ship_to_text = models.CharField(_("ship-to address"), max_length=300, blank=True)
    consignee = models.CharField(_("consignee"), max_length=60, blank=True)
    consignee_phone = models.CharField(_("consignee phone"), max_length=40, blank=True)
    delivery_method = models.CharField(
        _("delivery method"),
        max_length=20,
        choices=DeliveryMethod.choices,
        default=DeliveryMethod.ROAD,
    )
    settlement_method = models.CharField(_("payment method"), max_length=20, blank=True)
    payment_terms = models.CharField(_("payment terms"), max_length=300, blank=True)
    payment_due_date = models.DateField(_("payment due date"), null=True, blank=True)
    invoice_type = models.CharField(
        _("invoice type"),
        max_length=20,
        choices=InvoiceType.choices,
        default=InvoiceType.VAT_SPECIAL,
    )
    source = models.CharField(
        _("order source"),
        max_length=20,
        choices=OrderSource.choices,
        default=OrderSource.SALESPERSON,
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    special_requirements = models.TextField(
        _("special requirements (packing, transport)"), blank=True
    )
    remarks = models.TextField(_("remarks"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)

    # Totals, kept in step with the lines by orders.services (never typed in).
    lines_total = models.DecimalField(
        _("lines total (tax incl.)"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
    )
    tax_total = models.DecimalField(
        _("tax"), max_digits=16, decimal_places=2, default=Decimal("0.00"), editable=False
    )
    freight = models.DecimalField(
        _("freight"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    discount = models.DecimalField(
        _("discount"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    total = models.DecimalField(
        _("total"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
        db_index=True,
    )

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-order_date", "-id"]
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        indexes = [
            models.Index(fields=["owner", "status"], name="order_owner_status"),
            models.Index(fields=["customer", "order_date"], name="order_customer_date"),
            models.Index(fields=["status", "promised_date"], name="order_status_promised"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(freight__gte=0), name="order_freight_nonneg"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="order_discount_nonneg"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_nonneg"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total_in_words(self) -> str:
        try:
            return amount_in_words(self.total)
        except ValueError:  # totals are capped below 万亿 by the services; never fail a page
            return ""

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES

    # --- transitions: only set fields; services lock, check, save and audit -----------------
    @transition(
        field=status,
        source=[S.DRAFT, S.REJECTED],
        target=RETURN_VALUE(*REVIEW_STATES, S.APPROVED),
        conditions=[_has_lines],
        permission=_allowed(T.SUBMIT),
    )
    def submit(self, first_status: str):
        return first_status

    @transition(
        field=status,
        source=list(REVIEW_STATES),
        target=RETURN_VALUE(*REVIEW_STATES, S.APPROVED),
        permission=_allowed(T.APPROVE),
    )
    def approve(self, next_status: str):
        return next_status

    @transition(
        field=status, source=list(REVIEW_STATES), target=S.REJECTED, permission=_allowed(T.REJECT)
    )
    def reject(self):
        pass

    @transition(
        field=status,
        source=[S.DRAFT, S.REJECTED, *REVIEW_STATES],
        target=S.CANCELLED,
        permission=_allowed(T.CANCEL),
    )
    def cancel(self):
        pass

    @transition(
        field=status,
        source=list(CANCELLABLE_BY_REQUEST),
        target=S.CANCELLED,
        permission=_allowed(T.CANCEL_APPROVED),
    )
    def cancel_approved(self):
        pass

    @transition(
        field=status, source=list(HOLDABLE_STATES), target=S.ON_HOLD, permission=_allowed(T.HOLD)
    )
    def hold(self):
        self.status_before_hold = self.status

    @transition(
        field=status,
        source=S.ON_HOLD,
        target=RETURN_VALUE(*HOLDABLE_STATES),
        permission=_allowed(T.RESUME),
    )
    def resume(self):
        previous, self.status_before_hold = self.status_before_hold, ""
        return previous

    @transition(
        field=status,
        source=S.APPROVED,
        target=S.IN_PRODUCTION,
        permission=_allowed(T.START_PRODUCTION),
    )
    def start_production(self):
        pass

    @transition(
        field=status,
        source=S.IN_PRODUCTION,
        target=S.READY_TO_SHIP,
        permission=_allowed(T.FINISH_PRODUCTION),
    )
    def finish_production(self):
        pass

    @transition(
        field=status, source=S.APPROVED, target=S.READY_TO_SHIP, permission=_allowed(T.MARK_READY)
    )
    def mark_ready(self):
        pass

    @transition(
        field=status,
        source=[S.READY_TO_SHIP, S.PARTIALLY_SHIPPED],
        target=RETURN_VALUE(S.PARTIALLY_SHIPPED, S.SHIPPED),
        permission=_allowed(T.SHIP),
    )
    def ship(self, fully_shipped: bool):
        return S.SHIPPED if fully_shipped else S.PARTIALLY_SHIPPED

    @transition(
        field=status,
        source=S.SHIPPED,
        target=S.DELIVERED,
        conditions=[_nothing_open],
        permission=_allowed(T.CONFIRM_DELIVERY),
    )
    def confirm_delivery(self):
        pass

    @transition(field=status, source=S.DELIVERED, target=S.SETTLED, permission=_allowed(T.SETTLE))
    def settle(self):
        pass

    @transition(field=status, source=S.SETTLED, target=S.ARCHIVED, permission=_allowed(T.ARCHIVE))
    def archive(self):
        pass


class OrderLine(models.Model):
    """行项目. Prices are entered tax-inclusive; tax-exclusive price, amount and tax are derived."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sequence = models.PositiveSmallIntegerField(_("no."))
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines"
    )
    spec = models.CharField(_("specification"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=10)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price (tax incl.)"), max_digits=14, decimal_places=4)
    unit_price_excl = models.DecimalField(
        _("unit price (tax excl.)"), max_digits=14, decimal_places=4, editable=False
    )
    tax_rate = models.DecimalField(_("tax rate"), max_digits=4, decimal_places=2)
    amount = models.DecimalField(
        _("amount (tax incl.)"), max_digits=16, decimal_places=2, editable=False
    )
    amount_excl = models.DecimalField(
        _("amount (tax excl.)"), max_digits=16, decimal_places=2, editable=False
    )
    tax_amount = models.DecimalField(_("tax"), max_digits=16, decimal_places=2, editable=False)
    shipped_quantity = models.DecimalField(
        _("shipped quantity"),
        max_digits=14,
        decimal_places=3,
        default=Decimal("0"),
        editable=False,
    )
    last_ship_date = models.DateField(_("actual ship date"), null=True, blank=True, editable=False)
    is_closed = models.BooleanField(_("closed"), default=False, editable=False)
    close_reason = models.CharField(_("close reason"), max_length=200, blank=True, editable=False)
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)

    class Meta:
        ordering = ["order", "sequence"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "sequence"], name="uniq_line_sequence"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_nonneg"),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0) & Q(shipped_quantity__lte=F("quantity")),
                name="line_shipped_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.sequence} {self.product_id}"

    @property
    def open_quantity(self) -> Decimal:
        if self.is_closed:
            return Decimal("0")
        return self.quantity - self.shipped_quantity


def order_upload_to(instance, filename: str) -> str:
    return f"orders/{instance.order_id}/{filename}"


class OrderAttachment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=order_upload_to)
    name = models.CharField(_("file name"), max_length=200)
    description = models.CharField(_("description"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order attachment")
        verbose_name_plural = _("order attachments")

    def __str__(self) -> str:
        return self.name
