"""The deadline scan (Celery beat, every 15 minutes; REQUIREMENTS §9).

Per active rule: one watcher query for what may be due, exact due times from the working-day
calendar, then set-based writes — insert the new alerts (at most once per rule, order, item and
due time, whatever runs concurrently), resolve the open alerts whose condition has cleared, and
hand the alerts to notify or escalate to a task queued through the outbox. Claims lock the rows
(SELECT … FOR UPDATE SKIP LOCKED, re-checking notified_at IS NULL) and queue the task in the same
transaction, so two scans never notify twice, whatever their clocks.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core import outbox
from core.calendar import add_working_hours

from ..enums import OPEN_ALERTS, AlertStatus
from ..models import Alert, DeadlineRule
from ..watchers import WATCHERS, due_at

logger = logging.getLogger(__name__)


@dataclass
class ScanResult:
    raised: int = 0
    resolved: int = 0
    notified: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def deadline_scan(*, now: dt.datetime | None = None) -> ScanResult:
    now = now or timezone.now()
    result = ScanResult()
    for rule in DeadlineRule.objects.filter(is_active=True):
        watcher = WATCHERS.get(rule.code)
        if watcher is None:
            continue
        try:
            due = _due_items(rule, watcher, now)
        except ValueError:  # a rule the admin form would refuse (e.g. negative working hours)
            logger.exception("deadline rule %s cannot be computed; skipped", rule.code)
            continue
        result.raised += _raise(rule, due)
        result.resolved += _resolve_cleared(rule, set(due), now)
    # Inactive rules raise nothing new; their open alerts are closed.
    result.resolved += Alert.objects.filter(rule__is_active=False, status__in=OPEN_ALERTS).update(
        status=AlertStatus.RESOLVED, resolved_at=now
    )
    result.notified = _claim_and_notify(
        Alert.objects.filter(status__in=OPEN_ALERTS), "notified_at", now, escalation=False
    )
    result.escalated = _claim_and_notify(_escalation_due(now), "escalated_at", now, escalation=True)
    return result


def _due_items(rule: DeadlineRule, watcher, now: dt.datetime) -> dict:
    """{(order id, key, due time): anchor} for the watched items due by `now`."""
    due = {}
    for order_id, key, anchor in watcher(rule, now):
        when = due_at(rule, anchor)
        if when <= now:
            due[(order_id, str(key), when)] = anchor
    return due


def _raise(rule: DeadlineRule, due: dict) -> int:
    if not due:
        return 0
    existing = set(
        Alert.objects.filter(
            rule=rule, order_id__in={order_id for order_id, _key, _when in due}
        ).values_list("order_id", "key", "due_at")
    )
    new = [
        Alert(
            rule=rule,
            order_id=order_id,
            key=key,
            due_at=when,
            details={"anchor": anchor.isoformat()},
        )
        for (order_id, key, when), anchor in due.items()
        if (order_id, key, when) not in existing
    ]
    # ignore_conflicts: a concurrent scan may have inserted the same alert meanwhile.
    Alert.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return len(new)


def _resolve_cleared(rule: DeadlineRule, still_due: set, now: dt.datetime) -> int:
    """Resolve the rule's open alerts that were due by `now` and are no longer. An alert due
    later than `now` was raised by a concurrent scan with a later clock: this scan cannot
    judge it (resolving it would lose it for good, as an alert is raised once)."""
    open_alerts = Alert.objects.filter(
        rule=rule, status__in=OPEN_ALERTS, due_at__lte=now
    ).values_list("pk", "order_id", "key", "due_at")
    cleared = [
        pk for pk, order_id, key, when in open_alerts if (order_id, key, when) not in still_due
    ]
    if not cleared:
        return 0
    return Alert.objects.filter(pk__in=cleared, status__in=OPEN_ALERTS).update(
        status=AlertStatus.RESOLVED, resolved_at=now
    )


def _escalation_due(now: dt.datetime):
    """Open (not acknowledged) alerts past their rule's escalation time, not yet escalated.
    Escalation counts working hours after the due time; at least as many real hours must have
    passed, which narrows the query before the exact check."""
    due = []
    for rule in DeadlineRule.objects.filter(is_active=True).exclude(escalate_roles=[]):
        candidates = Alert.objects.filter(
            rule=rule,
            status=AlertStatus.OPEN,
            escalated_at__isnull=True,
            notified_at__isnull=False,
            due_at__lte=now - dt.timedelta(hours=rule.escalate_after),
        ).values_list("pk", "due_at")
        due += [
            pk for pk, when in candidates if add_working_hours(when, rule.escalate_after) <= now
        ]
    # Re-checked under the row lock: acknowledged meanwhile means no escalation.
    return Alert.objects.filter(pk__in=due, status=AlertStatus.OPEN)


def _claim_and_notify(queryset, field_name: str, now: dt.datetime, *, escalation: bool) -> list:
    """Stamp the rows' empty `field_name` with this scan's time and queue their notification,
    in one transaction; returns the ids stamped.

    The rows are locked with SKIP LOCKED and re-checked (empty `field_name`) under the lock, so
    of two scans running at once each row is claimed by exactly one — even with the same clock
    — and a claim never commits without its outbox message (nor the message without it)."""
    with transaction.atomic():
        ids = list(
            queryset.filter(**{f"{field_name}__isnull": True})
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return []
        Alert.objects.filter(pk__in=ids).update(**{field_name: now})
        outbox.enqueue("reports.alerts_notify", alert_ids=ids, escalation=escalation)
    return ids
