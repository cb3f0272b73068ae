"""Production instructions API (ISSUE 5): list, detail, start, progress and finish; who may do
what, bad input and conflicts change nothing; lists in a fixed number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfillment.enums import ProductionStatus
from fulfillment.models import (
    ProductionInstruction,
    ProductionInstructionLine,
    ProductionReport,
    StockItem,
)
from orders.enums import OrderStatus

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db
S = OrderStatus
BASE = "/api/v1/production-instructions/"
ROLES = ["rep", "other_rep", "sales_head", "finance", "gm", "production", "warehouse", "admin_user"]
TIMESTAMPS = ("issued_at", "started_at", "finished_at")


def url(instruction=None, action=""):
    return f"{BASE}{instruction.pk}/{action + '/' if action else ''}" if instruction else BASE


def fresh(user):
    """The user as the next request loads it (roles are cached on the object)."""
    return get_user_model().objects.get(pk=user.pk)


def issued(rep, mto, qty="2"):
    order = approve_fully(order_of(rep, (mto, qty)))
    return ProductionInstruction.objects.get(order=order)


def started(rep, mto, production):
    from fulfillment.services.production import production_start

    return production_start(instruction=issued(rep, mto), actor=production)


def snapshot(instruction):
    instruction = ProductionInstruction.objects.get(pk=instruction.pk)
    return (
        instruction.status,
        instruction.progress,
        instruction.qc_passed,
        instruction.order.status,
        ProductionReport.objects.filter(instruction=instruction).count(),
        StockItem.objects.filter(on_hand__gt=0).count(),
    )


def without(body, *keys):
    return {k: v for k, v in body.items() if k not in keys}


# --- reading --------------------------------------------------------------------------------------
def test_detail_body(api, rep, production, mto):
    instruction = issued(rep, mto)
    order = instruction.order
    line = order.lines.get()
    api.force_authenticate(production)

    response = api.get(url(instruction))

    assert response.status_code == 200
    body = response.json()
    assert body["issued_at"]
    assert (body["started_at"], body["finished_at"]) == (None, None)
    assert without(body, *TIMESTAMPS) == {
        "id": instruction.pk,
        "number": instruction.number,
        "order": order.pk,
        "order_number": order.number,
        "customer_name": order.customer.name,
        "status": "issued",
        "status_display": "Issued",
        "planned_start": instruction.planned_start.isoformat(),
        "planned_finish": instruction.planned_finish.isoformat(),
        "overdue": False,
        "progress": 0,
        "qc_passed": None,
        "qc_note": "",
        "remarks": "",
        "issued_by": instruction.issued_by_id,
        "issued_by_name": instruction.issued_by.get_username(),
        "started_by": None,
        "started_by_name": None,
        "finished_by": None,
        "finished_by_name": None,
        "lines": [
            {
                "id": instruction.lines.get().pk,
                "order_line": line.pk,
                "sequence": 1,
                "product": mto.pk,
                "product_code": mto.code,
                "product_name": mto.name,
                "unit": mto.unit,
                "quantity": "2.000",
                "reason": "mto",
                "reason_display": "Make to order",
            }
        ],
        "reports": [],
    }
    assert instruction.number.startswith("PI")


def test_rep_sees_only_instructions_of_their_own_orders(api, rep, other_rep, mto):
    mine = issued(rep, mto)
    theirs = issued(other_rep, mto)
    api.force_authenticate(rep)

    listed = api.get(BASE).json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert listed["count"] == 1
    response = api.get(url(theirs))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_list_filters(api, rep, production, sales_head, mto):
    first = issued(rep, mto)
    second = started(rep, mto, production)
    ProductionInstruction.objects.filter(pk=first.pk).update(
        planned_finish=timezone.localdate() - dt.timedelta(days=1)
    )
    api.force_authenticate(sales_head)

    def ids(**params):
        response = api.get(BASE, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [first.pk, second.pk]
    assert ids(status="in_progress") == [second.pk]
    assert ids(order=first.order_id) == [first.pk]
    assert ids(overdue="true") == [first.pk]
    assert ids(overdue="false") == [second.pk]
    assert api.get(BASE, {"overdue": "true"}).json()["results"][0]["overdue"] is True


@pytest.mark.parametrize(
    "params, field",
    [({"status": "bogus"}, "status"), ({"order": "abc"}, "order"), ({"overdue": "x"}, "overdue")],
)
def test_bad_filters_are_400(api, sales_head, params, field):
    api.force_authenticate(sales_head)
    response = api.get(BASE, params)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["extra"]["fields"]


def test_list_query_count_does_not_grow(api, rep, sales_head, mto):
    today = timezone.localdate()

    def count_queries(n):
        for _ in range(n):
            order = order_of(rep, (mto, "1"))
            instruction = ProductionInstruction.objects.create(
                number=f"PI-T{ProductionInstruction.objects.count():03d}",
                order=order,
                planned_start=today,
                planned_finish=today,
                issued_by=rep,
            )
            ProductionInstructionLine.objects.create(
                instruction=instruction,
                order_line=order.lines.get(),
                product=mto,
                quantity=Decimal("1"),
                reason="mto",
            )
        api.force_authenticate(fresh(sales_head))
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(BASE, {"page_size": 100})
        assert response.status_code == 200
        assert response.json()["count"] == ProductionInstruction.objects.count()
        return len(ctx.captured_queries)

    assert count_queries(3) == count_queries(20)


# --- start ----------------------------------------------------------------------------------------
START = {
    "rep": 403,
    "other_rep": 404,
    "sales_head": 403,
    "finance": 403,
    "gm": 403,
    "production": 200,
    "warehouse": 403,
    # Production's alone, as the order's start/finish production transitions are.
    "admin_user": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_start_matrix(api, request, role, rep, mto):
    instruction = issued(rep, mto)
    before = snapshot(instruction)
    user = request.getfixturevalue(role)
    api.force_authenticate(user)

    response = api.post(url(instruction, "start"), {"note": "开工"}, format="json")

    assert response.status_code == START[role], response.json()
    if START[role] == 200:
        body = response.json()
        assert (body["status"], body["started_by"], body["progress"]) == (
            "in_progress",
            user.pk,
            0,
        )
        assert [(r["progress"], r["note"]) for r in body["reports"]] == [(0, "开工")]
        assert ProductionInstruction.objects.get(pk=instruction.pk).order.status == (
            S.IN_PRODUCTION
        )
    else:
        assert snapshot(instruction) == before


def test_start_twice_is_a_conflict(api, rep, production, mto):
    instruction = started(rep, mto, production)
    before = snapshot(instruction)
    api.force_authenticate(production)

    response = api.post(url(instruction, "start"), {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["extra"] == {"status": "in_progress"}
    assert snapshot(instruction) == before


# --- progress -------------------------------------------------------------------------------------
PROGRESS = FINISH = START


@pytest.mark.parametrize("role", ROLES)
def test_progress_matrix(api, request, role, rep, production, mto):
    instruction = started(rep, mto, production)
    before = snapshot(instruction)
    api.force_authenticate(request.getfixturevalue(role))

    response = api.post(
        url(instruction, "progress"), {"progress": 40, "note": "焊接完成"}, format="json"
    )

    assert response.status_code == PROGRESS[role]
    if PROGRESS[role] == 200:
        body = response.json()
        assert body["progress"] == 40
        assert [(r["progress"], r["note"]) for r in body["reports"]] == [(0, ""), (40, "焊接完成")]
    else:
        assert snapshot(instruction) == before


@pytest.mark.parametrize("value", ["abc", "NaN", -5, 101, 100, "", None, "4.5"])
def test_bad_progress_is_400(api, rep, production, mto, value):
    instruction = started(rep, mto, production)
    before = snapshot(instruction)
    api.force_authenticate(production)

    response = api.post(url(instruction, "progress"), {"progress": value}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["extra"]["fields"]) == ["progress"]
    assert snapshot(instruction) == before


def test_progress_needs_the_field(api, rep, production, mto):
    instruction = started(rep, mto, production)
    api.force_authenticate(production)
    response = api.post(url(instruction, "progress"), {"note": "x"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["progress"]


def test_progress_before_start_is_a_conflict(api, rep, production, mto):
    instruction = issued(rep, mto)
    before = snapshot(instruction)
    api.force_authenticate(production)
    response = api.post(url(instruction, "progress"), {"progress": 10}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert snapshot(instruction) == before


# --- finish ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_finish_matrix(api, request, role, rep, production, mto):
    instruction = started(rep, mto, production)
    before = snapshot(instruction)
    user = request.getfixturevalue(role)
    api.force_authenticate(user)

    response = api.post(
        url(instruction, "finish"), {"qc_passed": True, "qc_note": "抽检合格"}, format="json"
    )

    assert response.status_code == FINISH[role]
    if FINISH[role] == 200:
        body = response.json()
        assert {k: body[k] for k in ("status", "status_display", "progress", "qc_passed")} == {
            "status": "finished",
            "status_display": "Finished (into stock)",
            "progress": 100,
            "qc_passed": True,
        }
        assert (body["qc_note"], body["finished_by"], body["overdue"]) == (
            "抽检合格",
            user.pk,
            False,
        )
        assert [(r["progress"], r["note"]) for r in body["reports"]] == [(0, ""), (100, "抽检合格")]
        assert body["finished_at"]
        order = ProductionInstruction.objects.get(pk=instruction.pk).order
        assert order.status == S.READY_TO_SHIP
        item = StockItem.objects.get(product=mto)
        assert (item.on_hand, item.reserved) == (Decimal("2"), Decimal("2"))
    else:
        assert snapshot(instruction) == before


@pytest.mark.parametrize(
    "payload", [{"qc_passed": False}, {}, {"qc_passed": "maybe"}, {"qc_note": "OK"}]
)
def test_finish_needs_qc_passed(api, rep, production, mto, payload):
    instruction = started(rep, mto, production)
    before = snapshot(instruction)
    api.force_authenticate(production)

    response = api.post(url(instruction, "finish"), payload, format="json")

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["qc_passed"]
    assert snapshot(instruction) == before


def test_finish_twice_is_a_conflict(api, rep, production, mto):
    instruction = started(rep, mto, production)
    api.force_authenticate(production)
    assert api.post(url(instruction, "finish"), {"qc_passed": True}, format="json").status_code == (
        200
    )
    before = snapshot(instruction)

    response = api.post(url(instruction, "finish"), {"qc_passed": True}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert snapshot(instruction) == before
    assert ProductionInstruction.objects.get(pk=instruction.pk).status == (
        ProductionStatus.FINISHED
    )


def test_unknown_instruction_is_404(api, production):
    api.force_authenticate(production)
    response = api.post(f"{BASE}999999/start/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_anonymous_is_401(api, rep, mto):
    instruction = issued(rep, mto)
    assert api.get(BASE).status_code == 401
    assert api.post(url(instruction, "start"), {}, format="json").status_code == 401
    assert ProductionInstruction.objects.get(pk=instruction.pk).status == ProductionStatus.ISSUED
