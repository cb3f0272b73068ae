"""The deadline scan: due at the right working time, once, resolved when the condition clears."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from orders import services
from orders.enums import OrderStatus as S
from orders.tests.helpers import draft_order
from reports.enums import AlertStatus, RuleCode
from reports.models import Alert
from reports.services.scan import deadline_scan

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_mid_autumn_festival_is_not_a_working_day(rep, time_machine):
    # Thursday 2026-09-24 10:00 + 1 working day: Friday 25th is 中秋节, so Monday 28th 10:00.
    time_machine.move_to(at(2026, 9, 24, 10, 0), tick=False)
    services.order_submit(order=draft_order(rep), actor=rep)
    assert deadline_scan(now=at(2026, 9, 28, 9, 59)).raised == 0
    assert deadline_scan(now=at(2026, 9, 28, 10, 0)).raised == 1


def test_approval_step_alert_fires_after_one_working_day_once_and_resolves(
    rep, sales_head, time_machine
):
    # Thursday 2026-11-05 10:00: the order enters sales review.
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    order = services.order_submit(order=draft_order(rep), actor=rep)
    assert order.status == S.SALES_REVIEW

    # One working day = 9 working hours: due Friday 10:00 — nothing a minute before.
    assert deadline_scan(now=at(2026, 11, 6, 9, 59)).raised == 0
    result = deadline_scan(now=at(2026, 11, 6, 10, 0))
    assert result.raised == 1 and len(result.notified) == 1
    alert = Alert.objects.get()
    assert (alert.rule.code, alert.key, alert.due_at) == (
        RuleCode.APPROVAL_STEP,
        S.SALES_REVIEW,
        at(2026, 11, 6, 10, 0),
    )
    # A second scan creates and notifies nothing more.
    again = deadline_scan(now=at(2026, 11, 6, 10, 15))
    assert (again.raised, again.notified, Alert.objects.count()) == (0, [], 1)

    # Escalation 9 working hours past due: Friday 10:00 + 9 h → Monday 10:00 (the weekend
    # is not counted); escalated once.
    assert deadline_scan(now=at(2026, 11, 9, 9, 59)).escalated == []
    assert deadline_scan(now=at(2026, 11, 9, 10, 0)).escalated == [alert.pk]
    assert deadline_scan(now=at(2026, 11, 9, 10, 15)).escalated == []

    time_machine.move_to(at(2026, 11, 9, 11, 0), tick=False)
    services.order_approve(order=order, actor=sales_head)
    assert deadline_scan(now=at(2026, 11, 9, 11, 5)).resolved == 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
