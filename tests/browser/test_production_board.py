"""The warehouse and production board on a tablet (1024×768), in a real browser: production
starts an instruction, reports progress and finishes it after QC without leaving the board
(htmx), and the order becomes ready to ship. Once in English and once in Chinese."""

import pytest

from fulfillment.enums import ProductionStatus
from fulfillment.models import ProductionInstruction
from fulfillment.tests.conftest import approve_fully, order_of
from orders.enums import OrderStatus
from orders.models import Order
from tests.factories import ProductFactory

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_production_starts_and_finishes_from_the_board(new_page, shot, rep, production, locale):
    product = ProductFactory(
        code="BP-MTO-1", name="定制离心泵", supply_mode="mto", production_cycle_days=10
    )
    order = approve_fully(order_of(rep, (product, "3")))
    instruction = ProductionInstruction.objects.get(order=order)

    page = new_page(locale)
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(page, "production")
    page.goto(page.base_url + "/fulfillment/")
    row = page.locator(f"[data-testid=production-row][data-instruction='{instruction.pk}']")
    assert instruction.number in row.inner_text()
    assert page.locator("[data-testid=count-production]").get_attribute("data-count") == "1"
    shot(page, "board-issued")

    row.locator("[data-action=start]").click()
    row.locator("[data-action=report]").wait_for()
    assert page.locator("#board-content .alert-success").is_visible()
    instruction.refresh_from_db()
    assert instruction.status == ProductionStatus.IN_PROGRESS
    assert Order.objects.get(pk=order.pk).status == OrderStatus.IN_PRODUCTION

    row.locator("input[name=progress]").fill("150")
    row.locator("[data-action=report]").click()  # the browser refuses it: max is 99
    assert row.locator("input[name=progress]").evaluate("el => !el.validity.valid")
    row.locator("input[name=progress]").fill("80")
    row.locator("input[name=note]").fill("装配完成")
    row.locator("[data-action=report]").click()
    page.wait_for_function(
        f"""() => document.querySelector(
            "[data-instruction='{instruction.pk}'] [data-testid=progress]"
        ).innerText.trim() === "80%" """
    )
    instruction.refresh_from_db()
    assert instruction.progress == 80
    shot(page, "board-in-progress")

    row.locator("[data-action=finish]").click()  # QC not ticked: the browser asks for it
    assert row.locator("input[name=qc_passed]").evaluate("el => !el.validity.valid")
    assert ProductionInstruction.objects.get(pk=instruction.pk).status == (
        ProductionStatus.IN_PROGRESS
    )
    row.locator("input[name=qc_passed]").check()
    row.locator("input[name=qc_note]").fill("抽检合格")
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("[data-action=finish]").click()
    row.wait_for(state="detached")
    assert page.locator("[data-testid=count-production]").get_attribute("data-count") == "0"
    assert page.locator("[data-testid=count-pick_today]").is_visible()
    shot(page, "board-finished")

    instruction.refresh_from_db()
    assert (instruction.status, instruction.qc_passed) == (ProductionStatus.FINISHED, True)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY_TO_SHIP

    page.goto(f"{page.base_url}/orders/{order.pk}/")
    production_section = page.locator("[data-testid=section-production]")
    assert instruction.number in production_section.inner_text()
    assert "100%" in production_section.inner_text()
    shot(page, "order-ready")
