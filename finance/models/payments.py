"""Receipts (收款) and their allocations to orders or invoices (REQUIREMENTS §7).

What is not allocated stays on the customer as an unallocated balance. `allocated` on the
receipt is kept in step by the services; the database refuses allocating more than received.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order

from ..enums import ReceiptMethod
from .documents import MONEY, Invoice


class Receipt(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    received_on = models.DateField(_("received on"), db_index=True)
    method = models.CharField(
        _("method"),
        max_length=20,
        choices=ReceiptMethod.choices,
        default=ReceiptMethod.BANK_TRANSFER,
    )
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    payer = models.CharField(_("payer"), max_length=200)
    remarks = models.TextField(_("remarks"), blank=True)
    allocated = models.DecimalField(_("allocated"), default=Decimal("0.00"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        indexes = [models.Index(fields=["customer", "received_on"], name="receipt_customer_day")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=F("amount")),
                name="receipt_allocated_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated


class Allocation(models.Model):
    receipt = models.ForeignKey(
        Receipt, verbose_name=_("receipt"), on_delete=models.PROTECT, related_name="allocations"
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="allocations"
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("allocated at"), auto_now_add=True)
    # Reversed allocations stay as a record (nothing is lost) and no longer count.
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reverse_reason = models.CharField(_("reason for reversal"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive")
        ]
        indexes = [models.Index(fields=["order", "reversed_at"], name="allocation_order_live")]

    def __str__(self) -> str:
        return f"{self.receipt_id} → {self.order_id}: {self.amount}"
