"""Numbers that used to slip past the checks (review findings): never a 500, nothing saved."""

from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from orders.enums import OrderStatus
from orders.models import Order
from orders.services import order_create, order_ship
from tests.factories import CustomerFactory, ProductFactory

from .helpers import draft_order, force_status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": "NaN"}, "lines.0.quantity"),
        ({"quantity": "1e30"}, "lines.0.quantity"),
        ({"quantity": Decimal("2.0006")}, "lines.0.quantity"),
        ({"unit_price": "Infinity"}, "lines.0.unit_price"),
        ({"unit_price": Decimal("1.00005")}, "lines.0.unit_price"),
        ({"unit_price": "abc"}, "lines.0.unit_price"),
    ],
)
def test_non_numbers_and_extra_decimals_are_refused(rep, line, field):
    data = {"product": ProductFactory(), "quantity": Decimal("1"), **line}
    with pytest.raises(ValidationFailed) as exc:
        order_create(actor=rep, customer=CustomerFactory(account_manager=rep), lines=[data])
    assert field in exc.value.fields
    assert Order.objects.count() == 0


def test_a_total_beyond_capitals_is_refused(rep):
    product = ProductFactory(list_price=Decimal("9000000000"))
    lines = [{"product": product, "quantity": Decimal("60")} for _ in range(2)]
    with pytest.raises(ValidationFailed) as exc:
        order_create(actor=rep, customer=CustomerFactory(account_manager=rep), lines=lines)
    assert "non_field_errors" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        draft_order(rep, freight=Decimal("999999999999.99"))
    assert set(exc.value.fields) & {"freight", "non_field_errors"}
    assert Order.objects.count() == 0


@pytest.mark.parametrize("raw", ["NaN", "0.0004", "1e30", "-1"])
def test_ship_refuses_odd_quantities(rep, warehouse, raw):
    order = force_status(draft_order(rep), OrderStatus.READY_TO_SHIP)
    line = order.lines.get()
    with pytest.raises(ValidationFailed):
        order_ship(order=order, actor=warehouse, quantities={line.pk: raw})
    line.refresh_from_db()
    assert line.shipped_quantity == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY_TO_SHIP


@pytest.mark.parametrize("param", ["customer", "contract"])
def test_out_of_range_ids_in_list_filters_are_form_errors(client, api, rep, param):
    huge = "9" * 30
    client.force_login(rep)
    assert client.get(f"/orders/?{param}={huge}").status_code == 200
    api.force_authenticate(rep)
    response = api.get(f"/api/v1/orders/?{param}={huge}")
    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert api.get(f"/api/v1/orders/?{param}=1.5").status_code == 400


def test_out_of_range_product_id_in_the_entry_form(client, rep):
    client.force_login(rep)
    response = client.post(
        "/orders/entry/totals/",
        {
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": "9" * 30,
            "lines-0-quantity": "1",
        },
    )
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("day", ["0001-01-01", "2999-01-01"])
def test_implausible_order_dates_are_refused(api, rep, day):
    api.force_authenticate(rep)
    customer = CustomerFactory(account_manager=rep)
    response = api.post(
        "/api/v1/orders/",
        {
            "customer": customer.pk,
            "order_date": day,
            "lines": [{"product": ProductFactory().pk, "quantity": "1"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "order_date" in response.json()["extra"]["fields"]
    assert Order.objects.count() == 0
