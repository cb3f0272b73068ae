"""Execution plan and standard cycles API (ISSUE 5), and the fulfillment endpoints in the
OpenAPI schema, generated without a warning."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from fulfillment.models import ExecutionPlan, StandardCycle
from fulfillment.services.plan import plan_dates, standard_cycles
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory

from .conftest import approve_fully

pytestmark = pytest.mark.django_db
ROLES = ["rep", "other_rep", "sales_head", "finance", "gm", "production", "warehouse", "admin_user"]
MILESTONES = ["survey", "into_stock", "ship", "arrival", "installation", "acceptance"]
LABELS = ["Site survey", "Into stock", "Shipment", "Arrival", "Installation", "Acceptance"]


def today():
    return timezone.localdate()


def plan_url(order, suffix=""):
    return f"/api/v1/orders/{order.pk}/execution-plan/{suffix}"


def dated_order(rep, mts):
    return draft_order(
        rep,
        customer=CustomerFactory(account_manager=rep, settlement_method="monthly"),
        lines=[{"product": mts, "quantity": Decimal("1"), "unit_price": mts.list_price}],
        required_date=today() + dt.timedelta(days=40),
    )


def expected_milestones(planned: dict, actual: dict | None = None):
    actual = actual or {}
    rows = []
    for name, label in zip(MILESTONES, LABELS, strict=True):
        day = planned[f"planned_{name}"]
        done = actual.get(name)
        rows.append(
            {
                "milestone": name,
                "label": label,
                "planned": day.isoformat() if day else None,
                "actual": done.isoformat() if done else None,
                "manual": name in ("survey", "installation", "acceptance"),
                "late": day is not None and (done or today()) > day,
            }
        )
    return rows


def test_plan_of_an_approved_order(api, rep, mts):
    order = approve_fully(dated_order(rep, mts))
    plan = ExecutionPlan.objects.get(order=order)
    api.force_authenticate(rep)

    response = api.get(plan_url(order))

    assert response.status_code == 200
    body = response.json()
    assert body.pop("computed_at")
    planned = {f"planned_{m}": getattr(plan, f"planned_{m}") for m in MILESTONES}
    assert body == {"order": order.pk, "stored": True, "milestones": expected_milestones(planned)}
    assert planned["planned_arrival"] == order.required_date


def test_plan_of_a_draft_is_computed_without_storing_it(api, rep, mts):
    order = dated_order(rep, mts)
    api.force_authenticate(rep)

    response = api.get(plan_url(order))

    assert response.status_code == 200
    assert response.json() == {
        "order": order.pk,
        "stored": False,
        "computed_at": None,
        "milestones": expected_milestones(plan_dates(order, standard_cycles())),
    }
    assert not ExecutionPlan.objects.exists()


def test_plan_of_another_reps_order_is_404(api, rep, other_rep, mts):
    order = dated_order(rep, mts)
    api.force_authenticate(other_rep)
    assert api.get(plan_url(order)).status_code == 404


RECORD = {
    "rep": 200,
    "other_rep": 404,
    "sales_head": 200,
    "finance": 403,
    "gm": 403,
    "production": 200,
    "warehouse": 200,
    "admin_user": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_record_actual_matrix(api, request, role, rep, mts):
    order = approve_fully(dated_order(rep, mts))
    api.force_authenticate(request.getfixturevalue(role))

    response = api.post(
        plan_url(order, "actuals/"),
        {"milestone": "survey", "day": today().isoformat()},
        format="json",
    )

    assert response.status_code == RECORD[role], response.json()
    assert ExecutionPlan.objects.get(order=order).actual_survey == (
        today() if RECORD[role] == 200 else None
    )
    if RECORD[role] == 200:
        survey = response.json()["milestones"][0]
        assert (survey["milestone"], survey["actual"]) == ("survey", today().isoformat())


def test_installation_moves_the_acceptance_plan(api, rep, mts):
    order = approve_fully(dated_order(rep, mts))
    api.force_authenticate(rep)

    response = api.post(
        plan_url(order, "actuals/"),
        {"milestone": "installation", "day": today().isoformat()},
        format="json",
    )

    assert response.status_code == 200
    plan = ExecutionPlan.objects.get(order=order)
    assert plan.actual_installation == today()
    acceptance = response.json()["milestones"][-1]
    assert acceptance["planned"] == plan.planned_acceptance.isoformat()
    assert (
        plan.planned_acceptance
        == plan_dates(order, standard_cycles(), {"actual_installation": today()})[
            "planned_acceptance"
        ]
    )


@pytest.mark.parametrize(
    "data, field",
    [
        ({"milestone": "ship", "day": "TODAY"}, "milestone"),
        ({"milestone": "party", "day": "TODAY"}, "milestone"),
        ({"day": "TODAY"}, "milestone"),
        ({"milestone": "survey"}, "day"),
        ({"milestone": "survey", "day": "soon"}, "day"),
        ({"milestone": "survey", "day": "2026-02-30"}, "day"),
        ({"milestone": "survey", "day": "TOMORROW"}, "day"),
        ({"milestone": "survey", "day": "2000-01-01"}, "day"),
    ],
)
def test_bad_actual_is_400_and_records_nothing(api, rep, mts, data, field):
    order = approve_fully(dated_order(rep, mts))
    before = ExecutionPlan.objects.filter(order=order).values().get()
    days = {"TODAY": today(), "TOMORROW": today() + dt.timedelta(days=1)}
    if data.get("day") in days:
        data = {**data, "day": days[data["day"]].isoformat()}
    api.force_authenticate(rep)

    response = api.post(plan_url(order, "actuals/"), data, format="json")

    assert response.status_code == 400, response.json()
    assert list(response.json()["extra"]["fields"]) == [field]
    assert ExecutionPlan.objects.filter(order=order).values().get() == before


# --- standard cycles ------------------------------------------------------------------------------
def test_standard_cycles(api, rep, django_assert_max_num_queries):
    StandardCycle.objects.update_or_create(key="installation", defaults={"working_days": 6})
    api.force_authenticate(rep)

    with django_assert_max_num_queries(3):
        response = api.get("/api/v1/standard-cycles/")

    assert response.status_code == 200
    rows = {row["key"]: (row["label"], row["working_days"]) for row in response.json()}
    assert rows["installation"] == ("Installation", 6)
    assert rows["transport_express"] == ("Transport: express", 3)
    assert len(rows) == 8
    assert api.post("/api/v1/standard-cycles/", {}, format="json").status_code == 405


def test_anonymous_is_401(api, rep, mts):
    order = dated_order(rep, mts)
    assert api.get("/api/v1/standard-cycles/").status_code == 401
    assert api.get(plan_url(order)).status_code == 401


# --- schema ---------------------------------------------------------------------------------------
def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in [
        "/api/v1/production-instructions/",
        "/api/v1/production-instructions/{id}/start/",
        "/api/v1/production-instructions/{id}/progress/",
        "/api/v1/production-instructions/{id}/finish/",
        "/api/v1/shipments/",
        "/api/v1/shipments/{id}/receipt/",
        "/api/v1/shipments/{id}/receipt/file/",
        "/api/v1/orders/{order_id}/shipments/",
        "/api/v1/orders/{order_id}/lines/{line_id}/short-close/",
        "/api/v1/orders/{order_id}/shipping-gate/",
        "/api/v1/orders/{order_id}/risk-shipment-requests/",
        "/api/v1/risk-shipment-requests/{id}/decisions/",
        "/api/v1/risk-shipment-requests/{id}/withdraw/",
        "/api/v1/orders/{order_id}/deviations/",
        "/api/v1/deviations/{id}/",
        "/api/v1/orders/{order_id}/execution-plan/",
        "/api/v1/orders/{order_id}/execution-plan/actuals/",
        "/api/v1/standard-cycles/",
        "/api/v1/stock/",
    ]:
        assert f"  {path}:" in text, path
