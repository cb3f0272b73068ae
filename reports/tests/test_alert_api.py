"""GET /api/v1/alerts/ (filters, visibility, pagination, fixed queries), an alert, its
acknowledgement, an order's customer feedback, the deadline rules; the schema documents them
without a warning."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import services
from orders.enums import OrderStatus as S
from orders.tests.helpers import draft_order, force_status
from reports.enums import AlertStatus, RuleCode
from reports.models import Alert, CustomerFeedback, DeadlineRule
from reports.services.scan import deadline_scan

from .alert_helpers import at

pytestmark = pytest.mark.django_db
API = "/api/v1"


def in_review(owner, n: int = 1) -> list:
    return [services.order_submit(order=draft_order(owner), actor=owner) for _ in range(n)]


@pytest.fixture
def world(rep, other_rep, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    mine = in_review(rep, 2)
    theirs = in_review(other_rep)[0]
    waiting = force_status(draft_order(rep, promised_date=dt.date(2026, 11, 11)), S.APPROVED)
    deadline_scan(now=at(2026, 11, 9, 12, 0))
    time_machine.move_to(at(2026, 11, 9, 12, 0), tick=False)
    return {"mine": mine, "theirs": theirs, "waiting": waiting}


def alert_of(order, code=RuleCode.APPROVAL_STEP) -> Alert:
    return Alert.objects.get(order=order, rule__code=code)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_the_list_is_paginated_and_scoped_to_what_the_user_sees(api, rep, sales_head, world):
    api.force_authenticate(sales_head)
    body = api.get(f"{API}/alerts/").json()
    assert body["count"] == 4 and body["previous"] is None
    order = world["mine"][0]
    [first] = [row for row in body["results"] if row["order"] == order.pk]
    assert first == {
        "id": alert_of(order).pk,
        "order": order.pk,
        "order_number": order.number,
        "customer": order.customer.name,
        "owner": first["owner"],
        "rule": "approval_step",
        "rule_label": "Approval step decided",
        "key": "sales_review",
        "due_at": "2026-11-06T10:00:00+08:00",
        "status": "open",
        "status_label": "Open",
        "late_working_hours": 11.0,
        "raised_at": first["raised_at"],
        "notified_at": "2026-11-09T12:00:00+08:00",
        "escalated_at": "2026-11-09T12:00:00+08:00",
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": None,
        "may_acknowledge": True,
    }
    page = api.get(f"{API}/alerts/", {"page_size": 3}).json()
    assert len(page["results"]) == 3 and page["next"]

    api.force_authenticate(rep)
    expected = [alert_of(o).pk for o in world["mine"]] + [
        alert_of(world["waiting"], RuleCode.FOLLOW_UP).pk
    ]
    response = api.get(f"{API}/alerts/")
    assert sorted(ids(response)) == sorted(expected)
    assert [r["may_acknowledge"] for r in response.json()["results"]].count(True) == 1


def test_filters(api, sales_head, gm, world):
    api.force_authenticate(sales_head)
    follow_up = alert_of(world["waiting"], RuleCode.FOLLOW_UP)
    assert ids(api.get(f"{API}/alerts/", {"rule": "follow_up"})) == [follow_up.pk]
    assert len(ids(api.get(f"{API}/alerts/", {"overdue_hours": 9}))) == 3
    assert len(ids(api.get(f"{API}/alerts/", {"overdue_hours": 3}))) == 4
    assert len(ids(api.get(f"{API}/alerts/", {"escalated": "true"}))) == 3
    assert ids(api.get(f"{API}/alerts/", {"order": world["waiting"].pk})) == [follow_up.pk]
    assert ids(api.get(f"{API}/alerts/", {"status": "resolved"})) == []
    api.force_authenticate(gm)
    assert len(ids(api.get(f"{API}/alerts/", {"mine": "true"}))) == 3


def test_bad_filters_get_a_400_naming_them(api, sales_head, world):
    api.force_authenticate(sales_head)
    response = api.get(f"{API}/alerts/", {"rule": "x", "overdue_hours": "-1", "status": "?"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["extra"]["fields"]) == {"rule", "overdue_hours", "status"}


def test_the_list_runs_a_fixed_number_of_queries(api, sales_head, rep, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    in_review(rep, 5)
    deadline_scan(now=at(2026, 11, 9, 12, 0))
    api.force_authenticate(sales_head)
    api.get(f"{API}/alerts/")
    with CaptureQueriesContext(connection) as five:
        assert len(ids(api.get(f"{API}/alerts/"))) == 5
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    in_review(rep, 25)
    deadline_scan(now=at(2026, 11, 9, 12, 0))
    with CaptureQueriesContext(connection) as thirty:
        assert len(ids(api.get(f"{API}/alerts/"))) == 30
    assert len(thirty) == len(five)


def test_detail_and_acknowledge(api, rep, other_rep, sales_head, world):
    alert = alert_of(world["mine"][0])
    url = f"{API}/alerts/{alert.pk}/"
    api.force_authenticate(rep)
    assert api.get(url).json()["may_acknowledge"] is False
    refused = api.post(f"{url}acknowledge/")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    api.force_authenticate(other_rep)
    assert api.get(url).status_code == 404
    assert api.post(f"{url}acknowledge/").status_code == 404

    api.force_authenticate(sales_head)
    response = api.post(f"{url}acknowledge/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["acknowledged_at"], body["may_acknowledge"]) == (
        "acknowledged",
        "2026-11-09T12:00:00+08:00",
        False,
    )
    assert body["acknowledged_by"]
    again = api.post(f"{url}acknowledge/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.ACKNOWLEDGED


def test_anonymous_gets_401(api, world):
    assert api.get(f"{API}/alerts/").status_code == 401
    assert api.get(f"{API}/deadline-rules/").status_code == 401


# --- customer feedback ---------------------------------------------------------------------------
def test_feedback_get_and_post(api, rep, other_rep, finance, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    order = force_status(draft_order(rep), S.DELIVERED)
    url = f"{API}/orders/{order.pk}/feedback/"
    api.force_authenticate(rep)
    assert api.get(url).json() == []

    bad = api.post(url, {"rating": "great", "contact": ""}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["extra"]["fields"]) == {"rating", "contact"}
    created = api.post(
        url, {"rating": "dissatisfied", "contact": "王经理", "note": "包装破损"}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["order"], body["rating"], body["rating_label"], body["contact"], body["note"]) == (
        order.pk,
        "dissatisfied",
        "Dissatisfied",
        "王经理",
        "包装破损",
    )
    assert api.get(url).json() == [body]
    twice = api.post(url, {"rating": "neutral", "contact": "x"}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"

    api.force_authenticate(finance)
    assert api.get(url).json() == [body]
    assert api.post(url, {"rating": "neutral", "contact": "x"}, format="json").status_code == 403
    api.force_authenticate(other_rep)
    assert api.get(url).status_code == 404
    assert api.post(url, {"rating": "neutral", "contact": "x"}, format="json").status_code == 404
    assert CustomerFeedback.objects.count() == 1


def test_feedback_before_delivery_is_a_409(api, rep, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    order = force_status(draft_order(rep), S.SHIPPED)
    api.force_authenticate(rep)
    response = api.post(
        f"{API}/orders/{order.pk}/feedback/", {"rating": "neutral", "contact": "x"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["extra"] == {"status": "shipped"}
    assert not CustomerFeedback.objects.exists()


# --- deadline rules ------------------------------------------------------------------------------
def test_the_deadline_rules_are_listed_read_only(api, rep):
    api.force_authenticate(rep)
    response = api.get(f"{API}/deadline-rules/")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()["results"]}
    assert set(rows) == set(RuleCode.values)
    assert rows["approval_step"] == {
        "id": DeadlineRule.objects.get(code="approval_step").pk,
        "code": "approval_step",
        "label": "Approval step decided",
        "is_active": True,
        "offset": 1,
        "offset_unit": "working_days",
        "alert_roles": ["step"],
        "escalate_roles": ["gm"],
        "escalate_after": 9,
        "description": "Each approval step is decided within 1 working day (000 D5).",
        "summary": "Due 1 working day after the order reaches the step. Alerts the approver "
        "of the step. Escalates to General manager 9 working hours past due.",
    }
    assert api.post(f"{API}/deadline-rules/", {}).status_code == 405


def test_the_schema_documents_the_alert_endpoints_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ours = ("api_alerts", "Alert", "Feedback", "DeadlineRule", "alerts", "feedback")
    warnings = [w for w in GENERATOR_STATS._warn_cache if any(name in w for name in ours)]
    errors = [e for e in GENERATOR_STATS._error_cache if any(name in e for name in ours)]
    assert (warnings, errors) == ([], [])
    for path in (
        "/api/v1/alerts/",
        "/api/v1/alerts/{id}/",
        "/api/v1/alerts/{id}/acknowledge/",
        "/api/v1/orders/{order_id}/feedback/",
        "/api/v1/deadline-rules/",
    ):
        assert path in schema["paths"], path
    listing = schema["paths"]["/api/v1/alerts/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "status",
        "rule",
        "order",
        "overdue_hours",
        "mine",
        "escalated",
        "page",
        "page_size",
    }
