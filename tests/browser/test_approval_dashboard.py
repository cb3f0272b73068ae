"""The approval dashboard in a real browser (issue 4 §9): a rep's order passes the sales head
and finance; the general manager signs in, opens /approvals/, approves it inline (htmx) and the
order is Approved - in the database and on its page. Once in English and once in Chinese."""

import pytest

from approvals.models import ApprovalDecision
from orders import services
from orders.enums import OrderStatus
from orders.models import Order, OrderEvent
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_gm_approves_from_the_dashboard(new_page, shot, rep, sales_head, finance, gm, locale):
    customer = CustomerFactory(account_manager=rep, name="杭州恒力水务设备有限公司")
    order = services.order_submit(order=draft_order(rep, customer=customer), actor=rep)
    order = services.order_approve(order=order, actor=sales_head, comment="价格合规")
    order = services.order_approve(order=order, actor=finance, comment="信用额度充足")
    assert order.status == OrderStatus.GM_REVIEW

    page = new_page(locale)
    sign_in(page, "gm")
    page.click("[data-testid=card-my_step]")  # the home card leads to the inbox
    page.wait_for_url(page.base_url + "/approvals/")
    row = page.locator(f"tbody[data-testid=inbox-row][data-order='{order.pk}']")
    assert order.number in row.inner_text()
    assert row.locator("[data-check][data-passed='1']").count() == 4
    assert page.locator("[data-testid=inbox-count]").inner_text() == "1"
    shot(page, "inbox")

    row.locator("textarea[name=comment]").fill("同意")
    row.locator("[data-testid=approve]").click()
    result = page.locator(f"tbody[data-testid=inbox-result][data-order='{order.pk}']")
    result.wait_for()
    assert result.get_attribute("data-outcome") == "done"
    assert page.locator("[data-testid=inbox-count]").inner_text() == "0"
    if locale == "en-US":
        assert "General manager review: approved → the order is approved" in result.inner_text()
    shot(page, "approved-inline")

    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.APPROVED
    decision = ApprovalDecision.objects.get(order=order, step=OrderStatus.GM_REVIEW)
    assert (decision.actor, decision.decision, decision.comment) == (gm, "approve", "同意")
    assert OrderEvent.objects.filter(
        order=order, from_status=OrderStatus.GM_REVIEW, to_status=OrderStatus.APPROVED
    ).exists()

    result.get_by_role("link", name=order.number).click()
    page.wait_for_url(f"**/orders/{order.pk}/")
    header = page.locator("[data-testid=order-header]")
    assert header.locator("span.badge[data-status=approved]").is_visible()
    chain = page.locator("[data-testid=approval-chain]")
    states = chain.locator("[data-testid=chain-step]").evaluate_all(
        "steps => steps.map(s => s.dataset.state)"
    )
    assert states == ["approve", "approve", "approve"]
    assert "价格合规" in chain.inner_text() and "同意" in chain.inner_text()
    shot(page, "order-approved")
