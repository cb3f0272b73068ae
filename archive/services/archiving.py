"""Archiving (归档, REQUIREMENTS §8): a settled order with no open deviation or complaint is
frozen into the next ArchiveRecord of the hash chain and moves to `archived`, in one
transaction. Chain writers are serialised by a counter row (core.numbering), so positions
never repeat and each record names the hash of the one before it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidTransition, ValidationFailed
from core.numbering import next_number
from fulfillment.enums import OPEN_DEVIATION
from fulfillment.models import Deviation
from orders.enums import OrderStatus, OrderTransition
from orders.models import Order
from orders.services.transitions import order_transition

from ..hashing import record_hash, snapshot_hash
from ..models import GENESIS, ArchiveRecord
from ..snapshot import order_snapshot

CHAIN_KEY = "ARCHIVE-CHAIN"
CHAIN_DAY = dt.date(2000, 1, 1)  # one counter row for the whole chain


def _next_position() -> int:
    """The chain's next position; the counter row stays locked until the transaction ends."""
    number = next_number(CHAIN_KEY, CHAIN_DAY, width=9)
    return int(number[len(CHAIN_KEY) + 8 :])


def retention_until(archived_on: dt.date) -> dt.date:
    years = settings.ARCHIVE_RETENTION_YEARS
    try:
        return archived_on.replace(year=archived_on.year + years)
    except ValueError:  # 29 February
        return archived_on.replace(year=archived_on.year + years, day=28)


def archive_order(*, order: Order, actor, system: bool = False) -> ArchiveRecord:
    """Archive one settled order by hand (finance, admin) or from the daily sweep (system)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        if locked.status != OrderStatus.SETTLED:
            raise InvalidTransition(
                _("Only settled orders are archived; this one is “%(status)s”.")
                % {"status": locked.get_status_display()},
                extra={"status": locked.status},
            )
        if Deviation.objects.filter(order=locked, status__in=OPEN_DEVIATION).exists():
            raise ValidationFailed(
                _("An open deviation report or complaint must be closed first."),
                fields={"order": [_("The order has an open deviation or complaint.")]},
            )
        archived = order_transition(
            order=locked,
            actor=None if system else actor,
            name=OrderTransition.ARCHIVE,
            comment=_("Archived by the daily sweep.") if system else "",
            system=system,
        )
        position = _next_position()
        previous = ArchiveRecord.objects.filter(position__lt=position).order_by("-position").first()
        previous_hash = previous.record_hash if previous else GENESIS
        snapshot = order_snapshot(archived)
        digest = snapshot_hash(snapshot)
        now = timezone.now()
        return ArchiveRecord.objects.create(
            position=position,
            order=archived,
            order_number=archived.number,
            category=archived.order_type,
            customer_name=archived.customer.name,
            order_date=archived.order_date,
            total=archived.total,
            products=" ".join(
                f"{line['product__code']} {line['product__name']}" for line in snapshot["lines"]
            ),
            snapshot=snapshot,
            snapshot_hash=digest,
            previous_hash=previous_hash,
            record_hash=record_hash(
                position=position,
                previous_hash=previous_hash,
                snapshot_digest=digest,
                archived_at=now,
            ),
            archived_at=now,
            archived_by=None if system else actor,
            retention_until=retention_until(timezone.localdate(now)),
        )


def archive_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Daily: archive settled orders settled at least ARCHIVE_AFTER_DAYS ago and free of open
    deviations; returns the record ids. One failure does not stop the others."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.ARCHIVE_AFTER_DAYS)
    candidates = (
        Order.objects.filter(status=OrderStatus.SETTLED, closed_at__lte=cutoff)
        .exclude(deviations__status__in=OPEN_DEVIATION)
        .order_by("closed_at", "pk")
        .values_list("pk", flat=True)
    )
    done = []
    for pk in candidates:
        try:
            done.append(archive_order(order=Order.objects.get(pk=pk), actor=None, system=True).pk)
        except (InvalidTransition, ValidationFailed):
            continue  # changed meanwhile; the next sweep looks again
    return done
