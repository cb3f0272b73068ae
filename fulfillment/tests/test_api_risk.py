"""Risk-shipment requests API (风险发货申请, ISSUE 5): ask, finance then the general manager
decide, withdraw; the permission matrix, bad input and conflicts change nothing; lists in a
fixed number of queries."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfillment.enums import RiskRequestStatus
from fulfillment.models import RiskShipmentDecision, RiskShipmentRequest
from fulfillment.services import stock_receive
from fulfillment.services.risk import risk_request_create, risk_request_decide
from orders.enums import OrderStatus

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db
S = OrderStatus
R = RiskRequestStatus
ROLES = ["rep", "other_rep", "sales_head", "finance", "gm", "production", "warehouse", "admin_user"]
REQUESTS = "/api/v1/risk-shipment-requests/"


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def blocked(rep, warehouse, mts):
    """Ready to ship, but the customer pays first and has not paid: the gate blocks it."""
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "4"), settlement_method="prepayment"))
    assert order.status == S.READY_TO_SHIP
    return order


def order_url(order):
    return f"/api/v1/orders/{order.pk}/risk-shipment-requests/"


def pending(rep, warehouse, mts, reason="客户信誉良好，月底付款"):
    return risk_request_create(order=blocked(rep, warehouse, mts), actor=rep, reason=reason)


def state():
    return (
        sorted(RiskShipmentRequest.objects.values_list("pk", "status", "closed_at")),
        RiskShipmentDecision.objects.count(),
    )


def decide_url(found, action="decisions"):
    return f"{REQUESTS}{found.pk}/{action}/"


# --- asking ---------------------------------------------------------------------------------------
def test_ask_for_a_risk_shipment(api, rep, warehouse, mts):
    order = blocked(rep, warehouse, mts)
    api.force_authenticate(rep)

    response = api.post(order_url(order), {"reason": "客户信誉良好，月底付款"}, format="json")

    assert response.status_code == 201, response.json()
    found = RiskShipmentRequest.objects.get(order=order)
    body = response.json()
    assert body.pop("requested_at")
    assert body == {
        "id": found.pk,
        "order": order.pk,
        "order_number": order.number,
        "customer_name": order.customer.name,
        "status": "finance",
        "status_display": "Waiting for finance",
        "reason": "客户信誉良好，月底付款",
        "gate_reasons": ["prepayment"],
        "exposure": f"{order.total:.2f}",
        "requested_by": rep.pk,
        "requested_by_name": "rep",
        "closed_at": None,
        "decisions": [],
        "may_decide": False,
        "may_withdraw": True,
    }
    listed = api.get(order_url(order))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [found.pk]


CREATE = {
    "rep": 201,
    "other_rep": 404,
    "sales_head": 201,
    "finance": 403,
    "gm": 403,
    "production": 403,
    "warehouse": 403,
    "admin_user": 201,
}


@pytest.mark.parametrize("role", ROLES)
def test_create_matrix(api, request, role, rep, warehouse, mts):
    order = blocked(rep, warehouse, mts)
    api.force_authenticate(request.getfixturevalue(role))

    response = api.post(order_url(order), {"reason": "急需"}, format="json")

    assert response.status_code == CREATE[role], response.json()
    assert RiskShipmentRequest.objects.filter(order=order).count() == (CREATE[role] == 201)


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}])
def test_create_needs_a_reason(api, rep, warehouse, mts, payload):
    order = blocked(rep, warehouse, mts)
    api.force_authenticate(rep)
    response = api.post(order_url(order), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["reason"]
    assert not RiskShipmentRequest.objects.exists()


def test_no_request_when_nothing_blocks_or_one_is_pending(api, rep, warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    open_order = approve_fully(order_of(rep, (mts, "1")))
    api.force_authenticate(rep)

    response = api.post(order_url(open_order), {"reason": "x"}, format="json")
    assert (response.status_code, list(response.json()["extra"]["fields"])) == (400, ["reason"])

    found = pending(rep, warehouse, mts)
    before = state()
    response = api.post(order_url(found.order), {"reason": "again"}, format="json")
    assert (response.status_code, list(response.json()["extra"]["fields"])) == (400, ["reason"])
    assert state() == before


def test_no_request_on_a_draft(api, rep, mts):
    order = order_of(rep, (mts, "1"), settlement_method="prepayment")
    api.force_authenticate(rep)
    response = api.post(order_url(order), {"reason": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert not RiskShipmentRequest.objects.exists()


# --- deciding -------------------------------------------------------------------------------------
FINANCE_STEP = {
    "rep": 403,  # their own order
    "other_rep": 404,
    "sales_head": 403,
    "finance": 200,
    "gm": 403,  # not their step yet
    "production": 403,
    "warehouse": 403,
    "admin_user": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_finance_step_matrix(api, request, role, rep, warehouse, mts):
    found = pending(rep, warehouse, mts)
    before = state()
    user = request.getfixturevalue(role)
    api.force_authenticate(user)

    response = api.post(decide_url(found), {"decision": "approve"}, format="json")

    assert response.status_code == FINANCE_STEP[role], response.json()
    if FINANCE_STEP[role] == 200:
        body = response.json()
        assert (body["status"], body["status_display"], body["closed_at"]) == (
            "gm",
            "Waiting for the general manager",
            None,
        )
        decision = body["decisions"][0]
        assert decision.pop("decided_at")
        assert decision == {
            "step": "finance_review",
            "decision": "approve",
            "actor": user.pk,
            "actor_name": user.get_username(),
            "on_behalf_of": None,
            "on_behalf_of_name": None,
            "comment": "",
        }
        assert body["may_decide"] is False
    else:
        assert state() == before


GM_STEP = {**FINANCE_STEP, "finance": 403, "gm": 200}


@pytest.mark.parametrize("role", ROLES)
def test_gm_step_matrix(api, request, role, rep, warehouse, finance, mts):
    found = pending(rep, warehouse, mts)
    risk_request_decide(request=found, actor=finance, decision="approve")
    before = state()
    api.force_authenticate(request.getfixturevalue(role))

    response = api.post(
        decide_url(found), {"decision": "approve", "comment": "同意"}, format="json"
    )

    assert response.status_code == GM_STEP[role], response.json()
    if GM_STEP[role] == 200:
        assert response.json()["status"] == "approved"
        assert response.json()["closed_at"]
        gate = api.get(f"/api/v1/orders/{found.order_id}/shipping-gate/").json()
        assert (gate["blocked"], gate["risk_approved"]) == (False, True)
    else:
        assert state() == before


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "decision"),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "reject"}, "comment"),
        ({"decision": "reject", "comment": "  "}, "comment"),
        ({"decision": "approve", "expected_status": "nonsense"}, "expected_status"),
    ],
)
def test_bad_decision_is_400(api, rep, warehouse, finance, mts, payload, field):
    found = pending(rep, warehouse, mts)
    before = state()
    api.force_authenticate(finance)
    response = api.post(decide_url(found), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == [field]
    assert state() == before


def test_reject_closes_the_request(api, rep, warehouse, finance, mts):
    found = pending(rep, warehouse, mts)
    api.force_authenticate(finance)
    response = api.post(
        decide_url(found), {"decision": "reject", "comment": "欠款太多"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decisions"][0]["comment"]) == (
        "rejected",
        "欠款太多",
    )


def test_deciding_a_closed_request_is_a_conflict(api, rep, warehouse, finance, gm, mts):
    found = pending(rep, warehouse, mts)
    risk_request_decide(request=found, actor=finance, decision="reject", comment="no")
    before = state()
    api.force_authenticate(gm)

    response = api.post(decide_url(found), {"decision": "approve"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["extra"] == {"status": "rejected"}
    assert state() == before


def test_a_stale_expected_status_is_a_conflict(api, rep, warehouse, finance, gm, mts):
    found = pending(rep, warehouse, mts)
    risk_request_decide(request=found, actor=finance, decision="approve")
    before = state()
    api.force_authenticate(gm)

    response = api.post(
        decide_url(found), {"decision": "approve", "expected_status": "finance"}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (409, "concurrent_modification")
    assert state() == before


# --- withdrawing ----------------------------------------------------------------------------------
WITHDRAW = {
    "rep": 200,
    "other_rep": 404,
    "sales_head": 403,
    "finance": 403,
    "gm": 403,
    "production": 403,
    "warehouse": 403,
    "admin_user": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_withdraw_matrix(api, request, role, rep, warehouse, mts):
    found = pending(rep, warehouse, mts)
    before = state()
    api.force_authenticate(request.getfixturevalue(role))

    response = api.post(decide_url(found, "withdraw"))

    assert response.status_code == WITHDRAW[role], response.json()
    if WITHDRAW[role] == 200:
        assert (response.json()["status"], response.json()["may_withdraw"]) == (
            "withdrawn",
            False,
        )
    else:
        assert state() == before


def test_withdrawing_twice_is_a_conflict(api, rep, warehouse, mts):
    found = pending(rep, warehouse, mts)
    api.force_authenticate(rep)
    assert api.post(decide_url(found, "withdraw")).status_code == 200
    before = state()
    response = api.post(decide_url(found, "withdraw"))
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert state() == before


# --- lists ----------------------------------------------------------------------------------------
def test_list_filters_and_waiting_for_me(api, rep, other_rep, warehouse, finance, gm, mts):
    first = pending(rep, warehouse, mts)
    second = risk_request_create(
        order=blocked(other_rep, warehouse, mts), actor=other_rep, reason="x"
    )
    risk_request_decide(request=second, actor=finance, decision="approve")

    def ids(user, **params):
        api.force_authenticate(fresh(user))
        response = api.get(REQUESTS, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(finance) == [second.pk, first.pk]
    assert ids(finance, waiting_for_me="true") == [first.pk]
    assert ids(gm, waiting_for_me="true") == [second.pk]
    assert ids(rep, waiting_for_me="true") == []
    assert ids(rep) == [first.pk]
    assert ids(finance, status="gm") == [second.pk]
    assert ids(finance, order=first.order_id) == [first.pk]

    api.force_authenticate(rep)
    assert api.get(f"{REQUESTS}{second.pk}/").status_code == 404
    assert api.get(order_url(second.order)).status_code == 404
    detail = api.get(f"{REQUESTS}{first.pk}/")
    assert (detail.status_code, detail.json()["may_withdraw"]) == (200, True)
    api.force_authenticate(finance)
    assert api.get(f"{REQUESTS}{first.pk}/").json()["may_decide"] is True


@pytest.mark.parametrize(
    "params, field",
    [({"status": "x"}, "status"), ({"waiting_for_me": "perhaps"}, "waiting_for_me")],
)
def test_bad_list_filters(api, finance, params, field):
    api.force_authenticate(finance)
    response = api.get(REQUESTS, params)
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]


def test_list_query_count_does_not_grow(api, rep, warehouse, finance, gm, mts):
    order = blocked(rep, warehouse, mts)

    def count_queries(n):
        for _ in range(n):
            found = RiskShipmentRequest.objects.create(
                order=order, status=R.REJECTED, reason="x", requested_by=rep
            )
            RiskShipmentDecision.objects.create(
                request=found, step="finance_review", decision="reject", actor=finance
            )
        api.force_authenticate(fresh(gm))
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(REQUESTS, {"page_size": 100})
        assert response.json()["count"] == RiskShipmentRequest.objects.count()
        with CaptureQueriesContext(connection) as order_ctx:
            assert api.get(order_url(order)).status_code == 200
        with CaptureQueriesContext(connection) as mine_ctx:
            assert api.get(REQUESTS, {"waiting_for_me": "true"}).status_code == 200
        return (
            len(ctx.captured_queries),
            len(order_ctx.captured_queries),
            len(mine_ctx.captured_queries),
        )

    assert count_queries(3) == count_queries(20)
