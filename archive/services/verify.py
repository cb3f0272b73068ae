"""Verifying the archive chain: every record's snapshot hash (unless purged), its link to the
previous record and its own hash. Reports the first broken link."""

from __future__ import annotations

from dataclasses import dataclass

from ..hashing import record_hash, snapshot_hash
from ..models import GENESIS, ArchiveRecord


@dataclass
class Verification:
    ok: bool
    checked: int
    broken_position: int | None = None
    order_number: str = ""
    reason: str = ""


def verify_chain(*, chunk_size: int = 2000) -> Verification:
    previous_hash = GENESIS
    checked = 0
    records = ArchiveRecord.objects.order_by("position").only(
        "position", "order_number", "snapshot", "snapshot_hash", "previous_hash",
        "record_hash", "archived_at", "purged_at",
    )  # fmt: skip
    for record in records.iterator(chunk_size=chunk_size):
        reason = ""
        if record.previous_hash != previous_hash:
            reason = "previous_hash does not match the record before"
        elif record.purged_at is None and snapshot_hash(record.snapshot) != record.snapshot_hash:
            reason = "snapshot changed"
        elif record.record_hash != record_hash(
            position=record.position,
            previous_hash=record.previous_hash,
            snapshot_digest=record.snapshot_hash,
            archived_at=record.archived_at,
        ):
            reason = "record hash does not match"
        if reason:
            return Verification(False, checked, record.position, record.order_number, reason)
        previous_hash = record.record_hash
        checked += 1
    return Verification(True, checked)
