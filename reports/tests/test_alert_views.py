"""The alerts page and the order page's alert and feedback sections: who sees which alerts, who
gets the Acknowledge button, filters, htmx answers, bad input, and a fixed number of queries."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.roles import user_roles
from orders import services
from orders.enums import OrderStatus as S
from orders.tests.helpers import draft_order, force_status
from reports.enums import AlertStatus, RuleCode
from reports.models import Alert, CustomerFeedback
from reports.services.alerts import alert_counts
from reports.services.scan import deadline_scan
from tests.factories import UserFactory

from .alert_helpers import at, postponement_request

pytestmark = pytest.mark.django_db
LIST = "/reports/alerts/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def in_review(owner, n: int = 1) -> list:
    return [services.order_submit(order=draft_order(owner), actor=owner) for _ in range(n)]


@pytest.fixture
def world(rep, other_rep, time_machine):
    """Thursday 11-05 10:00: two of the rep's orders and one of another rep's enter sales
    review; Monday 11-09 12:00 (now) they are 11 working hours late (due Friday 10:00) and
    escalated; one of the rep's orders is also past its follow-up date."""
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    mine = in_review(rep, 2)
    theirs = in_review(other_rep)[0]
    waiting = force_status(
        draft_order(rep, promised_date=dt.date(2026, 11, 11)), S.APPROVED, approved_at=None
    )
    deadline_scan(now=at(2026, 11, 9, 12, 0))
    time_machine.move_to(at(2026, 11, 9, 12, 0), tick=False)
    return {"mine": mine, "theirs": theirs, "waiting": waiting}


def shown(response) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'data-testid="alert-row" data-alert="(\d+)"', _text(response))
    ]


def _text(response) -> str:
    return response.content.decode()


def alert_of(order, code=RuleCode.APPROVAL_STEP) -> Alert:
    return Alert.objects.get(order=order, rule__code=code)


# --- the list ------------------------------------------------------------------------------------
def test_a_rep_sees_only_the_alerts_of_their_own_orders(client, rep, world):
    client.force_login(rep)
    response = client.get(LIST)
    assert response.status_code == 200
    expected = [alert_of(o).pk for o in world["mine"]] + [
        alert_of(world["waiting"], RuleCode.FOLLOW_UP).pk
    ]
    assert sorted(shown(response)) == sorted(expected)
    text = _text(response)
    assert world["theirs"].number not in text
    # The rep is not whom the approval rule addresses: no button on those rows; the follow-up
    # alert is theirs to acknowledge.
    assert text.count('data-testid="acknowledge"') == 1


def test_the_sales_head_sees_every_alert_with_late_hours_and_the_escalated_badge(
    client, sales_head, world
):
    client.force_login(sales_head)
    response = client.get(LIST)
    text = _text(response)
    assert len(shown(response)) == 4
    assert "11 working h" in text  # Friday 10:00 → Monday 12:00
    assert text.count('data-testid="escalated"') == 3  # the approval alerts, 9 h past due
    assert "2026-11-06 10:00" in text
    # Acknowledge on the approval-step alerts (their step is the sales head's) and on the
    # follow-up (escalated to the sales head).
    assert text.count('data-testid="acknowledge"') == 4


def test_filters_rule_status_overdue_and_mine(client, rep, sales_head, gm, finance, world):
    client.force_login(sales_head)
    follow_up = alert_of(world["waiting"], RuleCode.FOLLOW_UP)  # due 11-09 09:00: 3 h late
    assert shown(client.get(LIST, {"rule": RuleCode.FOLLOW_UP})) == [follow_up.pk]
    assert len(shown(client.get(LIST, {"overdue": "9"}))) == 3
    assert len(shown(client.get(LIST, {"overdue": "4"}))) == 3
    assert len(shown(client.get(LIST, {"mine": "on"}))) == 4  # steps and the follow-up
    assert len(shown(client.get(LIST, {"escalated": "on"}))) == 3
    assert shown(client.get(LIST, {"order": world["waiting"].pk})) == [follow_up.pk]

    Alert.objects.filter(pk=follow_up.pk).update(status=AlertStatus.RESOLVED)
    assert follow_up.pk not in shown(client.get(LIST))
    assert follow_up.pk in shown(client.get(LIST, {"status": "all"}))
    assert shown(client.get(LIST, {"status": "resolved"})) == [follow_up.pk]

    client.force_login(rep)
    assert shown(client.get(LIST, {"mine": "on"})) == []  # resolved; the rest is not theirs
    client.force_login(gm)  # approval steps escalate to the GM
    assert len(shown(client.get(LIST, {"mine": "on"}))) == 3
    client.force_login(finance)
    assert shown(client.get(LIST, {"mine": "on"})) == []


def test_bad_filter_values_are_reported_and_ignored_never_a_500(client, sales_head, world):
    client.force_login(sales_head)
    response = client.get(LIST, {"rule": "nope", "overdue": "x", "status": "??", "order": "a"})
    assert response.status_code == 200
    assert len(shown(response)) == 4
    assert 'data-testid="error-rule"' in _text(response)


def test_the_list_runs_a_fixed_number_of_queries(client, sales_head, rep, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    in_review(rep, 5)
    deadline_scan(now=at(2026, 11, 9, 12, 0))
    client.force_login(sales_head)
    client.get(LIST)  # warms the session and the calendar cache
    with CaptureQueriesContext(connection) as five:
        assert len(shown(client.get(LIST, {"page_size": 50}))) == 5

    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    in_review(rep, 25)
    deadline_scan(now=at(2026, 11, 9, 12, 0))
    with CaptureQueriesContext(connection) as thirty:
        assert len(shown(client.get(LIST, {"page_size": 50}))) == 30
    assert len(thirty) == len(five)


# --- acknowledging -------------------------------------------------------------------------------
def test_acknowledge_with_htmx_returns_the_row_acknowledged(client, sales_head, world):
    alert = alert_of(world["mine"][0])
    client.force_login(sales_head)
    response = client.post(
        reverse("reports:alert_acknowledge", args=[alert.pk]), {"view": "list"}, **HTMX
    )
    assert response.status_code == 200
    text = _text(response)
    assert text.lstrip().startswith("<tr") and 'data-status="acknowledged"' in text
    assert 'data-testid="acknowledge"' not in text
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, sales_head)

    again = client.post(
        reverse("reports:alert_acknowledge", args=[alert.pk]), {"view": "list"}, **HTMX
    )
    assert again.status_code == 409
    assert "This alert is “Acknowledged”." in _text(again)


def test_acknowledge_without_htmx_redirects_back_with_a_message(client, gm, world):
    alert = alert_of(world["mine"][0])
    client.force_login(gm)  # the rule escalates to the GM
    response = client.post(
        reverse("reports:alert_acknowledge", args=[alert.pk]),
        {"next": f"{LIST}?rule=approval_step"},
    )
    assert response.status_code == 302 and response["Location"] == f"{LIST}?rule=approval_step"
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    evil = client.post(
        reverse("reports:alert_acknowledge", args=[alert.pk]), {"next": "https://evil.example/"}
    )
    assert evil["Location"] == LIST


def test_acknowledging_is_refused_to_those_the_rule_does_not_address(client, rep, warehouse, world):
    alert = alert_of(world["mine"][0])
    url = reverse("reports:alert_acknowledge", args=[alert.pk])
    client.force_login(rep)  # sees the alert (own order) but is not addressed
    response = client.post(url, {"view": "list"}, **HTMX)
    assert response.status_code == 403
    assert 'data-testid="row-error"' in _text(response)
    client.force_login(warehouse)
    assert client.post(url, {"view": "order"}, **HTMX).status_code == 403
    theirs = alert_of(world["theirs"])
    client.force_login(rep)  # another rep's order: not even visible
    gone = client.post(
        reverse("reports:alert_acknowledge", args=[theirs.pk]), {"view": "list"}, **HTMX
    )
    assert gone.status_code == 404 and "No such alert." in _text(gone)
    assert client.post(reverse("reports:alert_acknowledge", args=[theirs.pk])).status_code == 404
    assert client.get(url).status_code == 405
    assert set(Alert.objects.values_list("status", flat=True)) == {AlertStatus.OPEN}


def test_the_list_needs_a_signed_in_user(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the order page ------------------------------------------------------------------------------
def test_the_order_page_lists_its_open_alerts_with_acknowledge(client, sales_head, rep, world):
    order = world["mine"][0]
    page = reverse("orders:detail", args=[order.pk])
    client.force_login(sales_head)
    text = _text(client.get(page))
    assert 'data-testid="section-alerts"' in text
    assert text.count('data-testid="order-alert"') == 1
    assert "Approval step decided" in text and "11 working h" in text
    assert 'data-testid="acknowledge"' in text

    alert = alert_of(order)
    response = client.post(
        reverse("reports:alert_acknowledge", args=[alert.pk]), {"view": "order"}, **HTMX
    )
    assert response.status_code == 200
    assert _text(response).lstrip().startswith("<li") and "acknowledged by" in _text(response)

    client.force_login(rep)
    text = _text(client.get(page))
    assert 'data-testid="section-alerts"' in text and 'data-testid="acknowledge"' not in text


def test_no_alert_section_without_open_alerts(client, rep, time_machine):
    order = draft_order(rep)
    client.force_login(rep)
    assert 'data-testid="section-alerts"' not in _text(
        client.get(reverse("orders:detail", args=[order.pk]))
    )


# --- dashboard counts ----------------------------------------------------------------------------
def test_alert_counts_in_one_query(rep, sales_head, world, django_assert_num_queries):
    Alert.objects.filter(pk=alert_of(world["mine"][0]).pk).update(status=AlertStatus.ACKNOWLEDGED)
    Alert.objects.filter(pk=alert_of(world["mine"][1]).pk).update(status=AlertStatus.RESOLVED)
    for user in (rep, sales_head):
        user_roles(user)  # the request has them already
    with django_assert_num_queries(1):
        assert alert_counts(sales_head) == {"open": 3, "escalated": 2}
    with django_assert_num_queries(1):
        assert alert_counts(rep) == {"open": 2, "escalated": 1}
    nobody = UserFactory(roles=[])
    user_roles(nobody)
    assert alert_counts(nobody) == {"open": 0, "escalated": 0}


# --- customer feedback on the order page ---------------------------------------------------------
@pytest.fixture
def delivered(rep, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    return force_status(draft_order(rep), S.DELIVERED)


def feedback_url(order) -> str:
    return reverse("reports:feedback_record", args=[order.pk])


def test_the_rep_records_feedback_from_the_order_page_with_htmx(client, rep, delivered):
    client.force_login(rep)
    page = _text(client.get(reverse("orders:detail", args=[delivered.pk])))
    assert 'data-testid="section-feedback"' in page and 'data-testid="feedback-form"' in page

    bad = client.post(feedback_url(delivered), {"rating": "great", "contact": " "}, **HTMX)
    assert bad.status_code == 422
    text = _text(bad)
    assert "Choose satisfied, neutral or dissatisfied." in text
    assert "Enter who gave the feedback." in text
    assert 'data-testid="feedback-form"' in text
    assert not CustomerFeedback.objects.exists()

    good = client.post(
        feedback_url(delivered),
        {"rating": "satisfied", "contact": "王经理", "note": "安装顺利"},
        **HTMX,
    )
    assert good.status_code == 200
    assert 'data-testid="feedback-recorded" data-rating="satisfied"' in _text(good)
    feedback = CustomerFeedback.objects.get()
    assert (feedback.order, feedback.contact, feedback.note, feedback.recorded_by) == (
        delivered,
        "王经理",
        "安装顺利",
        rep,
    )
    page = _text(client.get(reverse("orders:detail", args=[delivered.pk])))
    assert 'data-testid="feedback-recorded"' in page and 'data-testid="feedback-form"' not in page

    twice = client.post(feedback_url(delivered), {"rating": "neutral", "contact": "x"}, **HTMX)
    assert twice.status_code == 409
    assert "already recorded" in _text(twice)
    assert CustomerFeedback.objects.count() == 1


def test_feedback_without_htmx_redirects_to_the_section(client, rep, delivered):
    client.force_login(rep)
    response = client.post(feedback_url(delivered), {"rating": "neutral", "contact": "张工"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/orders/{delivered.pk}/#customer-feedback")
    assert CustomerFeedback.objects.get().rating == "neutral"


def test_feedback_is_refused_to_others_and_before_delivery(
    client, rep, other_rep, finance, delivered
):
    client.force_login(finance)  # sees the order, may not record feedback
    page = _text(client.get(reverse("orders:detail", args=[delivered.pk])))
    assert 'data-testid="feedback-none"' in page and 'data-testid="feedback-form"' not in page
    refused = client.post(feedback_url(delivered), {"rating": "neutral", "contact": "x"}, **HTMX)
    assert refused.status_code == 403
    client.force_login(other_rep)  # does not see the order
    assert (
        client.post(feedback_url(delivered), {"rating": "neutral", "contact": "x"}).status_code
        == 404
    )

    client.force_login(rep)
    shipped = force_status(draft_order(rep), S.SHIPPED)
    page = _text(client.get(reverse("orders:detail", args=[shipped.pk])))
    assert 'data-testid="section-feedback"' not in page
    early = client.post(feedback_url(shipped), {"rating": "neutral", "contact": "x"}, **HTMX)
    assert early.status_code == 409 and "once the order is delivered" in _text(early)
    assert not CustomerFeedback.objects.exists()


def test_a_change_request_alert_is_for_the_approver_of_its_current_step(
    client, rep, sales_head, finance, time_machine
):
    time_machine.move_to(at(2026, 11, 2, 9, 0), tick=False)
    order = force_status(draft_order(rep, promised_date=dt.date(2026, 12, 1)), S.APPROVED)
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    request = postponement_request(order, rep, dt.date(2026, 12, 9), "客户要求推迟")
    deadline_scan(now=at(2026, 11, 9, 12, 0))
    time_machine.move_to(at(2026, 11, 9, 12, 0), tick=False)
    alert = Alert.objects.get(rule__code=RuleCode.CHANGE_REQUEST)
    assert alert.key == f"cr{request.pk}"

    client.force_login(sales_head)
    response = client.get(LIST, {"rule": RuleCode.CHANGE_REQUEST})
    assert shown(response) == [alert.pk] and 'data-testid="acknowledge"' in _text(response)
    assert shown(client.get(LIST, {"mine": "on", "rule": RuleCode.CHANGE_REQUEST})) == [alert.pk]
    client.force_login(finance)
    response = client.get(LIST, {"rule": RuleCode.CHANGE_REQUEST})
    assert shown(response) == [alert.pk] and 'data-testid="acknowledge"' not in _text(response)
    assert shown(client.get(LIST, {"mine": "on", "rule": RuleCode.CHANGE_REQUEST})) == []
    assert (
        client.post(
            reverse("reports:alert_acknowledge", args=[alert.pk]), {"view": "list"}, **HTMX
        ).status_code
        == 403
    )
    client.force_login(sales_head)
    assert (
        client.post(
            reverse("reports:alert_acknowledge", args=[alert.pk]), {"view": "list"}, **HTMX
        ).status_code
        == 200
    )
