"""The approvals API (issue 4 item 8, DESIGN §7): policy, inbox, decisions and delegations with
the same rules and error codes as the order transition endpoint; the permission matrix."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from approvals.enums import Decision
from approvals.models import ApprovalDecision, Delegation
from core.models import OutboxMessage
from core.roles import Role
from orders import services
from orders.enums import OrderStatus, OrderTransition, OrderType
from orders.models import Order, OrderEvent
from orders.tests.helpers import draft_order
from tests.factories import ProductFactory, UserFactory

from .factories import DelegationFactory, activate_policy

pytestmark = pytest.mark.django_db
S = OrderStatus
T = OrderTransition

POLICY = "/api/v1/approvals/policy/"
INBOX = "/api/v1/approvals/inbox/"
DECISIONS = "/api/v1/approvals/decisions/"
DELEGATIONS = "/api/v1/approvals/delegations/"


def fresh(user):
    """The user as the next request loads it (roles and delegations are cached per object)."""
    return get_user_model().objects.get(pk=user.pk)


def today():
    return timezone.localdate()


def submitted(owner, **kwargs):
    return services.order_submit(order=draft_order(owner, **kwargs), actor=owner)


def below_floor(owner):
    """Submitted, with a line under the product's floor price: the floor-price check fails."""
    product = ProductFactory()
    return submitted(
        owner, lines=[{"product": product, "quantity": Decimal("1"), "unit_price": Decimal("1")}]
    )


def decide(api, user, order, decision="approve", **extra):
    api.force_authenticate(fresh(user))
    return api.post(DECISIONS, {"order": order.pk, "decision": decision, **extra}, format="json")


def nothing_decided(order, status):
    assert Order.objects.get(pk=order.pk).status == status
    assert not ApprovalDecision.objects.filter(order=order).exists()
    assert not OrderEvent.objects.filter(order=order, from_status=status).exists()


# --- anonymous ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", POLICY),
        ("get", INBOX),
        ("get", DECISIONS),
        ("post", DECISIONS),
        ("get", DELEGATIONS),
        ("post", DELEGATIONS),
        ("post", f"{DELEGATIONS}1/revoke/"),
        ("get", "/api/v1/notifications/"),
        ("post", "/api/v1/notifications/1/read/"),
        ("post", "/api/v1/notifications/read-all/"),
    ],
)
def test_anonymous_gets_401_with_the_error_body(api, method, url):
    response = getattr(api, method)(url, {}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- policy ------------------------------------------------------------------------------------


def test_policy_lists_the_active_steps_in_order(api, rep):
    api.force_authenticate(rep)
    body = api.get(POLICY).json()
    assert body["distinct_approvers"] is True
    assert [
        (s["step"], s["position"], s["min_amount"], s["order_types"]) for s in body["steps"]
    ] == [
        (S.SALES_REVIEW, 1, None, []),
        (S.TECHNICAL_REVIEW, 2, None, [OrderType.NON_REGULAR]),
        (S.FINANCE_REVIEW, 3, None, []),
        (S.GM_REVIEW, 4, None, []),
    ]
    assert body["steps"][0]["step_display"] == "Sales head review"


def test_policy_shows_thresholds_and_the_separation_setting(api, finance):
    policy = activate_policy(
        S.SALES_REVIEW,
        {"step": S.GM_REVIEW, "min_amount": Decimal("100000")},
        distinct_approvers=False,
        name="大额需总经理",
    )
    api.force_authenticate(finance)
    body = api.get(POLICY).json()
    assert (body["id"], body["name"], body["distinct_approvers"]) == (
        policy.pk,
        "大额需总经理",
        False,
    )
    assert [(s["step"], s["min_amount"]) for s in body["steps"]] == [
        (S.SALES_REVIEW, None),
        (S.GM_REVIEW, "100000.00"),
    ]


def test_without_an_active_policy_the_plain_chain_is_shown(api, finance):
    from approvals.models import ApprovalPolicy

    ApprovalPolicy.objects.update(is_active=False)
    api.force_authenticate(finance)
    body = api.get(POLICY).json()
    assert body["id"] is None
    assert [s["step"] for s in body["steps"]] == [S.SALES_REVIEW, S.FINANCE_REVIEW, S.GM_REVIEW]


# --- inbox -------------------------------------------------------------------------------------


def test_inbox_of_each_role(api, rep, sales_head, finance, gm):
    at_sales = submitted(rep)
    at_finance = services.order_approve(order=submitted(rep), actor=sales_head)
    draft_order(rep)  # a draft waits on nobody

    def inbox_of(user):
        api.force_authenticate(fresh(user))
        response = api.get(INBOX)
        assert response.status_code == 200
        return [item["number"] for item in response.json()["results"]]

    assert inbox_of(sales_head) == [at_sales.number]
    assert inbox_of(finance) == [at_finance.number]
    assert inbox_of(gm) == []
    assert inbox_of(rep) == []


def test_inbox_item_carries_the_step_its_age_and_the_checks(api, rep, sales_head):
    order = below_floor(rep)
    api.force_authenticate(sales_head)
    [item] = api.get(INBOX).json()["results"]
    assert (item["id"], item["number"], item["customer_name"], item["total"]) == (
        order.pk,
        order.number,
        order.customer.name,
        "1.00",
    )
    assert (item["status"], item["step"], item["round"]) == (S.SALES_REVIEW, S.SALES_REVIEW, 1)
    assert item["deadline_state"] in ("ok", "near", "late")
    assert item["age_hours"] >= 0 and item["due_at"]
    assert (item["on_behalf_of"], item["on_behalf_of_name"]) == (None, None)
    checks = {c["code"]: c for c in item["checks"]}
    # the sales head's checks (credit is finance's)
    assert set(checks) == {"floor_price", "payment_terms", "delivery_date"}
    assert item["failed_checks"] == ["floor_price"]
    floor = checks["floor_price"]
    assert floor["passed"] is False
    assert floor["details"]["below"][0]["price"] == "1.0000"
    assert "below the floor price" in floor["text"]


def test_inbox_of_a_delegate_says_on_whose_behalf(api, rep, sales_head, finance, other_rep):
    order = services.order_approve(order=submitted(rep), actor=sales_head)
    DelegationFactory(approver=finance, delegate=other_rep)
    api.force_authenticate(fresh(other_rep))
    [item] = api.get(INBOX).json()["results"]
    assert (item["number"], item["step"]) == (order.number, S.FINANCE_REVIEW)
    assert (item["on_behalf_of"], item["on_behalf_of_name"]) == (finance.pk, "finance")


def test_inbox_filters(api, rep, sales_head):
    cheap = submitted(rep)
    dear = submitted(
        rep,
        lines=[
            {"product": ProductFactory(), "quantity": Decimal("10"), "unit_price": Decimal("1130")}
        ],
    )
    api.force_authenticate(sales_head)
    numbers = [i["number"] for i in api.get(INBOX, {"min_total": "5000"}).json()["results"]]
    assert numbers == [dear.number]
    response = api.get(INBOX, {"customer": cheap.customer.name})
    assert [i["number"] for i in response.json()["results"]] == [cheap.number]
    response = api.get(INBOX, {"status": "approved"})
    assert response.status_code == 400
    assert "status" in response.json()["extra"]["fields"]


@pytest.mark.parametrize("size", [1, 6])
def test_inbox_query_count_does_not_grow(api, rep, sales_head, size, django_assert_max_num_queries):
    for _ in range(size):
        below_floor(rep)
    user = fresh(sales_head)
    api.force_authenticate(user)
    with django_assert_max_num_queries(8):
        response = api.get(INBOX)
    assert response.json()["count"] == size


# --- decisions: the permission matrix -----------------------------------------------------------


def test_right_role_approves_201_with_the_decision(api, rep, sales_head):
    order = submitted(rep)
    response = decide(api, sales_head, order, comment="同意", expected_status=S.SALES_REVIEW)
    assert response.status_code == 201, response.json()
    body = response.json()
    decision = ApprovalDecision.objects.get(order=order)
    assert body["id"] == decision.pk
    assert (body["order"], body["order_number"], body["order_status"]) == (
        order.pk,
        order.number,
        S.FINANCE_REVIEW,
    )
    assert (body["step"], body["decision"], body["actor"], body["actor_name"]) == (
        S.SALES_REVIEW,
        Decision.APPROVE,
        sales_head.pk,
        "head",
    )
    assert (body["comment"], body["on_behalf_of"], body["round"]) == ("同意", None, 1)
    assert body["event"] == OrderEvent.objects.get(order=order, transition=T.APPROVE).pk
    assert Order.objects.get(pk=order.pk).status == S.FINANCE_REVIEW


@pytest.mark.parametrize("role", [Role.FINANCE, Role.GM, Role.WAREHOUSE, Role.PRODUCTION])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_wrong_role_gets_403_and_nothing_happens(api, rep, role, decision):
    order = submitted(rep)
    OutboxMessage.objects.all().delete()
    response = decide(api, UserFactory(roles=[role]), order, decision, comment="不行")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    nothing_decided(order, S.SALES_REVIEW)
    assert not OutboxMessage.objects.exists()


def test_the_owner_never_decides_their_own_order(api, sales_head):
    order = submitted(sales_head)
    response = decide(api, sales_head, order)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    nothing_decided(order, S.SALES_REVIEW)


def test_other_reps_order_is_404(api, rep, other_rep):
    order = submitted(rep)
    response = decide(api, other_rep, order)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    nothing_decided(order, S.SALES_REVIEW)


def test_unknown_order_is_404(api, sales_head):
    response = decide(api, sales_head, Order(pk=999999))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({"decision": None}, "decision"),
        ({"order": "abc"}, "order"),
        ({"order": None}, "order"),
        ({"expected_status": "nonsense"}, "expected_status"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, rep, sales_head, payload, field):
    order = submitted(rep)
    api.force_authenticate(sales_head)
    response = api.post(
        DECISIONS, {"order": order.pk, "decision": "approve", **payload}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["extra"]["fields"]
    nothing_decided(order, S.SALES_REVIEW)


def test_approving_over_a_failed_check_needs_an_override_reason(api, rep, sales_head):
    order = below_floor(rep)
    response = decide(api, sales_head, order)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "override_reason" in body["extra"]["fields"]
    nothing_decided(order, S.SALES_REVIEW)


def test_an_override_reason_is_accepted_and_recorded(api, rep, sales_head):
    order = below_floor(rep)
    response = decide(api, sales_head, order, override_reason="老客户, 总经理同意特价")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["override_reason"] == "老客户, 总经理同意特价"
    assert body["failed_checks"] == ["floor_price"]
    event = OrderEvent.objects.get(order=order, transition=T.APPROVE)
    assert event.payload["override_reason"] == "老客户, 总经理同意特价"
    assert Order.objects.get(pk=order.pk).status == S.FINANCE_REVIEW


def test_reject_requires_a_comment(api, rep, sales_head):
    order = submitted(rep)
    response = decide(api, sales_head, order, "reject", comment="  ")
    assert response.status_code == 400
    assert "comment" in response.json()["extra"]["fields"]
    nothing_decided(order, S.SALES_REVIEW)


def test_reject_with_a_comment_returns_the_order_to_the_rep(api, rep, sales_head):
    order = submitted(rep)
    response = decide(api, sales_head, order, "reject", comment="价格需重新确认")
    assert response.status_code == 201
    body = response.json()
    assert (body["decision"], body["comment"], body["order_status"]) == (
        Decision.REJECT,
        "价格需重新确认",
        S.REJECTED,
    )
    assert Order.objects.get(pk=order.pk).status == S.REJECTED


def test_expected_status_mismatch_is_409(api, rep, sales_head):
    order = submitted(rep)
    response = decide(api, sales_head, order, expected_status=S.FINANCE_REVIEW)
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["extra"]["status"]) == ("concurrent_modification", S.SALES_REVIEW)
    nothing_decided(order, S.SALES_REVIEW)


def test_a_step_already_decided_is_409_not_403(api, rep, sales_head):
    order = submitted(rep)
    assert decide(api, sales_head, order).status_code == 201
    late = UserFactory(roles=[Role.SALES_HEAD])
    response = decide(api, late, order)
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert ApprovalDecision.objects.filter(order=order).count() == 1


def test_a_delegate_decides_on_behalf_of_the_approver(api, rep, sales_head, finance, other_rep):
    order = services.order_approve(order=submitted(rep), actor=sales_head)
    DelegationFactory(approver=finance, delegate=other_rep)
    response = decide(api, other_rep, order, comment="代批")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["actor"], body["on_behalf_of"], body["on_behalf_of_name"]) == (
        other_rep.pk,
        finance.pk,
        "finance",
    )
    assert body["order_status"] == S.GM_REVIEW


def test_a_decision_is_also_an_order_transition_with_the_same_answer(api, rep, sales_head):
    """The approvals endpoint and the order transition endpoint answer alike."""
    order = submitted(rep)
    api.force_authenticate(UserFactory(roles=[Role.FINANCE]))
    via_orders = api.post(f"/api/v1/orders/{order.pk}/transitions/approve/", {}, format="json")
    via_approvals = api.post(DECISIONS, {"order": order.pk, "decision": "approve"}, format="json")
    assert via_orders.status_code == via_approvals.status_code == 403
    assert via_orders.json()["code"] == via_approvals.json()["code"]


# --- decisions: reading -------------------------------------------------------------------------


@pytest.fixture
def decided(rep, other_rep, sales_head, finance):
    """Two orders of two reps, each approved by the sales head; one also by finance."""
    mine = services.order_approve(order=submitted(rep), actor=sales_head)
    services.order_approve(order=mine, actor=finance, comment="额度内")
    theirs = services.order_approve(order=submitted(other_rep), actor=sales_head)
    return mine, theirs


def test_decisions_mine_lists_what_the_user_decided(api, decided, finance, sales_head):
    api.force_authenticate(finance)
    body = api.get(DECISIONS, {"mine": "1"}).json()
    assert [(d["order_number"], d["step"]) for d in body["results"]] == [
        (decided[0].number, S.FINANCE_REVIEW)
    ]
    api.force_authenticate(sales_head)
    assert api.get(DECISIONS, {"mine": "true"}).json()["count"] == 2


def test_a_rep_sees_the_decisions_on_their_own_orders_only(api, decided, rep):
    mine, theirs = decided
    api.force_authenticate(rep)
    body = api.get(DECISIONS).json()
    assert [(d["order_number"], d["step"]) for d in body["results"]] == [
        (mine.number, S.FINANCE_REVIEW),
        (mine.number, S.SALES_REVIEW),
    ]
    response = api.get(DECISIONS, {"order": theirs.pk})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_decisions_of_one_order(api, decided, gm):
    mine, _ = decided
    api.force_authenticate(gm)
    body = api.get(DECISIONS, {"order": mine.pk}).json()
    assert [d["step"] for d in body["results"]] == [S.FINANCE_REVIEW, S.SALES_REVIEW]
    assert body["results"][0]["comment"] == "额度内"


@pytest.mark.parametrize("size", [1, 5])
def test_decision_list_query_count_is_fixed(
    api, rep, sales_head, gm, size, django_assert_max_num_queries
):
    for _ in range(size):
        services.order_approve(order=submitted(rep), actor=sales_head)
    api.force_authenticate(fresh(gm))
    with django_assert_max_num_queries(3):
        response = api.get(DECISIONS)
    assert response.json()["count"] == size


# --- delegations --------------------------------------------------------------------------------


def test_an_approver_delegates_and_both_see_it(api, finance, other_rep):
    api.force_authenticate(finance)
    response = api.post(
        DELEGATIONS,
        {
            "delegate": other_rep.pk,
            "start_date": today().isoformat(),
            "end_date": (today() + dt.timedelta(days=5)).isoformat(),
            "reason": "出差",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["approver"], body["delegate"], body["delegate_name"], body["is_current"]) == (
        finance.pk,
        other_rep.pk,
        "rep2",
        True,
    )
    for user in (finance, other_rep):
        api.force_authenticate(user)
        assert [d["id"] for d in api.get(DELEGATIONS).json()["results"]] == [body["id"]]


def test_a_non_approver_may_not_delegate(api, rep, other_rep):
    api.force_authenticate(rep)
    response = api.post(
        DELEGATIONS,
        {"delegate": other_rep.pk, "start_date": today(), "end_date": today()},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert not Delegation.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"delegate": "SELF"}, "delegate"),
        ({"delegate": 999999}, "delegate"),
        ({"end_date": "2000-01-01"}, "end_date"),
        ({"start_date": "01/02/2026"}, "start_date"),
        ({"approver": 999999}, "approver"),
    ],
)
def test_bad_delegations_are_400(api, finance, other_rep, change, field):
    payload = {
        "delegate": other_rep.pk,
        "start_date": today().isoformat(),
        "end_date": (today() + dt.timedelta(days=1)).isoformat(),
        **change,
    }
    if payload["delegate"] == "SELF":
        payload["delegate"] = finance.pk
    api.force_authenticate(finance)
    response = api.post(DELEGATIONS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"], response.json()
    assert not Delegation.objects.exists()


def test_revoke_by_the_approver(api, finance, other_rep):
    delegation = DelegationFactory(approver=finance, delegate=other_rep)
    api.force_authenticate(finance)
    response = api.post(f"{DELEGATIONS}{delegation.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["revoked_at"] and response.json()["is_current"] is False
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_the_delegate_may_not_revoke_and_a_stranger_does_not_see_it(api, finance, other_rep, gm):
    delegation = DelegationFactory(approver=finance, delegate=other_rep)
    api.force_authenticate(other_rep)
    response = api.post(f"{DELEGATIONS}{delegation.pk}/revoke/")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    api.force_authenticate(gm)
    response = api.post(f"{DELEGATIONS}{delegation.pk}/revoke/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


def test_an_admin_revokes_any_delegation(api, admin_user, finance, other_rep):
    delegation = DelegationFactory(approver=finance, delegate=other_rep)
    api.force_authenticate(admin_user)
    assert api.post(f"{DELEGATIONS}{delegation.pk}/revoke/").status_code == 200


# --- schema -------------------------------------------------------------------------------------


def test_the_endpoints_are_in_the_schema(api, rep):
    api.force_authenticate(rep)
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    for path in [
        "/api/v1/approvals/policy/",
        "/api/v1/approvals/inbox/",
        "/api/v1/approvals/decisions/",
        "/api/v1/approvals/delegations/",
        "/api/v1/approvals/delegations/{id}/revoke/",
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/read/",
        "/api/v1/notifications/read-all/",
    ]:
        assert path in paths
    assert "post" in paths["/api/v1/approvals/decisions/"]
