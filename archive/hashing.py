"""Canonical JSON and the hashes of the archive chain (see archive.models)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not serialisable: {type(value).__name__}")


def canonical(data) -> str:
    """The one byte-exact JSON form of `data`: sorted keys, no spaces, Decimals as strings."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def snapshot_hash(snapshot: dict) -> str:
    return hashlib.sha256(canonical(snapshot).encode()).hexdigest()


def record_hash(*, position: int, previous_hash: str, snapshot_digest: str, archived_at) -> str:
    text = f"{position}|{previous_hash}|{snapshot_digest}|{archived_at.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()
