"""Signing in, the frame, the order list and the language switch in a real browser."""

import pytest

from orders.services import order_submit
from orders.tests.helpers import draft_order

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_signs_in_sees_counts_and_filters_the_list(new_page, shot, rep):
    draft_order(rep)
    submitted = order_submit(order=draft_order(rep), actor=rep)
    page = new_page("en-US")
    page.goto(page.base_url + "/")
    assert "/accounts/login/" in page.url
    shot(page, "login")
    sign_in(page, "rep")
    assert page.locator("[data-testid=card-drafts] .display-6").inner_text() == "1"
    assert page.locator("[data-testid=card-in_review] .display-6").inner_text() == "1"
    shot(page, "home")
    page.click("[data-testid=card-in_review]")
    page.wait_for_url("**/orders/?status=*")
    rows = page.locator("[data-testid=order-table] tbody tr")
    assert rows.count() == 1
    assert submitted.number in rows.first.inner_text()
    shot(page, "orders-in-review")


def test_browser_language_picks_chinese_and_the_switcher_changes_it(new_page, shot, rep):
    draft_order(rep)
    page = new_page("zh-CN")
    sign_in(page, "rep")
    page.goto(page.base_url + "/orders/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "销售订单"
    shot(page, "orders-zh")
    page.click("[data-testid=language-switcher] button[value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Sales orders"
    shot(page, "orders-en")
