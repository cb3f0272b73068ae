"""Stock page, API and the order-form hint: who may see and do what (ISSUE 5 item 1)."""

from decimal import Decimal

import pytest

from core.roles import Role
from fulfillment.models import StockItem
from fulfillment.selectors import availability
from fulfillment.services import stock_receive
from orders.views.entry import line_availability
from tests.factories import ProductFactory, UserFactory

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db

VIEWERS = [Role.WAREHOUSE, Role.PRODUCTION, Role.SALES_HEAD, Role.GM, Role.ADMIN]
NOT_VIEWERS = [Role.SALES_REP, Role.FINANCE]


@pytest.mark.parametrize(
    "role, status", [(r, 200) for r in VIEWERS] + [(r, 403) for r in NOT_VIEWERS]
)
def test_stock_page_matrix(client, role, status, warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("12"), actor=warehouse)
    client.force_login(UserFactory(roles=[role]))

    response = client.get("/fulfillment/stock/")

    assert response.status_code == status
    if status == 200:
        assert mts.code in response.content.decode()


@pytest.mark.parametrize(
    "role, shows_form",
    [(Role.WAREHOUSE, True), (Role.ADMIN, True), (Role.PRODUCTION, True), (Role.GM, False)],
)
def test_receive_form_only_for_stock_keepers(client, role, shows_form):
    client.force_login(UserFactory(roles=[role]))
    page = client.get("/fulfillment/stock/").content.decode()
    assert ('data-testid="stock-receive"' in page) is shows_form


def test_receive_through_the_page(client, warehouse, mts):
    client.force_login(warehouse)
    response = client.post(
        "/fulfillment/stock/", {"product": mts.pk, "quantity": "7", "reference": "GR-9"}
    )
    assert response.status_code == 302
    assert StockItem.objects.get(product=mts).on_hand == Decimal("7")


def test_gm_may_not_post_a_receipt(client, gm, mts):
    client.force_login(gm)
    response = client.post("/fulfillment/stock/", {"product": mts.pk, "quantity": "7"})
    assert response.status_code == 403
    assert not StockItem.objects.exists()


def test_stock_page_searches_and_paginates_in_the_database(
    client, warehouse, django_assert_max_num_queries
):
    for n in range(30):
        stock_receive(product=ProductFactory(code=f"SRCH{n:02d}"), quantity=1, actor=warehouse)
    stock_receive(product=ProductFactory(code="OTHER"), quantity=1, actor=warehouse)
    client.force_login(warehouse)

    with django_assert_max_num_queries(12):
        page = client.get("/fulfillment/stock/?q=SRCH").content.decode()
    table = page.split('data-testid="stock-table"')[1].split("</table>")[0]
    assert "SRCH00" in table
    assert "OTHER" not in table
    assert "SRCH29" not in table  # on the next page
    assert "Page 1 of 2" in page


@pytest.mark.parametrize(
    "role, status", [(r, 200) for r in VIEWERS] + [(r, 403) for r in NOT_VIEWERS]
)
def test_stock_api_matrix(api, role, status, warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("12"), actor=warehouse)
    api.force_authenticate(UserFactory(roles=[role]))

    response = api.get("/api/v1/stock/")

    assert response.status_code == status
    if status == 200:
        row = response.json()["results"][0]
        assert (row["product_code"], row["on_hand"], row["available"]) == (
            mts.code,
            "12.000",
            "12.000",
        )


def test_stock_api_filters_short(api, warehouse, rep, mts, mto):
    stock_receive(product=mts, quantity=Decimal("2"), actor=warehouse)
    stock_receive(product=mto, quantity=Decimal("2"), actor=warehouse)
    approve_fully(order_of(rep, (mts, "2")))
    api.force_authenticate(warehouse)

    short = api.get("/api/v1/stock/", {"short": "true"}).json()["results"]
    assert [r["product"] for r in short] == [mts.pk]
    by_product = api.get("/api/v1/stock/", {"product": mto.pk}).json()["results"]
    assert [r["product"] for r in by_product] == [mto.pk]


@pytest.mark.parametrize(
    "role, status",
    [
        (Role.WAREHOUSE, 201),
        (Role.PRODUCTION, 201),
        (Role.ADMIN, 201),
        (Role.SALES_REP, 403),
        (Role.GM, 403),
    ],
)
def test_receipt_api_matrix(api, role, status, mts):
    api.force_authenticate(UserFactory(roles=[role]))

    response = api.post(
        "/api/v1/stock/receipts/", {"product": mts.pk, "quantity": "3"}, format="json"
    )

    assert response.status_code == status
    assert StockItem.objects.filter(product=mts, on_hand=3).exists() is (status == 201)


def test_receipt_api_refuses_a_negative_quantity(api, warehouse, mts):
    api.force_authenticate(warehouse)
    response = api.post(
        "/api/v1/stock/receipts/", {"product": mts.pk, "quantity": "-3"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_order_reservations_api(api, warehouse, rep, other_rep, mts):
    stock_receive(product=mts, quantity=Decimal("3"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "5")))

    api.force_authenticate(rep)
    response = api.get(f"/api/v1/orders/{order.pk}/reservations/")
    assert response.status_code == 200
    row = response.json()[0]
    assert (row["open_quantity"], row["reserved"], row["short"]) == ("5.000", "3.000", "2.000")

    api.force_authenticate(other_rep)
    assert api.get(f"/api/v1/orders/{order.pk}/reservations/").status_code == 404


def test_order_form_hint(warehouse, mts, mto):
    date = availability(mts).replenishment_date.isoformat()
    assert (
        line_availability(mts, availability(mts))
        == f"Make to stock · Short: 0 available, replenishment by {date}"
    )
    stock_receive(product=mts, quantity=Decimal("12"), actor=warehouse)
    assert line_availability(mts, availability(mts)) == "Make to stock · In stock: 12 台 available"
    assert line_availability(mts) == "Make to stock"
    assert line_availability(mto) == "Make to order (standard cycle 15 working days)"


def test_order_form_totals_show_the_stock_hint(client, rep, warehouse, mts):
    from orders.tests.test_entry_views import form_data

    stock_receive(product=mts, quantity=Decimal("12"), actor=warehouse)
    client.force_login(rep)
    response = client.post(
        "/orders/entry/totals/", form_data(None, [{"product": mts, "quantity": "1"}])
    )
    assert "In stock: 12 台 available" in response.content.decode()
