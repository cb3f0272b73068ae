"""The approvers' pages (issue 4 items 1, 2, 4, 6): the inbox with inline htmx decisions, the
decisions taken, delegations, the chain on the order page and the approvers' home card."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalDecision, Delegation
from approvals.services import delegation_create
from orders import services
from orders.enums import OrderStatus, OrderTransition
from orders.models import Order, OrderEvent
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db
S = OrderStatus
T = OrderTransition

INBOX = reverse("approvals:inbox")
DECIDED = reverse("approvals:decided")
DELEGATIONS = reverse("approvals:delegations")
HTMX = {"HTTP_HX_REQUEST": "true"}
ROW = re.compile(r'data-testid="inbox-row" data-order="(\d+)"')


def decide_url(order):
    return reverse("approvals:decide", args=[order.pk])


def inbox_ids(client) -> list[int]:
    response = client.get(INBOX)
    assert response.status_code == 200
    return [int(pk) for pk in ROW.findall(response.content.decode())]


def named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save()
    return user


def today():
    return timezone.localdate()


def submit(owner, **kwargs):
    return services.order_submit(order=draft_order(owner, **kwargs), actor=owner)


def below_floor(owner):
    """A submitted order whose only line is priced under the product's floor price."""
    product = ProductFactory(list_price=Decimal("1130"))  # floor price 960.50
    lines = [{"product": product, "quantity": Decimal("2"), "unit_price": Decimal("900")}]
    return submit(owner, lines=lines)


def nothing_decided(order, status):
    assert Order.objects.get(pk=order.pk).status == status
    assert not ApprovalDecision.objects.filter(order=order, step=status).exists()
    assert not OrderEvent.objects.filter(order=order, from_status=status).exists()


@pytest.fixture
def submitted(rep):
    return submit(rep)


@pytest.fixture
def at_finance(rep, sales_head):
    return services.order_approve(order=submit(rep), actor=sales_head)


@pytest.fixture
def at_gm(at_finance, finance):
    return services.order_approve(order=at_finance, actor=finance)


# --- who sees what in the inbox ------------------------------------------------------------------
def test_inbox_shows_each_approver_exactly_the_orders_waiting_on_their_step(
    client, rep, sales_head, finance, gm, submitted, at_finance
):
    own = submit(sales_head, customer=CustomerFactory(account_manager=sales_head))
    services.order_submit(order=draft_order(rep), actor=rep)  # newer: listed after `submitted`
    newer = Order.objects.filter(status=S.SALES_REVIEW, owner=rep).exclude(pk=submitted.pk).get()

    client.force_login(sales_head)
    assert inbox_ids(client) == [submitted.pk, newer.pk]  # not their own order, oldest first
    client.force_login(finance)
    assert inbox_ids(client) == [at_finance.pk]  # nothing at the sales head's step
    client.force_login(gm)
    assert inbox_ids(client) == []
    assert own.status == S.SALES_REVIEW


def test_inbox_row_shows_step_total_age_and_checks(client, rep, sales_head):
    named(rep, "伟", "张")
    order = below_floor(rep)
    client.force_login(sales_head)

    html = client.get(INBOX).content.decode()

    row = html[html.index(f'data-order="{order.pk}"') :]
    assert order.number in row and "张伟" in row and "¥1,800.00" in row[:3000]
    assert 'data-age="ok"' in html and "due " in row
    assert re.search(r'data-check="floor_price" data-passed="0"', row)
    assert re.search(r'data-check="payment_terms" data-passed="1"', row)
    assert 'data-check="credit"' not in row  # finance's check, not the sales head's
    assert "below the floor price ¥960.50" in row  # describe() as the title and the reason
    assert 'name="override_reason"' in row


def test_override_field_only_when_a_check_failed(client, rep, sales_head, submitted):
    client.force_login(sales_head)

    html = client.get(INBOX).content.decode()

    assert 'name="comment"' in html
    assert 'name="override_reason"' not in html


def test_sales_rep_and_warehouse_see_an_empty_inbox(client, rep, warehouse, submitted):
    for user in (rep, warehouse):
        client.force_login(user)
        response = client.get(INBOX)
        assert response.status_code == 200
        assert 'data-testid="inbox-no-role"' in response.content.decode()


def test_inbox_needs_sign_in(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_delegate_sees_the_delegators_orders_on_their_behalf(
    client, finance, other_rep, at_finance
):
    named(finance, "芳", "刘")
    delegation_create(
        actor=finance, delegate=other_rep, start_date=today(), end_date=today(), reason="出差"
    )
    client.force_login(other_rep)

    html = client.get(INBOX).content.decode()

    assert ROW.findall(html) == [str(at_finance.pk)]
    assert "on behalf of 刘芳" in html
    assert "You stand in for 刘芳" in html


def test_filters_step_customer_amount_and_overdue(client, rep, sales_head, submitted):
    big = submit(
        rep,
        customer=CustomerFactory(account_manager=rep, name="杭州大单有限公司"),
        lines=[
            {
                "product": ProductFactory(),
                "quantity": Decimal("100"),
                "unit_price": Decimal("1130"),
            }
        ],
    )
    client.force_login(sales_head)

    def ids(query):
        return [int(pk) for pk in ROW.findall(client.get(INBOX + query).content.decode())]

    assert ids("?customer=大单") == [big.pk]
    assert ids("?min_amount=100000") == [big.pk]
    assert ids("?step=sales_review") == [submitted.pk, big.pk]
    assert ids("?step=finance_review") == []  # not a step of theirs: the form refuses it
    assert ids("?overdue=on") == []


def test_overdue_filter_and_badge(client, rep, sales_head, submitted):
    opened = timezone.now() - dt.timedelta(days=10)
    submitted.approval_rounds.update(step_opened_at=opened)
    client.force_login(sales_head)

    html = client.get(INBOX + "?overdue=on").content.decode()

    assert ROW.findall(html) == [str(submitted.pk)]
    assert 'data-age="late"' in html and "Overdue" in html


def test_htmx_filter_returns_only_the_results(client, sales_head, submitted):
    client.force_login(sales_head)

    response = client.get(INBOX + "?customer=none-such", HTTP_HX_TARGET="approval-results", **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="approval-results"')
    assert 'data-testid="inbox-empty"' in html


def test_inbox_query_count_does_not_grow_with_the_inbox(
    client, rep, sales_head, django_assert_max_num_queries
):
    client.force_login(sales_head)
    submit(rep)
    with django_assert_max_num_queries(12) as small:
        assert len(inbox_ids(client)) == 1
    for _ in range(8):
        below_floor(rep)
    with django_assert_max_num_queries(12) as large:
        assert len(inbox_ids(client)) == 9
    assert len(large.captured_queries) == len(small.captured_queries)


# --- inline decisions ----------------------------------------------------------------------------
def test_inline_approve_moves_the_order_and_records_decision_and_event(
    client, sales_head, submitted
):
    client.force_login(sales_head)

    response = client.post(
        decide_url(submitted),
        {"decision": "approve", "comment": "价格合规", "expected_status": S.SALES_REVIEW},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-outcome="done"' in html
    assert "Sales head review: approved → Finance review" in html
    order = Order.objects.get(pk=submitted.pk)
    assert order.status == S.FINANCE_REVIEW
    decision = ApprovalDecision.objects.get(order=order)
    event = OrderEvent.objects.get(order=order, transition=T.APPROVE)
    assert (decision.step, decision.decision, decision.actor, decision.comment) == (
        S.SALES_REVIEW,
        "approve",
        sales_head,
        "价格合规",
    )
    assert decision.event == event
    assert (event.actor, event.from_status, event.to_status, event.comment) == (
        sales_head,
        S.SALES_REVIEW,
        S.FINANCE_REVIEW,
        "价格合规",
    )


def test_gm_approval_makes_the_order_approved(client, gm, at_gm):
    client.force_login(gm)

    response = client.post(
        decide_url(at_gm), {"decision": "approve", "expected_status": S.GM_REVIEW}, **HTMX
    )

    assert "approved → the order is approved" in response.content.decode()
    assert Order.objects.get(pk=at_gm.pk).status == S.APPROVED


def test_reject_without_comment_is_refused_and_changes_nothing(client, sales_head, submitted):
    client.force_login(sales_head)

    response = client.post(
        decide_url(submitted),
        {"decision": "reject", "comment": "  ", "expected_status": S.SALES_REVIEW},
        **HTMX,
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="comment-error">Give a reason.<' in html
    assert 'data-testid="inbox-row"' in html  # the row again, to correct
    nothing_decided(submitted, S.SALES_REVIEW)


def test_reject_with_comment_returns_the_order_to_the_rep(client, rep, sales_head, submitted):
    named(rep, "伟", "张")
    client.force_login(sales_head)

    response = client.post(
        decide_url(submitted),
        {"decision": "reject", "comment": "交期不对", "expected_status": S.SALES_REVIEW},
        **HTMX,
    )

    assert response.status_code == 200
    assert "Sales head review: rejected → returned to 张伟" in response.content.decode()
    assert Order.objects.get(pk=submitted.pk).status == S.REJECTED
    decision = ApprovalDecision.objects.get(order=submitted)
    assert (decision.decision, decision.comment) == ("reject", "交期不对")


def test_reject_error_is_in_the_users_language(client, sales_head, submitted):
    client.force_login(sales_head)

    response = client.post(
        decide_url(submitted),
        {"decision": "reject", "expected_status": S.SALES_REVIEW},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **HTMX,
    )

    assert response.status_code == 422
    assert "Give a reason." not in response.content.decode()
    nothing_decided(submitted, S.SALES_REVIEW)


def test_approve_with_a_failed_check_needs_an_override_reason(client, rep, sales_head):
    order = below_floor(rep)
    client.force_login(sales_head)
    data = {"decision": "approve", "comment": "", "expected_status": S.SALES_REVIEW}

    refused = client.post(decide_url(order), data, **HTMX)

    assert refused.status_code == 422
    assert "Required to approve with failed checks (Floor price)." in refused.content.decode()
    nothing_decided(order, S.SALES_REVIEW)

    accepted = client.post(
        decide_url(order), {**data, "override_reason": "战略客户，总经理同意"}, **HTMX
    )

    assert accepted.status_code == 200
    assert Order.objects.get(pk=order.pk).status == S.FINANCE_REVIEW
    decision = ApprovalDecision.objects.get(order=order)
    assert (decision.override_reason, decision.failed_checks) == (
        "战略客户，总经理同意",
        ["floor_price"],
    )
    event = OrderEvent.objects.get(order=order, transition=T.APPROVE)
    assert event.payload["override_reason"] == "战略客户，总经理同意"


def test_stale_row_gets_a_conflict_and_nothing_changes(client, sales_head, finance, submitted):
    other_head = get_user_model().objects.create(username="head2")
    other_head.groups.add(*sales_head.groups.all())
    services.order_approve(order=submitted, actor=other_head, comment="先批了")
    client.force_login(sales_head)

    response = client.post(
        decide_url(submitted),
        {"decision": "approve", "expected_status": S.SALES_REVIEW},
        **HTMX,
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-outcome="stale"' in html
    assert "someone else decided this step" in html and "Finance review" in html
    assert ApprovalDecision.objects.filter(order=submitted).count() == 1
    assert Order.objects.get(pk=submitted.pk).status == S.FINANCE_REVIEW


def test_decision_without_the_seen_status_on_a_decided_step_is_a_conflict(
    client, sales_head, at_finance
):
    client.force_login(sales_head)

    response = client.post(decide_url(at_finance), {"decision": "reject", "comment": "x"}, **HTMX)

    assert response.status_code == 409
    assert "It is now “Finance review”." in response.content.decode()
    assert Order.objects.get(pk=at_finance.pk).status == S.FINANCE_REVIEW
    assert ApprovalDecision.objects.filter(order=at_finance).count() == 1


def test_refused_decision_is_a_403_row(client, rep, finance, submitted):
    client.force_login(finance)

    response = client.post(
        decide_url(submitted),
        {"decision": "approve", "expected_status": S.SALES_REVIEW},
        **HTMX,
    )

    assert response.status_code == 403
    assert 'data-testid="decision-error"' in response.content.decode()
    nothing_decided(submitted, S.SALES_REVIEW)


def test_without_htmx_the_user_returns_to_the_inbox_with_a_message(client, sales_head, submitted):
    client.force_login(sales_head)

    response = client.post(
        decide_url(submitted),
        {"decision": "approve", "expected_status": S.SALES_REVIEW},
        follow=True,
    )

    assert response.redirect_chain == [(INBOX, 302)]
    assert "approved → Finance review" in response.content.decode()
    assert Order.objects.get(pk=submitted.pk).status == S.FINANCE_REVIEW


def test_decide_needs_post_and_a_known_decision(client, sales_head, submitted):
    client.force_login(sales_head)

    assert client.get(decide_url(submitted)).status_code == 405
    response = client.post(decide_url(submitted), {"decision": "maybe"}, **HTMX)
    assert response.status_code == 422
    nothing_decided(submitted, S.SALES_REVIEW)


# --- decided by me -------------------------------------------------------------------------------
def test_decided_by_me_lists_decisions_with_comment_override_and_delegation(
    client, rep, sales_head, finance, other_rep
):
    named(finance, "芳", "刘")
    approved = services.order_approve(order=submit(rep), actor=sales_head, comment="好")
    rejected = services.order_reject(order=submit(rep), actor=sales_head, comment="价格太低")
    overridden = services.order_approve(
        order=below_floor(rep), actor=sales_head, override_reason="老客户"
    )
    delegation_create(actor=finance, delegate=other_rep, start_date=today(), end_date=today())
    services.order_approve(
        order=approved, actor=get_user_model().objects.get(pk=other_rep.pk), comment="代批"
    )
    client.force_login(sales_head)

    html = client.get(DECIDED).content.decode()

    rows = re.findall(r'data-testid="decided-row" data-order="(\d+)" data-decision="(\w+)"', html)
    assert rows == [  # newest first
        (str(overridden.pk), "approve"),
        (str(rejected.pk), "reject"),
        (str(approved.pk), "approve"),
    ]
    assert "价格太低" in html and "老客户" in html
    assert overridden.number in html

    client.force_login(other_rep)
    html = client.get(DECIDED).content.decode()
    assert "on behalf of 刘芳" in html and "代批" in html
    client.force_login(finance)
    assert "for you" in client.get(DECIDED).content.decode()


def test_decided_by_me_pages_with_a_fixed_number_of_queries(
    client, rep, sales_head, django_assert_max_num_queries
):
    for _ in range(26):
        services.order_approve(order=submit(rep), actor=sales_head)
    client.force_login(sales_head)

    with django_assert_max_num_queries(12):
        first = client.get(DECIDED).content.decode()
    second = client.get(DECIDED + "?page=2").content.decode()

    assert first.count('data-testid="decided-row"') == 25
    assert second.count('data-testid="decided-row"') == 1
    assert "Page 1 of 2" in first


# --- delegations ---------------------------------------------------------------------------------
def test_approver_delegates_through_the_page(client, finance, other_rep):
    client.force_login(finance)
    end = today() + dt.timedelta(days=5)

    response = client.post(
        DELEGATIONS,
        {
            "delegate": other_rep.pk,
            "start_date": today().isoformat(),
            "end_date": end.isoformat(),
            "reason": "年假",
        },
        follow=True,
    )

    delegation = Delegation.objects.get()
    assert (delegation.approver, delegation.delegate, delegation.end_date, delegation.reason) == (
        finance,
        other_rep,
        end,
        "年假",
    )
    html = response.content.decode()
    assert "stands in for you" in html
    assert f'data-delegation="{delegation.pk}" data-state="active"' in html


def test_delegation_errors_are_shown_and_nothing_is_saved(client, finance, other_rep):
    client.force_login(finance)

    past = client.post(
        DELEGATIONS,
        {
            "delegate": other_rep.pk,
            "start_date": (today() - dt.timedelta(days=9)).isoformat(),
            "end_date": (today() - dt.timedelta(days=10)).isoformat(),
        },
    )
    to_self = client.post(
        DELEGATIONS,
        {"delegate": finance.pk, "start_date": today(), "end_date": today()},
    )

    assert past.status_code == 400
    assert past.context["form"].errors["end_date"] == [
        "The end date is before the start date.",
        "The period is already over.",
    ]
    assert 'data-testid="error-end_date"' in past.content.decode()
    assert to_self.status_code == 400
    assert "delegate" in to_self.context["form"].errors  # yourself is not among the choices
    assert not Delegation.objects.exists()


def test_non_approver_cannot_delegate(client, rep, other_rep):
    client.force_login(rep)

    page = client.get(DELEGATIONS).content.decode()
    response = client.post(
        DELEGATIONS, {"delegate": other_rep.pk, "start_date": today(), "end_date": today()}
    )

    assert 'data-testid="delegation-form"' not in page
    assert response.status_code == 400
    assert "Only approvers can delegate approvals." in response.content.decode()
    assert not Delegation.objects.exists()


def test_revoke_through_the_page_and_only_ones_own(client, finance, gm, other_rep):
    delegation = delegation_create(
        actor=finance, delegate=other_rep, start_date=today(), end_date=today()
    )
    url = reverse("approvals:delegation_revoke", args=[delegation.pk])

    client.force_login(gm)
    refused = client.post(url, follow=True)
    delegation.refresh_from_db()
    assert delegation.revoked_at is None
    assert "was not revoked" in refused.content.decode()

    client.force_login(finance)
    response = client.post(url, follow=True)
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    assert f'data-delegation="{delegation.pk}" data-state="revoked"' in response.content.decode()


def test_delegate_sees_received_delegations(client, finance, other_rep):
    named(finance, "芳", "刘")
    delegation_create(actor=finance, delegate=other_rep, start_date=today(), end_date=today())
    client.force_login(other_rep)

    html = client.get(DELEGATIONS).content.decode()

    received = html[html.index('data-testid="delegations-received"') :]
    assert "刘芳" in received and 'data-state="active"' in received


# --- the order page ------------------------------------------------------------------------------
def test_order_page_shows_the_chain_with_names_comments_and_checks(
    client, rep, sales_head, finance, other_rep
):
    named(sales_head, "强", "王")
    named(finance, "芳", "刘")
    order = services.order_approve(
        order=below_floor(rep), actor=sales_head, comment="价格特批", override_reason="老客户"
    )
    client.force_login(finance)

    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    chain = html[html.index('data-testid="approval-chain"') :]
    steps = re.findall(r'data-testid="chain-step" data-step="(\w+)" data-state="(\w+)"', chain)
    assert steps == [
        ("sales_review", "approve"),
        ("finance_review", "current"),
        ("gm_review", "pending"),
    ]
    assert "王强" in chain and "价格特批" in chain and "老客户" in chain
    assert "Approved despite failed checks (Floor price)" in chain
    assert re.search(r'data-check="floor_price" data-passed="0"', chain)
    assert "below the floor price ¥960.50" in chain
    # The approve dialog asks for the override reason, as a required field
    assert re.search(r'<textarea[^>]*name="override_reason"[^>]*required', html)


def test_order_page_chain_names_the_delegate_on_behalf_of_the_approver(
    client, finance, other_rep, at_finance
):
    named(finance, "芳", "刘")
    named(other_rep, "娜", "李")
    delegation_create(actor=finance, delegate=other_rep, start_date=today(), end_date=today())
    delegate = get_user_model().objects.get(pk=other_rep.pk)
    services.order_approve(order=at_finance, actor=delegate, comment="代批")
    client.force_login(finance)

    html = client.get(reverse("orders:detail", args=[at_finance.pk])).content.decode()

    chain = html[html.index('data-testid="approval-chain"') :]
    assert "李娜" in chain and "on behalf of 刘芳" in chain and "代批" in chain


def test_order_page_approve_needs_override_then_records_it(client, rep, sales_head):
    order = below_floor(rep)
    client.force_login(sales_head)
    url = reverse("orders:transition", args=[order.pk, "approve"])

    refused = client.post(url, {"expected_status": S.SALES_REVIEW}, follow=True)

    assert "Required to approve with failed checks (Floor price)." in refused.content.decode()
    nothing_decided(order, S.SALES_REVIEW)

    client.post(url, {"expected_status": S.SALES_REVIEW, "override_reason": "特批"})

    assert Order.objects.get(pk=order.pk).status == S.FINANCE_REVIEW
    assert ApprovalDecision.objects.get(order=order).override_reason == "特批"


def test_draft_order_page_has_no_chain(client, rep):
    order = draft_order(rep)
    client.force_login(rep)

    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert 'data-testid="approval-chain"' not in html


# --- home and navigation -------------------------------------------------------------------------
def test_approvers_home_card_counts_their_inbox_and_links_to_it(client, rep, sales_head, submitted):
    submit(sales_head, customer=CustomerFactory(account_manager=sales_head))  # their own
    client.force_login(sales_head)

    html = client.get("/").content.decode()

    card = re.search(
        r'<a href="([^"]+)"[^>]*data-testid="card-my_step".*?display-6[^>]*>(\d+)<', html, re.S
    )
    assert card.groups() == (INBOX, "1")


def test_delegate_without_the_role_gets_the_home_card(client, finance, other_rep, at_finance):
    delegation_create(actor=finance, delegate=other_rep, start_date=today(), end_date=today())
    client.force_login(other_rep)

    html = client.get("/").content.decode()

    assert re.search(r'data-testid="card-my_step".*?display-6[^>]*>1<', html, re.S)


@pytest.mark.parametrize("role", ["sales_head", "finance", "gm", "production"])
def test_approvers_have_the_approvals_link(client, request, role):
    client.force_login(request.getfixturevalue(role))

    html = client.get("/").content.decode()

    assert f'href="{INBOX}"' in html


def test_production_decides_technical_review(client, rep, sales_head, production):
    from approvals.tests.factories import activate_policy

    activate_policy(
        S.SALES_REVIEW,
        {"step": S.TECHNICAL_REVIEW, "order_types": ["non_regular"]},
        S.FINANCE_REVIEW,
    )
    order = submit(rep, order_type="non_regular")
    order = services.order_approve(order=order, actor=sales_head)
    assert order.status == S.TECHNICAL_REVIEW
    client.force_login(production)

    assert inbox_ids(client) == [order.pk]
    response = client.post(
        decide_url(order), {"decision": "approve", "expected_status": order.status}, **HTMX
    )
    assert "Technical review: approved → Finance review" in response.content.decode()


def test_approver_home_shows_the_inbox_at_a_glance(client, rep, sales_head, finance):
    from orders.services import order_submit
    from orders.tests.helpers import draft_order

    first = order_submit(order=draft_order(rep), actor=rep)
    second = order_submit(order=draft_order(rep), actor=rep)
    client.force_login(sales_head)
    html = client.get("/").content.decode()
    assert 'data-testid="home-inbox"' in html
    assert html.count('data-testid="home-inbox-row"') == 2
    assert first.number in html and second.number in html
    client.force_login(finance)  # nothing at the finance step yet
    html = client.get("/").content.decode()
    assert 'data-testid="home-inbox-row"' not in html
    assert "Nothing is waiting for you." in html
    client.force_login(rep)  # not an approver: no inbox on the home page
    assert 'data-testid="home-inbox"' not in client.get("/").content.decode()


def test_a_long_inbox_is_paged(client, rep, sales_head):
    from orders.services import order_submit
    from orders.tests.helpers import draft_order

    for _ in range(27):
        order_submit(order=draft_order(rep), actor=rep)
    client.force_login(sales_head)
    first = client.get("/approvals/").content.decode()
    assert first.count('data-testid="inbox-row"') == 25
    second = client.get("/approvals/?page=2").content.decode()
    assert second.count('data-testid="inbox-row"') == 2
