"""Change requests through the API and the order page (REQUIREMENTS §5, DESIGN §6-§7)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from approvals.models import Delegation
from core.roles import Role
from orders.enums import ChangeKind, ChangeRequestStatus, OrderStatus
from orders.models import ChangeRequest, Order, OrderRevision
from orders.services.change_requests import change_request_create, change_request_decide
from tests.factories import ProductFactory, UserFactory

from .helpers import draft_order, force_status

pytestmark = pytest.mark.django_db
S = OrderStatus
K = ChangeKind
CR = ChangeRequestStatus


@pytest.fixture
def order(rep):
    draft = draft_order(
        rep,
        lines=[
            {"product": ProductFactory(), "quantity": Decimal("2"), "unit_price": Decimal("1130")},
            {"product": ProductFactory(), "quantity": Decimal("10"), "unit_price": Decimal("50")},
        ],
        order_date=datetime.date(2026, 11, 2),
        promised_date=datetime.date(2026, 12, 1),
    )
    return force_status(draft, S.APPROVED)


@pytest.fixture
def pending(order, rep):
    """A quantity increase waiting for the sales head (then finance and the GM)."""
    line1, line2 = order.lines.order_by("sequence")
    return change_request_create(
        order=order,
        actor=rep,
        reason="客户追加",
        lines=[{"id": line1.pk, "quantity": Decimal("3")}, {"id": line2.pk}],
    )


def api_url(path: str) -> str:
    return f"/api/v1/{path}"


# --- API: the permission matrix ----------------------------------------------------------------
def test_anonymous_gets_401_everywhere(api, order, pending):
    for method, path in (
        ("get", f"orders/{order.pk}/change-requests/"),
        ("post", f"orders/{order.pk}/change-requests/"),
        ("get", f"orders/{order.pk}/revisions/"),
        ("get", f"change-requests/{pending.pk}/"),
        ("post", f"change-requests/{pending.pk}/decisions/"),
        ("post", f"change-requests/{pending.pk}/withdraw/"),
    ):
        response = getattr(api, method)(api_url(path), {}, format="json")
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"


def test_other_reps_order_is_not_found(api, order, pending, other_rep):
    api.force_authenticate(other_rep)
    for method, path in (
        ("get", f"orders/{order.pk}/change-requests/"),
        ("post", f"orders/{order.pk}/change-requests/"),
        ("get", f"orders/{order.pk}/revisions/"),
        ("get", f"change-requests/{pending.pk}/"),
        ("post", f"change-requests/{pending.pk}/decisions/"),
        ("post", f"change-requests/{pending.pk}/withdraw/"),
    ):
        response = getattr(api, method)(
            api_url(path), {"approve": True, "kind": "hold", "reason": "x"}, format="json"
        )
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert ChangeRequest.objects.count() == 1


def test_wrong_role_gets_403(api, order, pending, finance):
    api.force_authenticate(finance)
    response = api.post(
        api_url(f"orders/{order.pk}/change-requests/"),
        {"kind": "hold", "reason": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    response = api.post(
        api_url(f"change-requests/{pending.pk}/decisions/"), {"approve": True}, format="json"
    )
    assert response.status_code == 403
    assert ChangeRequest.objects.get(pk=pending.pk).current_step == S.SALES_REVIEW


def test_requester_cannot_decide_and_only_they_withdraw(api, pending, rep, sales_head):
    api.force_authenticate(rep)
    response = api.post(
        api_url(f"change-requests/{pending.pk}/decisions/"), {"approve": True}, format="json"
    )
    assert response.status_code == 403
    api.force_authenticate(sales_head)
    assert api.post(api_url(f"change-requests/{pending.pk}/withdraw/")).status_code == 403
    api.force_authenticate(rep)
    response = api.post(api_url(f"change-requests/{pending.pk}/withdraw/"))
    assert response.status_code == 200
    assert response.json()["status"] == CR.WITHDRAWN


# --- API: the flow -----------------------------------------------------------------------------
def test_create_change_through_the_api(api, order, rep):
    line1, line2 = order.lines.order_by("sequence")
    product = ProductFactory(list_price=Decimal("10"))
    api.force_authenticate(rep)
    response = api.post(
        api_url(f"orders/{order.pk}/change-requests/"),
        {
            "reason": "客户追加",
            "header": {"promised_date": "2026-12-09", "payment_terms": "月结30天"},
            "lines": [
                {"id": line1.pk, "quantity": "3"},
                {"id": line2.pk},
                {"product": product.pk, "quantity": "5"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["status"], body["category"]) == ("change", "pending", "increase")
    assert body["steps"] == ["sales_review", "finance_review", "gm_review"]
    assert body["current_step"] == "sales_review"
    assert body["diff"]["totals"]["total"] == {"before": "2760.00", "after": "3940.00"}
    assert [h["field"] for h in body["diff"]["header"]] == ["promised_date", "payment_terms"]
    assert body["may_decide"] is False
    listed = api.get(api_url(f"orders/{order.pk}/change-requests/")).json()
    assert [item["id"] for item in listed] == [body["id"]]


def test_validation_errors_name_the_line_fields(api, order, rep):
    line1, _line2 = order.lines.order_by("sequence")
    api.force_authenticate(rep)
    response = api.post(
        api_url(f"orders/{order.pk}/change-requests/"),
        {"reason": "", "lines": [{"id": line1.pk, "quantity": "0"}]},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "reason" in body["extra"]["fields"]
    response = api.post(
        api_url(f"orders/{order.pk}/change-requests/"),
        {"reason": "x", "lines": [{"id": line1.pk, "quantity": "0"}]},
        format="json",
    )
    assert set(response.json()["extra"]["fields"]) == {"lines.0.quantity"}
    assert not ChangeRequest.objects.exists()


def test_second_pending_request_is_a_conflict(api, order, pending, rep):
    api.force_authenticate(rep)
    response = api.post(
        api_url(f"orders/{order.pk}/change-requests/"),
        {"kind": "hold", "reason": "x"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_decisions_through_the_chain_then_revisions(api, order, pending, sales_head, finance, gm):
    url = api_url(f"change-requests/{pending.pk}/decisions/")
    api.force_authenticate(sales_head)
    body = api.get(api_url(f"change-requests/{pending.pk}/")).json()
    assert body["may_decide"] is True
    assert api.post(url, {"approve": True}, format="json").json()["current_step"] == (
        "finance_review"
    )
    api.force_authenticate(finance)
    api.post(url, {"approve": True, "expected_step": "finance_review"}, format="json")
    api.force_authenticate(gm)
    response = api.post(url, {"approve": True, "comment": "同意"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["revision"]) == ("approved", 1)
    assert [d["step"] for d in body["decisions"]] == ["sales_review", "finance_review", "gm_review"]
    revisions = api.get(api_url(f"orders/{order.pk}/revisions/")).json()
    assert [(r["number"], r["change_request_number"]) for r in revisions] == [(1, pending.number)]
    assert revisions[0]["after"]["header"]["total"] == "3890.00"
    assert api.get(api_url(f"orders/{order.pk}/")).json()["revision"] == 1


def test_reject_without_reason_is_400(api, pending, sales_head):
    api.force_authenticate(sales_head)
    response = api.post(
        api_url(f"change-requests/{pending.pk}/decisions/"), {"approve": False}, format="json"
    )
    assert response.status_code == 400
    assert "comment" in response.json()["extra"]["fields"]


def test_stale_decision_is_409(api, pending, sales_head):
    other_head = UserFactory(username="head2", roles=[Role.SALES_HEAD])
    url = api_url(f"change-requests/{pending.pk}/decisions/")
    api.force_authenticate(sales_head)
    api.post(url, {"approve": True}, format="json")
    api.force_authenticate(other_head)
    response = api.post(url, {"approve": True, "expected_step": "sales_review"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_modification"
    change_request_decide(
        request=ChangeRequest.objects.get(pk=pending.pk),
        actor=UserFactory(username="fin", roles=[Role.FINANCE]),
        approve=False,
        comment="no",
    )
    response = api.post(url, {"approve": True}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_hold_and_resume_through_the_api(api, order, rep, sales_head):
    api.force_authenticate(rep)
    created = api.post(
        api_url(f"orders/{order.pk}/change-requests/"),
        {"kind": "hold", "reason": "客户暂停"},
        format="json",
    ).json()
    assert (created["category"], created["steps"]) == ("hold", ["sales_review"])
    api.force_authenticate(sales_head)
    api.post(api_url(f"change-requests/{created['id']}/decisions/"), {"approve": True})
    assert Order.objects.get(pk=order.pk).status == S.ON_HOLD


def test_change_request_list_queries_do_not_grow(
    api, order, rep, sales_head, django_assert_max_num_queries
):
    for reason in ("a", "b", "c"):
        created = change_request_create(order=order, actor=rep, kind=K.HOLD, reason=reason)
        change_request_decide(request=created, actor=sales_head, approve=False, comment="no")
    api.force_authenticate(sales_head)
    with django_assert_max_num_queries(12):
        response = api.get(api_url(f"orders/{order.pk}/change-requests/"))
    assert len(response.json()) == 3


def test_schema_documents_the_endpoints(api, rep):
    api.force_authenticate(rep)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "/api/v1/orders/{id}/change-requests/",
        "/api/v1/orders/{id}/revisions/",
        "/api/v1/change-requests/{id}/",
        "/api/v1/change-requests/{id}/decisions/",
        "/api/v1/change-requests/{id}/withdraw/",
    ):
        assert path in schema["paths"], path


# --- the order page ----------------------------------------------------------------------------
def card_url(order):
    return reverse("orders:change_requests", args=[order.pk])


def test_order_page_loads_the_card(client, order, rep):
    client.force_login(rep)
    content = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f'hx-get="{card_url(order)}"' in content


def test_draft_order_page_has_no_card(client, rep):
    client.force_login(rep)
    draft = draft_order(rep)
    content = client.get(reverse("orders:detail", args=[draft.pk])).content.decode()
    assert 'data-testid="change-requests"' not in content


def test_card_for_the_owner_offers_requests(client, order, rep):
    client.force_login(rep)
    response = client.get(card_url(order), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert reverse("orders:change_request_form", args=[order.pk]) in content
    assert 'data-change="cancel"' in content and 'data-change="hold"' in content
    assert 'data-change="resume"' not in content


def test_card_with_a_pending_request(client, order, pending, rep, sales_head, finance):
    client.force_login(rep)
    content = client.get(card_url(order), HTTP_HX_REQUEST="true").content.decode()
    assert pending.number in content
    assert 'data-decision="withdraw"' in content and 'data-decision="approve"' not in content
    assert 'data-change="hold"' not in content  # one request at a time
    assert 'data-line-change="changed"' in content
    client.force_login(sales_head)
    content = client.get(card_url(order), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-decision="approve"' in content and 'data-decision="reject"' in content
    client.force_login(finance)  # not their step yet
    content = client.get(card_url(order), HTTP_HX_REQUEST="true").content.decode()
    assert pending.number in content and 'data-decision="approve"' not in content


def test_card_queries_do_not_grow_with_requests(
    client, order, rep, sales_head, django_assert_max_num_queries
):
    for reason in ("a", "b", "c", "d"):
        created = change_request_create(order=order, actor=rep, kind=K.HOLD, reason=reason)
        change_request_decide(request=created, actor=sales_head, approve=False, comment="no")
    change_request_create(order=order, actor=rep, kind=K.HOLD, reason="pending")
    client.force_login(sales_head)
    with django_assert_max_num_queries(12):
        response = client.get(card_url(order), HTTP_HX_REQUEST="true")
    assert response.content.decode().count('data-testid="change-request"') == 5


def test_card_without_htmx_is_a_page(client, order, rep):
    client.force_login(rep)
    response = client.get(card_url(order))
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_card_and_form_for_other_people(client, order, other_rep, finance):
    client.force_login(other_rep)
    assert client.get(card_url(order)).status_code == 404
    assert client.get(reverse("orders:change_request_form", args=[order.pk])).status_code == 404
    client.force_login(finance)
    assert client.get(reverse("orders:change_request_form", args=[order.pk])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, order):
    response = client.get(reverse("orders:change_request_form", args=[order.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def form_data(order, **extra) -> dict:
    line1, line2 = order.lines.order_by("sequence")
    data = {
        "required_date": "",
        "promised_date": "2026-12-01",
        "payment_due_date": "",
        "delivery_method": order.delivery_method,
        "invoice_type": order.invoice_type,
        "payment_terms": order.payment_terms,
        "ship_to_text": order.ship_to_text,
        "consignee": order.consignee,
        "consignee_phone": order.consignee_phone,
        "special_requirements": order.special_requirements,
        "remarks": order.remarks,
        "freight": "0",
        "discount": "0",
        f"qty_{line1.pk}": "2",
        f"price_{line1.pk}": "1130",
        f"remarks_{line1.pk}": "",
        f"qty_{line2.pk}": "10",
        f"price_{line2.pk}": "50",
        f"remarks_{line2.pk}": "",
        "new_rows": "2",
        "reason": "",
    }
    data.update(extra)
    return data


def test_form_renders_the_order(client, order, rep):
    client.force_login(rep)
    response = client.get(reverse("orders:change_request_form", args=[order.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    line1 = order.lines.order_by("sequence").first()
    assert f'name="qty_{line1.pk}" value="2"' in content
    assert 'value="2026-12-01"' in content


def test_form_preview_shows_the_diff_and_steps(client, order, rep):
    product = ProductFactory(code="NEW-1", list_price=Decimal("10"))
    client.force_login(rep)
    response = client.post(
        reverse("orders:change_request_form", args=[order.pk]),
        form_data(order, **{"new-0-product": product.code, "new-0-quantity": "4"}),
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="change-preview"' in content
    assert 'data-line-change="added"' in content
    assert "¥2,760.00" in content and "¥2,800.00" in content
    assert "Sales head review → Finance review → General manager review" in content
    assert not ChangeRequest.objects.exists()


def test_form_errors_are_shown_next_to_the_lines(client, order, rep):
    line1 = order.lines.order_by("sequence").first()
    client.force_login(rep)
    response = client.post(
        reverse("orders:change_request_form", args=[order.pk]),
        form_data(order, **{f"qty_{line1.pk}": "0", "new-0-product": "NOPE", "action": "send"}),
    )
    content = response.content.decode()
    assert "The quantity must be greater than zero." in content
    assert "No product with the code “NOPE”." in content
    assert not ChangeRequest.objects.exists()


def test_form_sends_the_request(client, order, rep):
    line2 = order.lines.order_by("sequence").last()
    client.force_login(rep)
    response = client.post(
        reverse("orders:change_request_form", args=[order.pk]),
        form_data(
            order, **{f"remove_{line2.pk}": "1", "reason": "客户不要第二项", "action": "send"}
        ),
    )
    assert response.status_code == 302
    created = ChangeRequest.objects.get()
    assert (created.category, created.steps) == ("other", ["sales_review"])
    assert [r["id"] for r in created.diff["lines"]["removed"]] == [line2.pk]


def test_reason_dialog_sends_a_hold_request(client, order, rep):
    client.force_login(rep)
    url = reverse("orders:change_request_simple", args=[order.pk])
    response = client.post(url, {"kind": "hold", "reason": "暂停备货"})
    assert response.status_code == 302
    assert ChangeRequest.objects.get().kind == K.HOLD
    client.post(url, {"kind": "cancel", "reason": ""})
    assert ChangeRequest.objects.count() == 1


def test_decide_and_withdraw_from_the_page(client, order, pending, rep, sales_head):
    client.force_login(sales_head)
    url = reverse("orders:change_request_decide", args=[pending.pk])
    response = client.post(url, {"decision": "approve", "expected_step": "sales_review"})
    assert response.status_code == 302
    assert ChangeRequest.objects.get(pk=pending.pk).current_step == S.FINANCE_REVIEW
    # The same page sent twice: nothing more happens.
    client.post(url, {"decision": "approve", "expected_step": "sales_review"})
    assert ChangeRequest.objects.get(pk=pending.pk).decisions.count() == 1
    client.force_login(rep)
    client.post(reverse("orders:change_request_withdraw", args=[pending.pk]))
    assert ChangeRequest.objects.get(pk=pending.pk).status == CR.WITHDRAWN
    assert not OrderRevision.objects.exists()


def test_delegate_sees_the_request_page_and_decides(client, rep):
    head = UserFactory(username="head-away", roles=[Role.SALES_HEAD])
    stand_in = UserFactory(username="standin", roles=[Role.SALES_REP])
    Delegation.objects.create(
        approver=head,
        delegate=stand_in,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2099, 1, 1),
    )
    approved = force_status(draft_order(rep), S.APPROVED)
    created = change_request_create(order=approved, actor=rep, kind=K.HOLD, reason="暂停")
    client.force_login(stand_in)
    page = client.get(reverse("orders:change_request", args=[created.pk]))
    assert page.status_code == 200 and 'data-decision="approve"' in page.content.decode()
    client.post(reverse("orders:change_request_decide", args=[created.pk]), {"decision": "approve"})
    decision = ChangeRequest.objects.get(pk=created.pk).decisions.get()
    assert (decision.actor, decision.on_behalf_of) == (stand_in, head)
    assert Order.objects.get(pk=approved.pk).status == S.ON_HOLD


# --- concurrency (PostgreSQL) --------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_decisions_on_one_step_one_wins():
    from rest_framework.test import APIClient

    from orders.models import ChangeRequestDecision, OrderEvent
    from tests.test_concurrency import run_in_threads

    rep = UserFactory(roles=[Role.SALES_REP])
    heads = [UserFactory(roles=[Role.SALES_HEAD]) for _ in range(10)]
    approved = force_status(draft_order(rep), S.APPROVED)
    created = change_request_create(order=approved, actor=rep, kind=K.HOLD, reason="暂停")

    def approve(user):
        def call():
            client = APIClient()
            client.force_authenticate(user)
            response = client.post(
                f"/api/v1/change-requests/{created.pk}/decisions/",
                {"approve": True},
                format="json",
            )
            return response.status_code, response.json()

        return call

    results = run_in_threads([approve(head) for head in heads])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(status for status, _ in results) == [200] + [409] * 9, results
    assert ChangeRequestDecision.objects.filter(request=created).count() == 1
    assert OrderEvent.objects.filter(order=approved, transition="hold").count() == 1
    assert Order.objects.get(pk=approved.pk).status == S.ON_HOLD


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_requests_on_one_order_one_is_made():
    from rest_framework.test import APIClient

    from tests.test_concurrency import run_in_threads

    rep = UserFactory(roles=[Role.SALES_REP])
    approved = force_status(draft_order(rep), S.APPROVED)

    def ask(n):
        def call():
            client = APIClient()
            client.force_authenticate(rep)
            response = client.post(
                f"/api/v1/orders/{approved.pk}/change-requests/",
                {"kind": "hold", "reason": f"#{n}"},
                format="json",
            )
            return response.status_code

        return call

    results = run_in_threads([ask(n) for n in range(10)])
    assert sorted(results) == [201] + [409] * 9, results
    assert ChangeRequest.objects.filter(order=approved).count() == 1
