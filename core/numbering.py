"""Document numbers: prefix + YYYYMMDD + daily serial (DESIGN §3), e.g. SO20261122001."""

import datetime

from django.db import transaction

from .models import DailySequence


def next_number(prefix: str, day: datetime.date, width: int = 3) -> str:
    """Take the next serial of `prefix` for `day`.

    Must run inside the transaction that stores the document: the counter row stays locked
    until that transaction ends, so concurrent callers queue and no number is reused.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must be called inside transaction.atomic()")
    DailySequence.objects.bulk_create(
        [DailySequence(key=prefix, day=day, last_value=0)], ignore_conflicts=True
    )
    counter = DailySequence.objects.select_for_update().get(key=prefix, day=day)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return f"{prefix}{day:%Y%m%d}{counter.last_value:0{width}d}"
