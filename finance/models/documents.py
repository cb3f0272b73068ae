"""Invoices (发票) and red-letter credit notes (红字发票), REQUIREMENTS §7.

Amounts are signed: a credit note carries negative quantities and amounts, so sums over an
order's invoices give what is invoiced net. `allocated` is kept in step by the services (under a
row lock) so open amounts are read without summing allocations.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.money import amount_in_words
from orders.enums import InvoiceType
from orders.models import Order, OrderLine

from ..enums import InvoiceKind

MONEY = {"max_digits": 16, "decimal_places": 2}


class Invoice(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.NORMAL
    )
    invoice_type = models.CharField(_("invoice type"), max_length=20, choices=InvoiceType.choices)
    fapiao_number = models.CharField(_("fapiao number"), max_length=20)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="invoices"
    )
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    original = models.ForeignKey(
        "self",
        verbose_name=_("reverses invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
    )
    issue_date = models.DateField(_("issue date"), db_index=True)
    due_date = models.DateField(_("due date"), db_index=True)
    amount_excl = models.DecimalField(_("amount (tax excl.)"), **MONEY)
    tax_amount = models.DecimalField(_("tax"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    # Freight less discount of the order (tax incl.), carried by the order's first invoice.
    adjustment = models.DecimalField(_("freight less discount"), default=Decimal("0.00"), **MONEY)
    # Sum of the credit notes reversing this invoice (≤ 0) and of the payments allocated to it.
    credited = models.DecimalField(_("credited"), default=Decimal("0.00"), **MONEY)
    allocated = models.DecimalField(_("paid"), default=Decimal("0.00"), **MONEY)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["customer", "due_date"], name="invoice_customer_due"),
            models.Index(fields=["order", "kind"], name="invoice_order_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice_type", "fapiao_number"], name="fapiao_number_unique"
            ),
            # Payments go to invoices, never beyond what the credit notes left of the total; a
            # credit note is never paid, it reduces what its original invoice asks for.
            models.CheckConstraint(
                condition=Q(
                    kind=InvoiceKind.NORMAL,
                    allocated__gte=0,
                    credited__lte=0,
                    allocated__lte=F("total") + F("credited"),
                )
                | Q(kind=InvoiceKind.CREDIT_NOTE, allocated=0, credited=0),
                name="invoice_allocated_within_total",
            ),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.NORMAL, total__gt=0)
                | Q(kind=InvoiceKind.CREDIT_NOTE, total__lt=0),
                name="invoice_total_sign",
            ),
        ]

    def __str__(self) -> str:
        return self.fapiao_number or self.number

    @property
    def net_total(self) -> Decimal:
        """What the invoice asks for after its credit notes."""
        return self.total + self.credited

    @property
    def open_amount(self) -> Decimal:
        if self.kind != InvoiceKind.NORMAL:
            return Decimal("0.00")
        return self.net_total - self.allocated

    @property
    def total_in_words(self) -> str:
        try:
            return amount_in_words(abs(self.total))
        except ValueError:
            return ""


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price (tax incl.)"), max_digits=14, decimal_places=4)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=4, decimal_places=2)
    amount_excl = models.DecimalField(_("amount (tax excl.)"), **MONEY)
    tax_amount = models.DecimalField(_("tax"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)

    class Meta:
        ordering = ["invoice", "order_line__sequence", "id"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        indexes = [models.Index(fields=["order_line"], name="invoice_line_order_line")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.order_line_id} × {self.quantity}"
