import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.enums import OrderStatus
from orders.services import order_submit
from tests.factories import CustomerFactory, ProductFactory

from .helpers import draft_order, force_status

pytestmark = pytest.mark.django_db
S = OrderStatus


def numbers_in(response) -> list[str]:
    return re.findall(r">(SO\d{11})</a>", response.content.decode())


def test_anonymous_is_sent_to_sign_in(client):
    for url in ("/", "/orders/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_rep_sees_only_own_orders(client, rep, other_rep):
    mine = draft_order(rep)
    draft_order(other_rep)
    client.force_login(rep)
    response = client.get("/orders/")
    assert numbers_in(response) == [mine.number]
    assert 'id="f-owner"' not in response.content.decode()  # no owner filter for a rep


def test_filters_search_and_sorting(client, rep, sales_head):
    customer = CustomerFactory(account_manager=rep, name="宁波乙公司")
    a = draft_order(
        rep, customer=customer, lines=[{"product": ProductFactory(code="MX-1"), "quantity": 1}]
    )
    b = order_submit(order=draft_order(rep), actor=rep)
    c = force_status(draft_order(rep), S.APPROVED)
    client.force_login(sales_head)
    assert numbers_in(client.get("/orders/?status=sales_review")) == [b.number]
    assert sorted(numbers_in(client.get("/orders/?status=draft&status=approved"))) == sorted(
        [a.number, c.number]
    )
    assert numbers_in(client.get("/orders/?q=MX-1")) == [a.number]
    assert numbers_in(client.get("/orders/?customer_name=宁波乙")) == [a.number]
    ascending = numbers_in(client.get("/orders/?sort=number"))
    assert ascending == sorted([a.number, b.number, c.number])
    assert numbers_in(client.get("/orders/?sort=-number")) == ascending[::-1]


def test_bad_filter_input_gives_a_message_not_an_error(client, rep):
    draft_order(rep)
    client.force_login(rep)
    response = client.get("/orders/?date_from=2026-13-45&page=abc&page_size=7&sort=nonsense")
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert numbers_in(response) == []


def test_htmx_request_gets_only_the_results(client, rep):
    draft_order(rep)
    client.force_login(rep)
    response = client.get("/orders/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="order-results">')
    assert "<nav" not in html.split('id="order-results"')[0]


def test_pagination_in_the_database_with_fixed_query_count(client, rep):
    client.force_login(rep)

    def queries_for_page():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/orders/?page_size=25")
        assert response.status_code == 200
        return len(ctx.captured_queries), response

    customer = CustomerFactory(account_manager=rep)
    for _ in range(3):
        draft_order(rep, customer=customer)
    small, _ = queries_for_page()
    for _ in range(30):
        draft_order(rep, customer=customer)
    large, response = queries_for_page()
    assert small == large
    assert len(numbers_in(response)) == 25
    assert "33 orders" in response.content.decode()
    assert len(numbers_in(client.get("/orders/?page_size=25&page=2"))) == 8


def test_home_counts_per_role(client, rep, sales_head):
    draft_order(rep)
    draft_order(rep)
    order_submit(order=draft_order(rep), actor=rep)
    force_status(draft_order(rep), S.REJECTED)
    client.force_login(rep)
    html = client.get("/").content.decode()

    def card(key):
        match = re.search(rf'data-testid="card-{key}".*?display-6[^>]*>(\d+)<', html, re.S)
        return int(match.group(1)) if match else None

    assert (card("drafts"), card("rejected"), card("in_review"), card("my_step")) == (2, 1, 1, None)
    client.force_login(sales_head)
    html = client.get("/").content.decode()
    assert card("my_step") == 1
    assert "/orders/?status=sales_review" in html


def test_language_switch_to_chinese(client, rep):
    client.force_login(rep)
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/orders/"})
    assert response.status_code == 302
    html = client.get("/orders/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "销售订单" in html
