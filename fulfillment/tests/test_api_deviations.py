"""Deviation reports and complaints API (ISSUE 5): raise, work on, resolve; the permission
matrix, bad input and conflicts change nothing; lists in a fixed number of queries."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfillment.enums import DeviationStatus
from fulfillment.models import Deviation
from fulfillment.services.deviations import deviation_create, deviation_update

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db
D = DeviationStatus
ROLES = ["rep", "other_rep", "sales_head", "finance", "gm", "production", "warehouse", "admin_user"]
DEVIATIONS = "/api/v1/deviations/"


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def order_url(order):
    return f"/api/v1/orders/{order.pk}/deviations/"


def payload(owner, **extra):
    return {
        "kind": "complaint",
        "category": "packing",
        "severity": "serious",
        "title": "外箱破损",
        "description": "到货时两箱外包装破损",
        "owner": owner.pk,
        **extra,
    }


def raised(order, actor, owner, **extra):
    data = payload(owner, **extra)
    data["owner"] = owner
    return deviation_create(order=order, actor=actor, **data)


def state():
    return sorted(
        Deviation.objects.values_list(
            "pk", "status", "owner", "cause", "resolution", "resolved_at", "title"
        )
    )


def test_raise_a_complaint(api, rep, warehouse, mts):
    order = approve_fully(order_of(rep, (mts, "1")))
    api.force_authenticate(warehouse)

    response = api.post(order_url(order), payload(rep, cause="叉车碰撞"), format="json")

    assert response.status_code == 201, response.json()
    deviation = Deviation.objects.get()
    body = response.json()
    assert body.pop("raised_at")
    assert body == {
        "id": deviation.pk,
        "number": f"DV{timezone.localdate():%Y%m%d}001",
        "order": order.pk,
        "order_number": order.number,
        "customer_name": order.customer.name,
        "kind": "complaint",
        "kind_display": "Complaint (投诉)",
        "category": "packing",
        "category_display": "Packing or transport damage",
        "severity": "serious",
        "severity_display": "Serious (to top management)",
        "title": "外箱破损",
        "description": "到货时两箱外包装破损",
        "cause": "叉车碰撞",
        "resolution": "",
        "status": "open",
        "status_display": "Open",
        "is_open": True,
        "owner": rep.pk,
        "owner_name": "rep",
        "raised_by": warehouse.pk,
        "raised_by_name": "warehouse",
        "resolved_at": None,
    }
    api.force_authenticate(rep)
    listed = api.get(order_url(order)).json()
    detail = api.get(f"{DEVIATIONS}{deviation.pk}/").json()
    assert listed == [detail]
    assert {k: v for k, v in detail.items() if k != "raised_at"} == body


CREATE = {
    "rep": 201,
    "other_rep": 404,
    "sales_head": 201,
    "finance": 201,
    "gm": 201,
    "production": 201,
    "warehouse": 201,
    "admin_user": 201,
}


@pytest.mark.parametrize("role", ROLES)
def test_create_matrix(api, request, role, rep, mts):
    order = order_of(rep, (mts, "1"))
    api.force_authenticate(request.getfixturevalue(role))

    response = api.post(order_url(order), payload(rep), format="json")

    assert response.status_code == CREATE[role], response.json()
    assert Deviation.objects.count() == (CREATE[role] == 201)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": None}, "kind"),
        ({"kind": "rumour"}, "kind"),
        ({"category": "weather"}, "category"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"description": ""}, "description"),
        ({"description": None}, "description"),
        ({"owner": None}, "owner"),
        ({"owner": 999999}, "owner"),
        ({"owner": "abc"}, "owner"),
    ],
)
def test_bad_create_is_400(api, rep, warehouse, mts, change, field):
    order = order_of(rep, (mts, "1"))
    data = {k: v for k, v in {**payload(rep), **change}.items() if v is not None}
    api.force_authenticate(warehouse)

    response = api.post(order_url(order), data, format="json")

    assert response.status_code == 400, response.json()
    assert list(response.json()["extra"]["fields"]) == [field]
    assert not Deviation.objects.exists()


# --- working on it --------------------------------------------------------------------------------
UPDATE = {
    "rep": 403,  # the order's rep, neither raised it nor responsible
    "other_rep": 404,
    "sales_head": 200,
    "finance": 403,
    "gm": 200,
    "production": 200,  # responsible
    "warehouse": 200,  # raised it
    "admin_user": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_update_matrix(api, request, role, rep, warehouse, production, mts):
    deviation = raised(order_of(rep, (mts, "1")), warehouse, production)
    before = state()
    api.force_authenticate(request.getfixturevalue(role))

    response = api.patch(
        f"{DEVIATIONS}{deviation.pk}/",
        {"status": "resolved", "cause": "包装不足", "resolution": "补发两箱"},
        format="json",
    )

    assert response.status_code == UPDATE[role], response.json()
    if UPDATE[role] == 200:
        body = response.json()
        assert (body["status"], body["cause"], body["resolution"], body["is_open"]) == (
            "resolved",
            "包装不足",
            "补发两箱",
            False,
        )
        assert body["resolved_at"]
    else:
        assert state() == before


def test_hand_over_and_close(api, rep, warehouse, production, sales_head, mts):
    deviation = raised(order_of(rep, (mts, "1")), warehouse, production)
    api.force_authenticate(production)

    moved = api.patch(f"{DEVIATIONS}{deviation.pk}/", {"owner": sales_head.pk}, format="json")
    assert (moved.status_code, moved.json()["owner"], moved.json()["status"]) == (
        200,
        sales_head.pk,
        "open",
    )
    api.force_authenticate(warehouse)
    resolved = api.patch(
        f"{DEVIATIONS}{deviation.pk}/", {"status": "resolved", "resolution": "补发"}, format="json"
    )
    assert resolved.json()["status"] == "resolved"
    closed = api.patch(f"{DEVIATIONS}{deviation.pk}/", {"status": "closed"}, format="json")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"status": "forgotten"}, "status"),
        ({"status": "closed", "resolution": "x"}, "status"),  # open → closed is not a move
        ({"status": "resolved"}, "resolution"),
        ({"owner": 999999}, "owner"),
        ({"owner": "abc"}, "owner"),
    ],
)
def test_bad_update_is_400(api, rep, warehouse, production, mts, change, field):
    deviation = raised(order_of(rep, (mts, "1")), warehouse, production)
    before = state()
    api.force_authenticate(warehouse)

    response = api.patch(f"{DEVIATIONS}{deviation.pk}/", change, format="json")

    assert response.status_code == 400, response.json()
    assert list(response.json()["extra"]["fields"]) == [field]
    assert state() == before


def test_a_closed_report_is_a_conflict(api, rep, warehouse, production, mts):
    deviation = raised(order_of(rep, (mts, "1")), warehouse, production)
    deviation_update(deviation=deviation, actor=warehouse, status=D.RESOLVED, resolution="ok")
    deviation_update(deviation=deviation, actor=warehouse, status=D.CLOSED)
    before = state()
    api.force_authenticate(warehouse)

    response = api.patch(f"{DEVIATIONS}{deviation.pk}/", {"cause": "late"}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert state() == before


# --- lists ----------------------------------------------------------------------------------------
def test_list_filters_and_visibility(api, rep, other_rep, warehouse, sales_head, mts):
    mine = order_of(rep, (mts, "1"))
    theirs = order_of(other_rep, (mts, "1"))
    complaint = raised(mine, warehouse, rep)
    deviation = raised(theirs, warehouse, other_rep, kind="deviation", category="delay")
    deviation_update(deviation=deviation, actor=warehouse, status=D.RESOLVED, resolution="ok")

    def ids(user, **params):
        api.force_authenticate(fresh(user))
        response = api.get(DEVIATIONS, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(sales_head) == [deviation.pk, complaint.pk]
    assert ids(sales_head, kind="complaint") == [complaint.pk]
    assert ids(sales_head, status="resolved") == [deviation.pk]
    assert ids(sales_head, open="true") == [complaint.pk]
    assert ids(sales_head, open="false") == [deviation.pk]
    assert ids(sales_head, order=theirs.pk) == [deviation.pk]
    assert ids(rep) == [complaint.pk]
    api.force_authenticate(rep)
    assert api.get(f"{DEVIATIONS}{deviation.pk}/").status_code == 404
    assert api.get(order_url(theirs)).status_code == 404
    response = api.patch(f"{DEVIATIONS}{deviation.pk}/", {"cause": "x"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "params, field", [({"kind": "x"}, "kind"), ({"status": "x"}, "status"), ({"open": "x"}, "open")]
)
def test_bad_list_filters(api, sales_head, params, field):
    api.force_authenticate(sales_head)
    response = api.get(DEVIATIONS, params)
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]


def test_list_query_count_does_not_grow(api, rep, warehouse, production, sales_head, mts):
    order = order_of(rep, (mts, "1"))

    def count_queries(n):
        for _ in range(n):
            raised(order, warehouse, production)
        api.force_authenticate(fresh(sales_head))
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(DEVIATIONS, {"page_size": 100})
        assert response.json()["count"] == Deviation.objects.count()
        with CaptureQueriesContext(connection) as order_ctx:
            assert api.get(order_url(order)).status_code == 200
        return len(ctx.captured_queries), len(order_ctx.captured_queries)

    assert count_queries(3) == count_queries(20)
