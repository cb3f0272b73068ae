"""Archive records (归档, REQUIREMENTS §8): a frozen snapshot of a settled order with everything
that belongs to it, chained by hashes so that any later edit is detected.

    snapshot_hash = sha256(canonical JSON of the snapshot)
    record_hash   = sha256(position | previous record_hash | snapshot_hash | archived_at)

The first record's previous hash is 64 zeros. A purge after the retention period may blank
personal data in the snapshot; the record keeps its hashes, so the chain still verifies.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order

GENESIS = "0" * 64


class ArchiveRecord(models.Model):
    position = models.PositiveIntegerField(_("position in the chain"), unique=True)
    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="archive_record"
    )
    order_number = models.CharField(_("order number"), max_length=20, db_index=True)
    category = models.CharField(_("category"), max_length=20, db_index=True)
    customer_name = models.CharField(_("customer"), max_length=200, db_index=True)
    order_date = models.DateField(_("order date"), db_index=True)
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2, db_index=True)
    # Product codes and names of the lines, for the search (the snapshot itself is JSON).
    products = models.TextField(_("products"), blank=True)
    snapshot = models.JSONField(_("snapshot"))
    snapshot_hash = models.CharField(_("snapshot hash"), max_length=64)
    previous_hash = models.CharField(_("previous record's hash"), max_length=64)
    record_hash = models.CharField(_("record hash"), max_length=64, unique=True)
    archived_at = models.DateTimeField(_("archived at"))
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    retention_until = models.DateField(_("retain until"), db_index=True)
    purged_at = models.DateTimeField(_("purged at"), null=True, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("archive record")
        verbose_name_plural = _("archive records")

    def __str__(self) -> str:
        return f"{self.position}: {self.order_number}"
