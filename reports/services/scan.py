"""The deadline scan (Celery beat, every 15 minutes; REQUIREMENTS §9).

Per active rule: one watcher query for what may be due, exact due times from the working-day
calendar, then set-based writes — insert the new alerts (at most once per rule, order, item and
due time, whatever runs concurrently), resolve the open alerts whose condition has cleared, and
hand the alerts to notify or escalate to a task queued through the outbox. Claims are made with
an UPDATE … WHERE notified_at IS NULL, so two scans never notify twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from core import outbox
from core.calendar import add_working_hours

from ..enums import OPEN_ALERTS, AlertStatus
from ..models import Alert, DeadlineRule
from ..watchers import WATCHERS, due_at


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
        due = {}
        for order_id, key, anchor in watcher(rule, now):
            when = due_at(rule, anchor)
            if when <= now:
                due[(order_id, str(key), when)] = anchor
        result.raised += _raise(rule, due)
        result.resolved += _resolve_cleared(rule, set(due), now)
    # Inactive rules raise nothing new; their open alerts are closed.
    result.resolved += Alert.objects.filter(rule__is_active=False, status__in=OPEN_ALERTS).update(
        status=AlertStatus.RESOLVED, resolved_at=now
    )
    result.notified = _claim(Alert.objects.filter(notified_at__isnull=True), "notified_at", now)
    result.escalated = _claim(_escalation_due(now), "escalated_at", now)
    if result.notified:
        outbox.enqueue("reports.alerts_notify", alert_ids=result.notified, escalation=False)
    if result.escalated:
        outbox.enqueue("reports.alerts_notify", alert_ids=result.escalated, escalation=True)
    return result


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
    open_alerts = Alert.objects.filter(rule=rule, status__in=OPEN_ALERTS).values_list(
        "pk", "order_id", "key", "due_at"
    )
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
    return Alert.objects.filter(pk__in=due)


def _claim(queryset, field_name: str, now: dt.datetime) -> list[int]:
    """Stamp the rows' empty `field_name` with this scan's time and return the ids stamped:
    a concurrent scan's UPDATE skips rows already stamped, so each alert is claimed once."""
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return []
    Alert.objects.filter(pk__in=ids, **{f"{field_name}__isnull": True}).update(**{field_name: now})
    return list(Alert.objects.filter(pk__in=ids, **{field_name: now}).values_list("pk", flat=True))
