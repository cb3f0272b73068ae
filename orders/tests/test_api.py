from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from orders.enums import OrderStatus
from orders.models import Order, OrderEvent
from orders.services import order_approve, order_submit
from tests.factories import CustomerFactory, ProductFactory, UserFactory

from .helpers import draft_order, force_status, shippable_customer

pytestmark = pytest.mark.django_db
S = OrderStatus


def url(order_id=None, suffix=""):
    base = "/api/v1/orders/"
    return f"{base}{order_id}/{suffix}" if order_id else base


def create_payload(customer, product, **extra):
    return {
        "customer": customer.pk,
        "order_date": "2026-11-22",
        "required_date": "2026-12-10",
        "lines": [{"product": product.pk, "quantity": "3", "unit_price": "1130.00"}],
        **extra,
    }


def test_token_auth_round_trip(api, rep):
    response = api.post(
        "/api/v1/auth/token/", {"username": "rep", "password": "pass-1234"}, format="json"
    )
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get(url()).status_code == 200


def test_anonymous_gets_401_with_error_body(api):
    response = api.get(url())
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_create_with_nested_lines_returns_the_full_order(api, rep):
    customer = CustomerFactory(account_manager=rep)
    api.force_authenticate(rep)
    response = api.post(url(), create_payload(customer, ProductFactory()), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "SO20261122001"
    assert (body["status"], body["status_display"]) == ("draft", "Draft")
    assert body["total"] == "3390.00"
    assert body["total_in_words"] == "叁仟叁佰玖拾元整"
    assert body["lines"][0]["amount_excl"] == "3000.00"
    assert sorted(body["available_transitions"]) == ["cancel", "submit"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": [{"product": 0, "quantity": "1"}]}, "lines.0.product"),
        ({"lines": [{"product": "PRODUCT", "quantity": "-2"}]}, "lines.0.quantity"),
        ({"customer": None}, "customer"),
        ({"order_date": "22/11/2026"}, "order_date"),
        ({"required_date": "2026-02-30"}, "required_date"),
        (
            {"lines": [{"product": "PRODUCT", "quantity": "1", "unit_price": "-1"}]},
            "lines.0.unit_price",
        ),
        ({"lines": [{"product": "PRODUCT", "quantity": "abc"}]}, "lines.0.quantity"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(api, rep, change, field):
    product = ProductFactory()
    payload = {**create_payload(CustomerFactory(account_manager=rep), product), **change}
    for line in payload.get("lines", []):
        if line.get("product") == "PRODUCT":
            line["product"] = product.pk
    api.force_authenticate(rep)
    response = api.post(url(), payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["extra"]["fields"], body
    assert Order.objects.count() == 0


def test_error_messages_follow_the_users_language(api, rep):
    api.force_authenticate(rep)
    payload = create_payload(CustomerFactory(account_manager=rep), ProductFactory())
    payload["lines"][0]["quantity"] = "0"
    response = api.post(url(), payload, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["lines.0.quantity"] == ["数量必须大于零。"]


def test_rep_lists_only_own_orders_and_gets_404_for_others(api, rep, other_rep, sales_head):
    mine = draft_order(rep)
    theirs = draft_order(other_rep)
    api.force_authenticate(rep)
    numbers = [o["number"] for o in api.get(url()).json()["results"]]
    assert numbers == [mine.number]
    response = api.get(url(theirs.pk))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api.post(url(theirs.pk, "transitions/submit/"), {}, format="json").status_code == 404
    assert api.get(url(theirs.pk, "events/")).status_code == 404
    api.force_authenticate(sales_head)
    assert {o["number"] for o in api.get(url()).json()["results"]} == {mine.number, theirs.number}


@pytest.mark.parametrize("role", [Role.FINANCE, Role.PRODUCTION, Role.WAREHOUSE, Role.GM])
def test_wrong_role_cannot_create_or_edit(api, rep, role):
    user = UserFactory(roles=[role])
    api.force_authenticate(user)
    payload = create_payload(CustomerFactory(account_manager=rep), ProductFactory())
    response = api.post(url(), payload, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    order = draft_order(rep)
    response = api.patch(url(order.pk), {"remarks": "x"}, format="json")
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).remarks == ""


def test_patch_updates_a_draft_and_refuses_status(api, rep):
    order = draft_order(rep)
    api.force_authenticate(rep)
    response = api.patch(
        url(order.pk), {"remarks": "加急", "status": "approved", "freight": "20"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["remarks"], body["total"]) == ("draft", "加急", "2280.00")


def test_patch_after_submission_is_409(api, rep):
    order = order_submit(order=draft_order(rep), actor=rep)
    api.force_authenticate(rep)
    response = api.patch(url(order.pk), {"remarks": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_transition_endpoint_and_event_trail(api, rep, sales_head):
    order = draft_order(rep)
    api.force_authenticate(rep)
    response = api.post(url(order.pk, "transitions/submit/"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "sales_review"
    assert response.json()["available_transitions"] == ["cancel"]
    api.force_authenticate(sales_head)
    assert set(api.get(url(order.pk)).json()["available_transitions"]) == {
        "approve",
        "reject",
        "cancel",
    }
    response = api.post(url(order.pk, "transitions/reject/"), {}, format="json")
    assert response.status_code == 400
    assert "comment" in response.json()["extra"]["fields"]
    response = api.post(url(order.pk, "transitions/reject/"), {"comment": "缺附件"}, format="json")
    assert response.json()["status"] == "rejected"
    events = api.get(url(order.pk, "events/")).json()
    assert [(e["transition"], e["to_status"], e["actor_name"]) for e in events] == [
        ("", "draft", "rep"),
        ("submit", "sales_review", "rep"),
        ("reject", "rejected", "head"),
    ]
    assert events[-1]["comment"] == "缺附件"


def test_unknown_and_impossible_transitions(api, rep):
    order = draft_order(rep)
    api.force_authenticate(rep)
    response = api.post(url(order.pk, "transitions/teleport/"), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert "name" in response.json()["extra"]["fields"]
    response = api.post(url(order.pk, "transitions/settle/"), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    response = api.post(
        url(order.pk, "transitions/cancel_approved/"), {"comment": "x"}, format="json"
    )
    assert response.status_code == 400
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_wrong_role_transition_is_403_and_changes_nothing(api, rep, finance):
    order = order_submit(order=draft_order(rep), actor=rep)
    api.force_authenticate(finance)
    response = api.post(url(order.pk, "transitions/approve/"), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert Order.objects.get(pk=order.pk).status == S.SALES_REVIEW


def test_expected_status_mismatch_is_409(api, rep, sales_head, finance):
    order = order_submit(order=draft_order(rep), actor=rep)
    order_approve(order=order, actor=sales_head)
    api.force_authenticate(finance)
    response = api.post(
        url(order.pk, "transitions/approve/"), {"expected_status": "sales_review"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "concurrent_modification")


def test_partial_shipment_through_the_api(api, rep, warehouse):
    order = force_status(
        draft_order(
            rep,
            customer=shippable_customer(rep),
            lines=[{"product": ProductFactory(), "quantity": Decimal("5")}],
        ),
        S.READY_TO_SHIP,
    )
    line = order.lines.get()
    api.force_authenticate(warehouse)
    response = api.post(
        url(order.pk, "transitions/ship/"),
        {"lines": [{"line": line.pk, "quantity": "9"}]},
        format="json",
    )
    assert response.status_code == 400
    assert f"lines.{line.pk}" in response.json()["extra"]["fields"]
    response = api.post(
        url(order.pk, "transitions/ship/"),
        {"lines": [{"line": line.pk, "quantity": "2"}], "shipped_on": "2026-11-20"},
        format="json",
    )
    body = response.json()
    assert (body["status"], body["lines"][0]["open_quantity"]) == ("partially_shipped", "3.000")
    assert body["lines"][0]["last_ship_date"] == "2026-11-20"


def test_list_filters(api, rep):
    customer = CustomerFactory(account_manager=rep, name="杭州甲公司")
    product = ProductFactory(code="VX-900", name="闸阀")
    a = draft_order(rep, customer=customer, lines=[{"product": product, "quantity": 1}])
    b = order_submit(order=draft_order(rep), actor=rep)
    api.force_authenticate(rep)

    def numbers(query):
        return sorted(o["number"] for o in api.get(url() + query).json()["results"])

    assert numbers("?status=sales_review") == [b.number]
    assert numbers("?status=draft&status=sales_review") == sorted([a.number, b.number])
    assert numbers("?q=VX-9") == [a.number]
    assert numbers("?q=杭州甲") == [a.number]
    assert numbers(f"?customer={customer.pk}") == [a.number]
    assert numbers("?date_from=2099-01-01") == []
    assert api.get(url() + "?date_from=notadate").status_code == 400


def test_list_query_count_does_not_grow_with_the_page(api, rep, sales_head):
    def count_queries(n):
        for _ in range(n):
            order_submit(order=draft_order(rep), actor=rep)
        api.force_authenticate(type(sales_head).objects.get(pk=sales_head.pk))  # no role cache
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(url() + "?page_size=100")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = count_queries(2)
    large = count_queries(20)
    assert small == large
    assert large <= 8


def test_schema_documents_the_order_endpoints(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/orders/",
        "/api/v1/orders/{id}/transitions/{name}/",
        "/api/v1/orders/{id}/events/",
        "/api/v1/auth/token/",
    ):
        assert path in text


@pytest.mark.parametrize("name", ["hold", "resume", "cancel_approved"])
def test_hold_resume_and_approved_cancel_only_through_change_requests(api, rep, sales_head, name):
    order = force_status(draft_order(rep), S.APPROVED if name != "resume" else S.ON_HOLD)
    api.force_authenticate(sales_head)
    response = api.post(url(order.pk, f"transitions/{name}/"), {"comment": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert name not in api.get(url(order.pk)).json()["available_transitions"]
    assert Order.objects.get(pk=order.pk).status == order.status
