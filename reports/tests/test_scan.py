"""The deadline scan: due at the right working time, once, resolved when the condition clears."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import PermissionDenied
from core.models import Notification
from orders import services
from orders.enums import OrderStatus as S
from orders.tests.helpers import draft_order
from reports.enums import AlertStatus, RuleCode
from reports.models import Alert, DeadlineRule
from reports.services.alerts import alert_acknowledge
from reports.services.scan import deadline_scan
from reports.tasks import alerts_notify
from tests.factories import UserFactory

from .alert_helpers import alerts_of, ready_order, ship

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


# --- Escalation, acknowledgement, rule edits, idempotency, query counts, notifications (R2) ------


def notified(user, kind="raised") -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, dedup_key__endswith=kind)
        .order_by("id")
        .values_list("dedup_key", flat=True)
    )


def test_escalation_exactly_escalate_after_working_hours_past_due_and_only_once(
    rep, warehouse, sales_head, time_machine, django_capture_on_commit_callbacks
):
    # Receipt missing: shipped Friday 09-18, due Thursday 09-24 09:00 (Sunday 09-20 is a
    # make-up working day); escalated to the sales head 18 working hours later: 9 on Thursday,
    # none over 中秋节 (Friday 25th to Sunday 27th), 9 on Monday 09-28 → Monday 18:00.
    time_machine.move_to(at(2026, 9, 18, 10, 0), tick=False)
    order = ready_order(rep, warehouse)
    ship(order, warehouse)
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_scan(now=at(2026, 9, 24, 9, 0)).raised >= 1
    [alert] = alerts_of(RuleCode.RECEIPT_MISSING, order)
    assert notified(rep) == [f"alert-{alert.pk}-raised"]
    assert notified(warehouse) == [f"alert-{alert.pk}-raised"]
    assert notified(sales_head) == []

    with django_capture_on_commit_callbacks(execute=True):
        assert alert.pk not in deadline_scan(now=at(2026, 9, 28, 17, 59)).escalated
        assert alert.pk in deadline_scan(now=at(2026, 9, 28, 18, 0)).escalated
        assert alert.pk not in deadline_scan(now=at(2026, 9, 29, 10, 0)).escalated
    alert.refresh_from_db()
    assert alert.escalated_at == at(2026, 9, 28, 18, 0)
    assert notified(sales_head, "escalated") == [f"alert-{alert.pk}-escalated"]
    assert notified(rep, "escalated") == []  # the rule escalates to the sales head only
    assert Notification.objects.filter(dedup_key__startswith=f"alert-{alert.pk}-").count() == 3


def test_acknowledging_stops_the_escalation_but_the_alert_still_resolves(
    rep, sales_head, gm, time_machine
):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    order = services.order_submit(order=draft_order(rep), actor=rep)
    deadline_scan(now=at(2026, 11, 6, 10, 0))
    [alert] = alerts_of(RuleCode.APPROVAL_STEP, order)

    # The rep is not whom the rule addresses (the step's approver, then the GM).
    with pytest.raises(PermissionDenied):
        alert_acknowledge(alert=alert, actor=rep)
    time_machine.move_to(at(2026, 11, 6, 11, 0), tick=False)
    alert_acknowledge(alert=alert, actor=sales_head)
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.acknowledged_at) == (
        AlertStatus.ACKNOWLEDGED,
        sales_head,
        at(2026, 11, 6, 11, 0),
    )

    # Monday 10:00 would have escalated it to the GM.
    assert deadline_scan(now=at(2026, 11, 9, 10, 0)).escalated == []
    assert deadline_scan(now=at(2026, 11, 10, 10, 0)).escalated == []
    alert.refresh_from_db()
    assert alert.escalated_at is None

    time_machine.move_to(at(2026, 11, 10, 11, 0), tick=False)
    services.order_approve(order=order, actor=sales_head)
    assert deadline_scan(now=at(2026, 11, 10, 11, 15)).resolved == 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def test_an_inactive_rule_resolves_its_open_alerts_and_raises_nothing_new(rep, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    first = services.order_submit(order=draft_order(rep), actor=rep)
    deadline_scan(now=at(2026, 11, 6, 10, 0))
    [alert] = alerts_of(RuleCode.APPROVAL_STEP)

    DeadlineRule.objects.filter(code=RuleCode.APPROVAL_STEP).update(is_active=False)
    time_machine.move_to(at(2026, 11, 6, 10, 30), tick=False)
    second = services.order_submit(order=draft_order(rep), actor=rep)
    result = deadline_scan(now=at(2026, 11, 9, 12, 0))  # both long overdue
    assert (result.raised, result.resolved, result.notified) == (0, 1, [])
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_at) == (AlertStatus.RESOLVED, at(2026, 11, 9, 12, 0))
    assert alerts_of(RuleCode.APPROVAL_STEP) == [alert]
    assert {first.status, second.status} == {S.SALES_REVIEW}


def test_editing_a_rules_offset_in_the_table_changes_the_due_time(rep, time_machine):
    rule = DeadlineRule.objects.get(code=RuleCode.APPROVAL_STEP)
    rule.offset, rule.offset_unit = 4, "working_hours"
    rule.save()
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)  # Thursday
    order = services.order_submit(order=draft_order(rep), actor=rep)

    assert deadline_scan(now=at(2026, 11, 5, 13, 59)).raised == 0
    assert deadline_scan(now=at(2026, 11, 5, 14, 0)).raised == 1
    [early] = alerts_of(RuleCode.APPROVAL_STEP, order)
    assert early.due_at == at(2026, 11, 5, 14, 0)

    # Back to 2 working days: the 14:00 due time no longer stands; due Monday 10:00 instead.
    rule.offset, rule.offset_unit = 2, "working_days"
    rule.save()
    result = deadline_scan(now=at(2026, 11, 5, 14, 15))
    assert (result.raised, result.resolved) == (0, 1)
    assert deadline_scan(now=at(2026, 11, 9, 9, 59)).raised == 0
    assert deadline_scan(now=at(2026, 11, 9, 10, 0)).raised == 1
    early.refresh_from_db()
    assert [(a.due_at, a.status) for a in alerts_of(RuleCode.APPROVAL_STEP, order)] == [
        (at(2026, 11, 5, 14, 0), AlertStatus.RESOLVED),
        (at(2026, 11, 9, 10, 0), AlertStatus.OPEN),
    ]


def test_running_the_scan_twice_creates_and_notifies_nothing_more(
    rep, warehouse, sales_head, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    shipped = ready_order(rep, warehouse, promised_date=dt.date(2026, 11, 4))
    ship(shipped, warehouse)
    late = ready_order(rep, warehouse, promised_date=dt.date(2026, 11, 4))
    services.order_submit(order=draft_order(rep), actor=rep)
    moment = at(2026, 11, 16, 10, 0)
    with django_capture_on_commit_callbacks(execute=True):
        first = deadline_scan(now=moment)
    alerts = list(Alert.objects.order_by("pk").values_list("rule__code", "order_id", "key"))
    notifications = Notification.objects.count()
    assert first.raised == len(alerts) >= 5 and notifications > 0
    assert (RuleCode.SHIPMENT_OVERDUE, late.pk, "") in alerts

    with django_capture_on_commit_callbacks(execute=True):
        again = deadline_scan(now=moment)
        later = deadline_scan(now=moment + dt.timedelta(minutes=15))
    assert (again.raised, again.notified, later.raised, later.notified) == (0, [], 0, [])
    assert list(Alert.objects.order_by("pk").values_list("rule__code", "order_id", "key")) == alerts
    assert Notification.objects.count() == notifications


def _scan_queries(moment) -> int:
    with CaptureQueriesContext(connection) as queries:
        deadline_scan(now=moment)
    return len(queries)


def test_the_scan_query_count_does_not_depend_on_the_number_of_orders(
    rep, time_machine, django_assert_num_queries
):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    for _ in range(5):
        services.order_submit(order=draft_order(rep), actor=rep)
    moment = at(2026, 11, 9, 12, 0)  # due and escalated
    deadline_scan(now=moment)  # warms the calendar cache
    Alert.objects.all().delete()
    five = _scan_queries(moment)
    assert Alert.objects.count() == 5
    steady = _scan_queries(moment + dt.timedelta(minutes=15))

    for _ in range(35):
        services.order_submit(order=draft_order(rep), actor=rep)
    Alert.objects.all().delete()
    with django_assert_num_queries(five):
        deadline_scan(now=moment)
    assert Alert.objects.count() == 40
    assert Alert.objects.filter(escalated_at__isnull=False).count() == 40
    with django_assert_num_queries(steady):
        deadline_scan(now=moment + dt.timedelta(minutes=15))


def test_the_notification_task_tells_the_right_people_once_per_dedup_key(
    rep, other_rep, sales_head, gm, warehouse, finance, time_machine
):
    second_head = UserFactory(roles=["sales_head"])
    UserFactory(roles=["sales_head"], is_active=False)  # left the company: not told
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    order = services.order_submit(order=draft_order(rep), actor=rep)  # sales review
    waiting = ready_order(rep, warehouse, promised_date=dt.date(2026, 11, 10))
    deadline_scan(now=at(2026, 11, 6, 10, 0))  # follow-up due 11-06 09:00, approval due 11-03
    [step] = alerts_of(RuleCode.APPROVAL_STEP, order)
    [follow_up] = alerts_of(RuleCode.FOLLOW_UP, waiting)
    Notification.objects.all().delete()

    # Approval step: the step's role (both active sales heads), not the rep nor the GM.
    assert alerts_notify(alert_ids=[step.pk], escalation=False) == 2
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        sales_head.pk,
        second_head.pk,
    }
    message = Notification.objects.filter(recipient=sales_head).get()
    assert message.subject == (
        f"Deadline: {order.number}: Approval step decided — due 2026-11-03 10:00"
    )
    assert message.link == f"/orders/{order.pk}/"
    # Escalated: the GM only.
    assert alerts_notify(alert_ids=[step.pk], escalation=True) == 1
    assert notified(gm, "escalated") == [f"alert-{step.pk}-escalated"]
    # Follow-up: the order's own rep only; escalated to the sales heads.
    assert alerts_notify(alert_ids=[follow_up.pk], escalation=False) == 1
    assert notified(rep) == [f"alert-{follow_up.pk}-raised"]
    assert notified(other_rep) == []
    assert alerts_notify(alert_ids=[follow_up.pk], escalation=True) == 2

    # Run again (a retried task): nothing is sent twice.
    count = Notification.objects.count()
    assert alerts_notify(alert_ids=[step.pk, follow_up.pk], escalation=False) == 0
    assert alerts_notify(alert_ids=[step.pk, follow_up.pk], escalation=True) == 0
    assert Notification.objects.count() == count == 6
    assert notified(warehouse) == notified(finance) == []


def test_a_scan_with_an_earlier_clock_does_not_resolve_an_alert_it_cannot_judge(rep, time_machine):
    """Regression: two scans overlapping, the later clock raises an alert due between the two;
    the earlier one must not take it for cleared (an alert is raised once: it would be lost)."""
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    services.order_submit(order=draft_order(rep), actor=rep)
    assert deadline_scan(now=at(2026, 11, 6, 10, 0)).raised == 1
    assert deadline_scan(now=at(2026, 11, 6, 9, 59, 59)).resolved == 0
    assert Alert.objects.get().status == AlertStatus.OPEN
