"""The purge after the retention period (REQUIREMENTS §8): once a record's retention_until has
passed, its personal data is removed and the order's stored files are deleted; the record, its
hashes and the chain stay, so verify_chain still passes (it skips the snapshot check of purged
records). Nothing is ever deleted before retention_until — the database refuses it too.

What counts as personal data (natural persons' names, phones, addresses and free-text remarks
that may name them) is listed in PERSONAL_FIELDS, section by section of the snapshot. Kept on
purpose: the customer's name (a company, and a searchable column), amounts, numbers, dates,
products, and our own staff's user names in the processing log (who did what stays
accountable). Event payloads are scrubbed of the same field names wherever they appear.

The archived order's rows (attachments, receipts) cannot change — the database guards refuse
it — so only the files in storage are deleted; the report names each one."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from fulfillment.models import DeliveryReceipt
from orders.models import OrderAttachment

from ..models import ArchiveRecord

logger = logging.getLogger(__name__)

# Snapshot section → the keys blanked in each of its rows (the "order" section is one dict).
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "order": ("consignee", "consignee_phone", "ship_to_text", "special_requirements", "remarks"),
    "lines": ("remarks",),
    "events": ("comment",),
    "attachments": ("description",),
    "shipments": ("customer_consent", "remarks"),
    "receipts": ("signer", "remarks"),
    "payments": ("receipt__payer",),
    "deviations": ("description", "cause", "resolution"),
}
# Keys scrubbed anywhere inside an event's payload (edits record old and new values).
PAYLOAD_KEYS = frozenset(
    key for keys in PERSONAL_FIELDS.values() for key in keys if key != "description"
) | {"payer", "signer", "contact", "phone", "address"}


@dataclass
class PurgedFile:
    path: str
    size: int  # bytes freed; 0 when the file was already gone
    deleted: bool  # False: missing from storage, or deleting it failed (see error)
    error: str = ""


@dataclass
class PurgedRecord:
    record_id: int
    position: int
    order_number: str
    retention_until: dt.date
    files: list[PurgedFile] = field(default_factory=list)
    refused: str = ""  # the database refused the update (e.g. its date is a day behind)


@dataclass
class PurgeReport:
    today: dt.date
    dry_run: bool
    records: list[PurgedRecord] = field(default_factory=list)

    @property
    def purged(self) -> list[PurgedRecord]:
        return [record for record in self.records if not record.refused]

    @property
    def refused(self) -> list[PurgedRecord]:
        return [record for record in self.records if record.refused]

    @property
    def files_deleted(self) -> int:
        return sum(1 for record in self.purged for file in record.files if file.deleted)

    @property
    def bytes_freed(self) -> int:
        return sum(file.size for record in self.purged for file in record.files if file.deleted)


def _blank(value):
    if isinstance(value, str):
        return ""
    if isinstance(value, (dict, list)):
        return type(value)()
    return None


def _scrub_payload(value):
    if isinstance(value, dict):
        return {
            key: _blank(item) if key in PAYLOAD_KEYS else _scrub_payload(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub_payload(item) for item in value]
    return value


def purged_snapshot(snapshot: dict) -> dict:
    """The snapshot with its personal data blanked; everything else unchanged."""
    result = dict(snapshot)
    for section, keys in PERSONAL_FIELDS.items():
        content = result.get(section)
        rows = [content] if isinstance(content, dict) else content
        if not rows:
            continue
        cleaned = []
        for row in rows:
            row = {key: _blank(value) if key in keys else value for key, value in row.items()}
            if section == "events" and "payload" in row:
                row["payload"] = _scrub_payload(row["payload"])
            cleaned.append(row)
        result[section] = cleaned[0] if isinstance(content, dict) else cleaned
    return result


def _stored_files(order_id: int) -> list[str]:
    attachments = OrderAttachment.objects.filter(order_id=order_id).values_list("file", flat=True)
    receipts = DeliveryReceipt.objects.filter(shipment__order_id=order_id).values_list(
        "file", flat=True
    )
    return [name for name in [*attachments, *receipts] if name]


def _file_size(name: str) -> int | None:
    try:
        return default_storage.size(name) if default_storage.exists(name) else None
    except OSError:
        return None


def _delete_file(name: str) -> PurgedFile:
    size = _file_size(name)
    if size is None:
        return PurgedFile(path=name, size=0, deleted=False, error="missing")
    try:
        default_storage.delete(name)
    except OSError as exc:
        logger.warning("archive purge: could not delete %s: %s", name, exc)
        return PurgedFile(path=name, size=0, deleted=False, error=str(exc))
    return PurgedFile(path=name, size=size, deleted=True)


def archive_purge(*, today: dt.date | None = None, dry_run: bool = False) -> PurgeReport:
    """Purge every record whose retention_until is before `today` (default: the local date)
    and that is not purged yet. A dry run changes nothing and reports what would go. A record
    the database refuses (its own date may still be a day behind) is reported and left for the
    next run; its files stay."""
    today = today or timezone.localdate()
    report = PurgeReport(today=today, dry_run=dry_run)
    due = (
        ArchiveRecord.objects.filter(retention_until__lt=today, purged_at__isnull=True)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    for pk in list(due):
        with transaction.atomic():
            record = (
                ArchiveRecord.objects.select_for_update()
                .filter(pk=pk, purged_at__isnull=True)
                .only("pk", "position", "order_id", "order_number", "retention_until", "snapshot")
                .first()
            )
            if record is None:  # purged meanwhile
                continue
            entry = PurgedRecord(
                record_id=record.pk,
                position=record.position,
                order_number=record.order_number,
                retention_until=record.retention_until,
            )
            files = _stored_files(record.order_id)
            if dry_run:
                entry.files = [
                    PurgedFile(path=name, size=_file_size(name) or 0, deleted=False)
                    for name in files
                ]
                report.records.append(entry)
                continue
            try:
                with transaction.atomic():
                    ArchiveRecord.objects.filter(pk=record.pk).update(
                        snapshot=purged_snapshot(record.snapshot), purged_at=timezone.now()
                    )
            except IntegrityError as exc:
                entry.refused = str(exc).splitlines()[0]
                report.records.append(entry)
                continue
        # The record is purged (committed when no outer transaction is open); now the files.
        entry.files = [_delete_file(name) for name in files]
        report.records.append(entry)
    return report
