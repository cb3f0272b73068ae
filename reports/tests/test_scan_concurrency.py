"""Deadline scans racing on real PostgreSQL connections (ISSUE 7 item 2): however many workers
scan at once — with the same clock, the hardest case — each alert is raised once, claimed for
its notification once, escalated once, and each person is told once."""

import importlib
from collections import Counter

import pytest

from core.models import Notification, OutboxMessage
from orders import services
from orders.tests.helpers import draft_order
from reports.enums import RuleCode
from reports.models import Alert, DeadlineRule
from reports.services.scan import deadline_scan
from tests.test_concurrency import run_in_threads

from .alert_helpers import at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DEFAULTS = importlib.import_module("reports.migrations.0002_default_rules_and_schedules")


@pytest.fixture(autouse=True)
def default_rules():
    """A transactional test empties the tables after it, migration data included."""
    for code, offset, unit, alerted, escalated, after, description in DEFAULTS.RULES:
        DeadlineRule.objects.get_or_create(
            code=code,
            defaults={
                "offset": offset,
                "offset_unit": unit,
                "alert_roles": alerted,
                "escalate_roles": escalated,
                "escalate_after": after,
                "description": description,
            },
        )


def claimed(task_ids: list[int], escalation: bool) -> Counter:
    """How often each alert was handed to a notification task (outbox messages)."""
    counts: Counter = Counter()
    for kwargs in OutboxMessage.objects.filter(task_name="reports.alerts_notify").values_list(
        "kwargs", flat=True
    ):
        if kwargs["escalation"] == escalation:
            counts.update(kwargs["alert_ids"])
    return counts


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_scans_raise_claim_and_notify_each_alert_once(
    workers, rep, sales_head, gm, time_machine
):
    # Thursday 11-05 10:00: eight orders enter sales review; due Friday 10:00, escalated to the
    # GM 9 working hours later, Monday 10:00 (November 2026 has no holiday).
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    orders = [services.order_submit(order=draft_order(rep), actor=rep) for _ in range(8)]
    ids = {order.pk for order in orders}

    due = at(2026, 11, 6, 10, 0)
    results = run_in_threads([lambda: deadline_scan(now=due)] * workers)
    assert not [r for r in results if isinstance(r, Exception)], results
    alerts = list(Alert.objects.filter(rule__code=RuleCode.APPROVAL_STEP))
    assert sorted(a.order_id for a in alerts) == sorted(ids)  # each once
    assert all(a.due_at == due and a.notified_at == due for a in alerts)
    notified = [pk for r in results for pk in r.notified]
    assert sorted(notified) == sorted(a.pk for a in alerts)  # each claimed by one scan only
    assert set(claimed(notified, escalation=False).values()) == {1}
    raised_for_head = Notification.objects.filter(
        recipient=sales_head, dedup_key__endswith="raised"
    )
    assert raised_for_head.count() == 8
    assert Notification.objects.filter(recipient=gm).count() == 0

    escalation = at(2026, 11, 9, 10, 0)
    results = run_in_threads([lambda: deadline_scan(now=escalation)] * workers)
    assert not [r for r in results if isinstance(r, Exception)], results
    escalated = [pk for r in results for pk in r.escalated]
    assert sorted(escalated) == sorted(a.pk for a in alerts)
    assert set(claimed(escalated, escalation=True).values()) == {1}
    assert Notification.objects.filter(recipient=gm, dedup_key__endswith="escalated").count() == 8
    assert Alert.objects.count() == 8
    # Nobody was told anything twice.
    keys = Notification.objects.filter(dedup_key__startswith="alert-").values_list(
        "recipient_id", "dedup_key"
    )
    assert len(keys) == len(set(keys)) == 16
