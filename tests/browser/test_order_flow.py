"""The main flow in a real browser (issue 3 §8): a rep enters an order with two lines through
the dynamic form, sees the total in capitals and submits it; the sales head opens it and sees
the approve button. Once in English and once in Chinese."""

from decimal import Decimal

import pytest

from orders.enums import OrderStatus
from orders.models import Order
from tests.factories import CustomerAddressFactory, CustomerFactory, ProductFactory

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en-US": {"approve": "Approve", "status": "Sales head review", "saved": "submitted"},
    "zh-CN": {"approve": "批准", "status": "销售主管审核", "saved": "已提交"},
}


def pick(page, field_selector: str, typed: str, menu_selector: str) -> None:
    page.click(field_selector)
    page.keyboard.type(typed, delay=20)
    page.wait_for_selector(f"{menu_selector} [data-pick]")
    page.click(f"{menu_selector} [data-pick] >> nth=0")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_rep_enters_two_lines_submits_and_head_sees_approve(
    new_page, shot, rep, sales_head, locale
):
    customer = CustomerFactory(account_manager=rep, name="杭州恒力水务设备有限公司")
    CustomerAddressFactory(customer=customer)
    ProductFactory(code="BP-100", name="离心泵", list_price=Decimal("1130"))
    ProductFactory(code="FM-200", name="截止阀", list_price=Decimal("226"))

    page = new_page(locale)
    sign_in(page, "rep")
    page.goto(page.base_url + "/orders/new/")
    pick(page, "#id_customer_label", "恒力", "#customer-suggestions")
    page.wait_for_selector("#id_contract")
    pick(page, "#id_lines-0-product_label", "BP-1", "#lines-0-menu")
    page.fill("#id_lines-0-quantity", "3")
    page.click("[data-testid=add-line]")
    page.wait_for_selector("#id_lines-1-product_label")
    pick(page, "#id_lines-1-product_label", "FM-2", "#lines-1-menu")
    page.fill("#id_lines-1-quantity", "5")
    page.fill("#id_freight", "20")
    page.locator("#id_freight").press("Tab")
    capitals = page.locator("[data-testid=order-total-capitals]")
    # 3 × 1130 + 5 × 226 + 20 = 4540.00
    page.wait_for_function(
        "() => document.querySelector('[data-testid=order-total]').innerText.includes('4,540.00')"
    )
    assert "肆仟伍佰肆拾元整" in capitals.inner_text()
    shot(page, "entry-filled")

    page.click("[data-testid=save-submit]")
    page.wait_for_url("**/orders/*/")
    order = Order.objects.get()
    assert order.status == OrderStatus.SALES_REVIEW
    assert order.total == Decimal("4540.00")
    assert order.lines.count() == 2
    assert TEXT[locale]["status"] in page.locator("[data-testid=order-header]").inner_text()
    assert "肆仟伍佰肆拾元整" in page.locator("[data-testid=total-capitals]").inner_text()
    shot(page, "rep-after-submit")

    head_page = new_page(locale)
    sign_in(head_page, "head")
    head_page.goto(f"{head_page.base_url}/orders/{order.pk}/")
    actions = head_page.locator("[data-testid=order-actions]")
    assert actions.get_by_role("button", name=TEXT[locale]["approve"]).is_visible()
    shot(head_page, "head-sees-approve")
