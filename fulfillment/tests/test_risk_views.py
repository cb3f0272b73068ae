"""Risk-shipment request pages (风险发货申请): ask, decide (finance, then the GM), withdraw; who
sees and does what, and refusals that change nothing."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fulfillment.enums import RiskRequestStatus
from fulfillment.models import RiskShipmentDecision, RiskShipmentRequest
from fulfillment.services import stock_receive
from fulfillment.services.risk import risk_request_create, risk_request_decide
from orders.enums import OrderStatus
from tests.factories import UserFactory

from .conftest import approve_fully, order_of, role_matrix, user

pytestmark = pytest.mark.django_db
R = RiskRequestStatus


@pytest.fixture
def prepaid(rep, warehouse, mts):
    """Ready to ship, prepayment not received: the gate blocks it."""
    stock_receive(product=mts, quantity=Decimal("100"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "4"), settlement_method="prepayment"))
    assert order.status == OrderStatus.READY_TO_SHIP
    return order


@pytest.fixture
def risk(rep, prepaid):
    return risk_request_create(order=prepaid, actor=rep, reason="老客户，月底前付款")


def create_url(order):
    return reverse("fulfillment:risk_create", args=[order.pk])


def detail_url(risk):
    return reverse("fulfillment:risk_detail", args=[risk.pk])


def decide(client, risk, decision, comment="", expected=None):
    return client.post(
        reverse("fulfillment:risk_decide", args=[risk.pk]),
        {"decision": decision, "comment": comment, "expected_status": expected or risk.status},
    )


# --- asking --------------------------------------------------------------------------------------
@role_matrix(403, rep=200, other_rep=404, sales_head=200, admin_user=200)
def test_create_matrix(client, request, prepaid, who, status):
    client.force_login(user(request, who))
    assert client.get(create_url(prepaid)).status_code == status
    response = client.post(create_url(prepaid), {"reason": "客户承诺本周付款"})
    assert response.status_code == (302 if status == 200 else status)
    assert RiskShipmentRequest.objects.exists() is (status == 200)


def test_create_shows_the_gate_reasons_and_exposure(client, rep, prepaid):
    client.force_login(rep)
    html = client.get(create_url(prepaid)).content.decode()
    gate = html.split('data-testid="risk-gate"')[1].split("</dl>")[0]
    assert "Prepayment required" in gate
    assert "¥" in gate.split('data-testid="risk-exposure"')[1]
    assert not re.search(r'data-testid="risk-submit"[^>]*disabled', html)


def test_create_records_the_request_and_goes_to_it(client, rep, prepaid):
    client.force_login(rep)
    response = client.post(create_url(prepaid), {"reason": "客户承诺本周付款"})
    risk = RiskShipmentRequest.objects.get()
    assert response["Location"] == detail_url(risk)
    assert (risk.status, risk.reason, risk.requested_by, risk.gate_reasons) == (
        R.FINANCE,
        "客户承诺本周付款",
        rep,
        ["prepayment"],
    )
    page = client.get(detail_url(risk)).content.decode()
    assert "Waiting for finance" in page and 'data-testid="risk-withdraw"' in page
    assert 'data-testid="risk-decide"' not in page  # never on one's own request


def test_create_without_a_reason_changes_nothing(client, rep, prepaid):
    client.force_login(rep)
    response = client.post(create_url(prepaid), {"reason": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-reason"' in html and "Explain why the order should ship" in html
    assert not RiskShipmentRequest.objects.exists()


def test_second_request_while_one_is_open_is_refused(client, rep, risk, prepaid):
    client.force_login(rep)
    html = client.get(create_url(prepaid)).content.decode()
    assert detail_url(risk) in html
    assert re.search(r'data-testid="risk-submit"[^>]*disabled', html)
    response = client.post(create_url(prepaid), {"reason": "再次申请"})
    assert response.status_code == 400
    assert "already waiting for a decision" in response.content.decode()
    assert RiskShipmentRequest.objects.count() == 1


def test_no_request_needed_when_nothing_blocks(client, rep, warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "4")))
    client.force_login(rep)
    html = client.get(create_url(order)).content.decode()
    assert 'data-testid="risk-not-needed"' in html
    assert re.search(r'data-testid="risk-submit"[^>]*disabled', html)
    response = client.post(create_url(order), {"reason": "以防万一"})
    assert response.status_code == 400
    assert "no request is needed" in response.content.decode()
    assert not RiskShipmentRequest.objects.exists()


# --- seeing -------------------------------------------------------------------------------------
@role_matrix(200, other_rep=404)
def test_detail_matrix(client, request, risk, who, status):
    client.force_login(user(request, who))
    assert client.get(detail_url(risk)).status_code == status


def test_list_puts_what_waits_for_me_first(client, rep, finance, gm, risk):
    client.force_login(finance)
    html = client.get(reverse("fulfillment:risk_list")).content.decode()
    waiting = html.split('data-testid="risk-waiting"')[1].split("</section>")[0]
    assert detail_url(risk) in waiting
    client.force_login(gm)  # the GM's turn comes after finance
    html = client.get(reverse("fulfillment:risk_list")).content.decode()
    assert 'data-testid="risk-waiting"' not in html
    assert detail_url(risk) in html  # but sees it among all requests
    risk_request_decide(request=risk, actor=finance, decision="approve")
    html = client.get(reverse("fulfillment:risk_list")).content.decode()
    assert detail_url(risk) in html.split('data-testid="risk-waiting"')[1].split("</section>")[0]


def test_list_is_scoped_and_filtered(client, rep, other_rep, finance, warehouse, mts, risk):
    theirs = approve_fully(order_of(other_rep, (mts, "1"), settlement_method="prepayment"))
    other = risk_request_create(order=theirs, actor=other_rep, reason="急需")
    risk_request_decide(request=other, actor=finance, decision="reject", comment="先付款")
    url = reverse("fulfillment:risk_list")
    client.force_login(rep)
    html = client.get(url).content.decode()
    assert detail_url(risk) in html and detail_url(other) not in html
    client.force_login(finance)
    assert detail_url(other) in client.get(url).content.decode()
    assert detail_url(other) not in client.get(url, {"status": "open"}).content.decode()
    table = client.get(url, {"status": "rejected"}).content.decode()
    table = table.split('data-testid="risk-table"')[1]
    assert detail_url(other) in table and detail_url(risk) not in table
    table = (
        client.get(url, {"q": theirs.number}).content.decode().split('data-testid="risk-table"')[1]
    )
    assert detail_url(other) in table and detail_url(risk) not in table
    response = client.get(url, {"status": "nonsense", "page": "x"})
    assert response.status_code == 200


def test_list_query_count_does_not_grow_with_rows(client, finance, warehouse, mts, rep):
    stock_receive(product=mts, quantity=Decimal("100"), actor=warehouse)
    url = reverse("fulfillment:risk_list") + "?page_size=50"
    client.force_login(finance)

    def make(n):
        for _ in range(n):
            order = approve_fully(order_of(rep, (mts, "1"), settlement_method="prepayment"))
            risk_request_create(order=order, actor=rep, reason="急需")

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        rows = response.content.decode().count('data-testid="risk-row"')
        return len(ctx.captured_queries), rows

    make(5)
    few, rows = count()
    assert rows == 10  # each appears in "waiting for you" and in "all"
    make(25)
    many, rows = count()
    assert rows == 60
    assert many == few


# --- deciding -----------------------------------------------------------------------------------
def test_finance_then_gm_approve_and_the_order_may_ship(client, finance, gm, warehouse, risk):
    client.force_login(finance)
    page = client.get(detail_url(risk)).content.decode()
    assert 'data-testid="risk-decide"' in page
    response = decide(client, risk, "approve", "额度内")
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.status == R.GM
    client.force_login(gm)
    decide(client, risk, "approve")
    risk.refresh_from_db()
    assert risk.status == R.APPROVED
    assert list(risk.decisions.values_list("step", "decision", "actor")) == [
        ("finance_review", "approve", finance.pk),
        ("gm_review", "approve", gm.pk),
    ]
    page = client.get(detail_url(risk)).content.decode()
    assert "额度内" in page
    client.force_login(warehouse)
    ship = client.get(reverse("fulfillment:shipment_create", args=[risk.order_id])).content.decode()
    assert 'data-testid="gate-blocked"' not in ship
    assert 'data-testid="gate-risk-approved"' in ship


def test_reject_without_a_comment_changes_nothing(client, finance, risk):
    client.force_login(finance)
    response = decide(client, risk, "reject", "  ")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-comment"' in html and "Give a reason." in html
    risk.refresh_from_db()
    assert risk.status == R.FINANCE
    assert not RiskShipmentDecision.objects.exists()


def test_reject_with_a_comment_closes_the_request(client, finance, risk):
    client.force_login(finance)
    decide(client, risk, "reject", "请先付款")
    risk.refresh_from_db()
    assert risk.status == R.REJECTED and risk.closed_at is not None


def test_deciding_twice_is_a_clear_message_and_changes_nothing(client, finance, risk):
    client.force_login(finance)
    decide(client, risk, "approve")
    response = decide(client, risk, "approve", expected=R.FINANCE)  # the same page again
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was decided" in page and "Waiting for the general manager" in page
    assert RiskShipmentDecision.objects.count() == 1
    risk.refresh_from_db()
    assert risk.status == R.GM


@pytest.mark.parametrize("who", ["rep", "sales_head", "gm", "warehouse", "production"])
def test_who_may_not_decide_gets_403(client, request, risk, who):
    client.force_login(user(request, who))
    assert 'data-testid="risk-decide"' not in client.get(detail_url(risk)).content.decode()
    response = decide(client, risk, "approve")
    assert response.status_code == 403
    risk.refresh_from_db()
    assert risk.status == R.FINANCE
    assert not RiskShipmentDecision.objects.exists()


def test_other_rep_cannot_reach_the_decision(client, other_rep, risk):
    client.force_login(other_rep)
    assert decide(client, risk, "approve").status_code == 404


def test_bad_decision_value_is_a_form_error(client, finance, risk):
    client.force_login(finance)
    response = decide(client, risk, "maybe")
    assert response.status_code == 400
    assert not RiskShipmentDecision.objects.exists()


def test_finance_who_requested_may_not_decide(client, rep, prepaid):
    both = UserFactory(username="head-finance", roles=["sales_head", "finance"])
    risk = risk_request_create(order=prepaid, actor=both, reason="急需")
    client.force_login(both)
    assert 'data-testid="risk-decide"' not in client.get(detail_url(risk)).content.decode()
    html = client.get(reverse("fulfillment:risk_list")).content.decode()
    assert 'data-testid="risk-waiting"' not in html


# --- withdrawing ------------------------------------------------------------------------------
def test_requester_withdraws(client, rep, risk):
    client.force_login(rep)
    response = client.post(reverse("fulfillment:risk_withdraw", args=[risk.pk]))
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.status == R.WITHDRAWN
    again = client.post(reverse("fulfillment:risk_withdraw", args=[risk.pk]), follow=True)
    assert "Nothing was withdrawn" in again.content.decode()


def test_others_may_not_withdraw(client, finance, risk):
    client.force_login(finance)
    assert 'data-testid="risk-withdraw"' not in client.get(detail_url(risk)).content.decode()
    response = client.post(reverse("fulfillment:risk_withdraw", args=[risk.pk]))
    assert response.status_code == 403
    risk.refresh_from_db()
    assert risk.status == R.FINANCE


def test_decide_and_withdraw_take_only_post(client, rep, finance, risk):
    client.force_login(finance)
    assert client.get(reverse("fulfillment:risk_decide", args=[risk.pk])).status_code == 405
    client.force_login(rep)
    assert client.get(reverse("fulfillment:risk_withdraw", args=[risk.pk])).status_code == 405


def test_no_request_for_a_shipped_order(client, rep, prepaid):
    from orders.tests.helpers import force_status

    shipped = force_status(prepaid, OrderStatus.SHIPPED)
    client.force_login(rep)
    html = client.get(create_url(shipped)).content.decode()
    assert 'data-testid="risk-not-requestable"' in html
    assert re.search(r'data-testid="risk-submit"[^>]*disabled', html)
    response = client.post(create_url(shipped), {"reason": "补申请"})
    assert response.status_code == 400
    assert "only before the order is fully shipped" in response.content.decode()
    assert not RiskShipmentRequest.objects.exists()
