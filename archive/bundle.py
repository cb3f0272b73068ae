"""The download bundle of an archive record (REQUIREMENTS §8): one zip with

    snapshot.json       the stored snapshot, pretty-printed UTF-8
    confirmation.html   the order confirmation letter (订单确认函), rendered from the snapshot
    attachments/        the order's attachment files, as far as storage still holds them
    receipts/           the signed delivery receipts (签收单), likewise
    MANIFEST.txt        every file the snapshot names with its SHA-256 and whether it is
                        included, plus the record's chain position and hashes to verify

Files are read from storage by the rows the snapshot names; a missing file (e.g. after the
purge) is listed, not fatal. The letter never reads the live order.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.text import get_valid_filename

from fulfillment.models import DeliveryReceipt
from orders.models import OrderAttachment

from .display import snapshot_view
from .models import ArchiveRecord


def bundle_filename(record: ArchiveRecord) -> str:
    return f"archive-{record.order_number}.zip"


def _safe(name: str, fallback: str) -> str:
    name = PurePath(name or "").name
    try:
        return get_valid_filename(name) or fallback
    except Exception:  # noqa: BLE001 - Django raises SuspiciousFileOperation for "." / ".."
        return fallback


def _read(field) -> bytes | None:
    if not field or not field.name:
        return None
    try:
        with field.storage.open(field.name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def confirmation_html(record: ArchiveRecord) -> str:
    view = snapshot_view(record.snapshot)
    return render_to_string(
        "archive/confirmation.html",
        {
            **view,
            "record": record,
            "company_name": settings.COMPANY_NAME,
            "purged": record.purged_at is not None,
        },
    )


def _files(record: ArchiveRecord) -> list[dict]:
    """Every file the snapshot names: where it goes in the zip, its frozen SHA-256 and bytes."""
    snapshot = record.snapshot or {}
    attachments = {
        a.pk: a for a in OrderAttachment.objects.filter(order_id=record.order_id).only("id", "file")
    }
    receipts = {
        r.shipment_id: r
        for r in DeliveryReceipt.objects.filter(shipment__order_id=record.order_id).only(
            "id", "shipment_id", "file"
        )
    }
    numbers = {
        s.get("id"): s.get("number") or str(s.get("id")) for s in snapshot.get("shipments") or []
    }
    files = []
    for item in snapshot.get("attachments") or []:
        row = attachments.get(item.get("id"))
        name = _safe(item.get("name"), f"attachment-{item.get('id')}")
        files.append(
            {
                "path": f"attachments/{item.get('id')}-{name}",
                "sha256": item.get("sha256") or "",
                "content": _read(row.file) if row else None,
            }
        )
    for item in snapshot.get("receipts") or []:
        row = receipts.get(item.get("shipment_id"))
        number = numbers.get(item.get("shipment_id"), str(item.get("shipment_id")))
        name = _safe(item.get("name"), "receipt")
        files.append(
            {
                "path": f"receipts/{number}-{name}",
                "sha256": item.get("sha256") or "",
                "content": _read(row.file) if row else None,
            }
        )
    return files


def _manifest(record: ArchiveRecord, files: list[dict]) -> str:
    lines = [
        f"Archive record {record.position}: order {record.order_number}",
        f"Archived at: {record.archived_at.isoformat()}",
        f"Retain until: {record.retention_until.isoformat()}",
        f"Purged at: {record.purged_at.isoformat() if record.purged_at else '-'}",
        "",
        "Verification:",
        f"position={record.position} snapshot_hash={record.snapshot_hash} "
        f"previous_hash={record.previous_hash} record_hash={record.record_hash}",
        "",
        "Files (sha256 as frozen in the snapshot; status):",
    ]
    for item in files:
        lines.append(f"{item['sha256'] or '-'}  {item['path']}  {item['status']}")
    if not files:
        lines.append("(none)")
    return "\n".join(lines) + "\n"


def bundle_build(record: ArchiveRecord) -> bytes:
    """The record's zip as bytes (see the module docstring)."""
    files = _files(record)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "snapshot.json",
            json.dumps(record.snapshot, indent=2, ensure_ascii=False, sort_keys=True).encode(),
        )
        archive.writestr("confirmation.html", confirmation_html(record).encode())
        used: set[str] = set()
        for item in files:
            path = item["path"]
            while path in used:  # two files of one name: keep both
                path = f"{PurePath(path).parent}/_{PurePath(path).name}"
            item["path"] = path
            content = item["content"]
            if content is None:
                item["status"] = "missing"
                continue
            used.add(path)
            archive.writestr(path, content)
            actual = hashlib.sha256(content).hexdigest()
            item["status"] = (
                "included" if actual == item["sha256"] else f"included, sha256 differs: {actual}"
            )
        archive.writestr("MANIFEST.txt", _manifest(record, files).encode())
    return buffer.getvalue()
