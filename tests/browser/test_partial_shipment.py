"""A partial shipment in a real browser (issue 5): the warehouse lead signs in, opens an order
that is ready to ship (approved, every line reserved from stock), ships part of it with the
ship form, sees the order "Partially shipped" and opens the printable shipping note (发货单).
Once in English and once in Chinese."""

from decimal import Decimal

import pytest
from django.urls import reverse

from fulfillment.models import Shipment, StockItem
from fulfillment.services import stock_receive
from fulfillment.tests.conftest import approve_fully, order_of
from orders.enums import OrderStatus, SupplyMode
from tests.factories import ProductFactory

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en-US": {"status": "Partially shipped"},
    "zh-CN": {"status": "部分发货"},
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_warehouse_ships_part_of_an_order_and_prints_the_note(
    new_page, shot, rep, warehouse, locale
):
    pump = ProductFactory(
        code="BP-100", name="离心泵", unit="台", supply_mode=SupplyMode.MAKE_TO_STOCK
    )
    valve = ProductFactory(
        code="FM-200",
        name="截止阀",
        spec="DN50 PN16",
        unit="个",
        supply_mode=SupplyMode.MAKE_TO_STOCK,
    )
    stock_receive(product=pump, quantity=Decimal("10"), actor=warehouse)
    stock_receive(product=valve, quantity=Decimal("20"), actor=warehouse)
    order = approve_fully(order_of(rep, (pump, "4"), (valve, "6")))
    assert order.status == OrderStatus.READY_TO_SHIP
    pump_line, valve_line = order.lines.order_by("sequence")

    page = new_page(locale)
    sign_in(page, "warehouse")
    page.goto(f"{page.base_url}/orders/{order.pk}/")
    assert (
        page.locator("[data-testid=order-header] [data-status]").first.get_attribute("data-status")
        == OrderStatus.READY_TO_SHIP
    )
    ship_path = reverse("fulfillment:shipment_create", args=[order.pk])
    link = page.locator(f"a[href='{ship_path}']")
    if link.count():  # the order page's fulfillment section links the ship form
        link.first.click()
    else:
        page.goto(page.base_url + ship_path)
    page.wait_for_selector("[data-testid=shipment-form]")
    # Prefilled with everything open: 4 pumps and 6 valves.
    assert page.input_value(f"#id_qty_{pump_line.pk}") == "4"
    assert page.input_value(f"#id_qty_{valve_line.pk}") == "6"

    page.fill(f"#id_qty_{valve_line.pk}", "2")  # only 2 of 6 valves now
    page.fill("#id_carrier", "德邦物流")
    page.fill("#id_tracking_number", "DPK123456789")
    page.fill("#id_customer_consent", "王经理 2026-11-20 电话同意分批发货")
    shot(page, "ship-form")
    page.click("[data-testid=ship-submit]")
    page.wait_for_url("**/fulfillment/shipments/*/")

    shipment = Shipment.objects.get(order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    assert sorted(shipment.lines.values_list("quantity", flat=True)) == [2, 4]
    assert StockItem.objects.get(product=valve).on_hand == Decimal("18")
    assert page.locator("[data-testid=shipment-number]").inner_text() == shipment.number
    badge = page.locator("[data-testid=shipment-order] [data-status]")
    assert badge.get_attribute("data-status") == OrderStatus.PARTIALLY_SHIPPED
    assert TEXT[locale]["status"] in badge.inner_text()
    shot(page, "shipment")

    page.goto(f"{page.base_url}/orders/{order.pk}/")
    header = page.locator("[data-testid=order-header]")
    assert TEXT[locale]["status"] in header.inner_text()

    page.goto(page.base_url + reverse("fulfillment:shipment_detail", args=[shipment.pk]))
    page.click("[data-testid=note-link]")
    page.wait_for_url("**/note/")
    note = page.locator("[data-testid=shipping-note]")
    assert "发货单" in note.inner_text()
    assert page.locator("[data-testid=note-number]").inner_text() == shipment.number
    assert page.locator("[data-testid=note-order]").inner_text() == order.number
    assert page.locator("[data-testid=note-qty]").all_inner_texts() == ["4", "2"]
    assert page.locator("[data-testid=note-total]").inner_text() == "6"
    assert "DPK123456789" in note.inner_text()
    assert page.locator("[data-testid=signature-blocks] .signature").count() == 3
    shot(page, "shipping-note")
