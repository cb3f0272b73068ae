"""The order page, its transition buttons, documents and the confirmation letter."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import services
from orders.enums import OrderEventType, OrderStatus, OrderTransition
from orders.models import Order, OrderAttachment, OrderEvent
from orders.services.attachments import order_attachment_add
from tests.factories import (
    ContractFactory,
    CustomerContactFactory,
    CustomerFactory,
    ProductFactory,
)

from .helpers import draft_order, force_status, shippable_customer

pytestmark = pytest.mark.django_db
S = OrderStatus
T = OrderTransition

BUTTON = re.compile(r'<(?:button|a)\b[^>]*\bdata-transition="(\w+)"')


def detail_url(order):
    return reverse("orders:detail", args=[order.pk])


def transition_url(order, name):
    return reverse("orders:transition", args=[order.pk, name])


def buttons(response) -> set[str]:
    return set(BUTTON.findall(response.content.decode()))


def has_edit_link(response) -> bool:
    return 'data-action="edit"' in response.content.decode()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def submitted(rep):
    return services.order_submit(order=draft_order(rep), actor=rep)


# --- who sees the page and which buttons ---------------------------------------------------------
@pytest.mark.parametrize("view", ["orders:detail", "orders:print"])
def test_anonymous_is_sent_to_sign_in(client, rep, view):
    order = draft_order(rep)
    response = client.get(reverse(view, args=[order.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_anonymous_post_to_a_transition_changes_nothing(client, rep):
    order = draft_order(rep)
    response = client.post(transition_url(order, T.SUBMIT), {"expected_status": S.DRAFT})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Order.objects.get(pk=order.pk).status == S.DRAFT


@pytest.mark.parametrize("view", ["orders:detail", "orders:print"])
def test_other_rep_gets_404(client, rep, other_rep, view):
    order = draft_order(rep)
    client.force_login(other_rep)
    assert client.get(reverse(view, args=[order.pk])).status_code == 404


def test_other_rep_cannot_post_a_transition(client, rep, other_rep):
    order = draft_order(rep)
    client.force_login(other_rep)
    response = client.post(transition_url(order, T.CANCEL), {"comment": "x"})
    assert response.status_code == 404
    assert Order.objects.get(pk=order.pk).status == S.DRAFT


def test_owner_of_a_draft_sees_submit_cancel_and_edit(client, rep):
    order = draft_order(rep)
    client.force_login(rep)
    response = client.get(detail_url(order))
    assert response.status_code == 200
    assert buttons(response) == {T.SUBMIT, T.CANCEL}
    assert has_edit_link(response)
    html = response.content.decode()
    assert order.number in html
    # cancel needs a reason: its dialog has a required comment and carries the status shown
    dialog = html[html.index('id="transition-cancel"') :]
    assert re.search(r'<textarea[^>]*name="comment"[^>]*required', dialog)
    assert f'name="expected_status" value="{S.DRAFT}"' in dialog


def test_owner_of_an_order_in_review_may_only_cancel(client, rep, submitted):
    client.force_login(rep)
    response = client.get(detail_url(submitted))
    assert buttons(response) == {T.CANCEL}
    assert not has_edit_link(response)
    assert 'data-testid="your-turn"' not in response.content.decode()  # it waits on the head


def test_sales_head_on_sales_review_sees_approve_and_reject(client, sales_head, submitted):
    client.force_login(sales_head)
    response = client.get(detail_url(submitted))
    assert response.status_code == 200
    # the approver of the current step may also cancel before approval (DESIGN §2)
    assert buttons(response) == {T.APPROVE, T.REJECT, T.CANCEL}
    assert not has_edit_link(response)
    html = response.content.decode()
    assert 'data-testid="your-turn"' in html
    approve = html[html.index('id="transition-approve"') :]
    approve = approve[: approve.index("</form>")]
    assert 'name="comment"' in approve and "required" not in approve  # optional comment
    reject = html[html.index('id="transition-reject"') :]
    assert re.search(r'<textarea[^>]*name="comment"[^>]*required', reject)


def test_finance_on_sales_review_sees_no_buttons_but_what_it_waits_for(
    client, finance, sales_head, submitted
):
    sales_head.first_name, sales_head.last_name = "强", "王"
    sales_head.save()
    client.force_login(finance)
    response = client.get(detail_url(submitted))
    assert response.status_code == 200
    assert buttons(response) == set()
    assert not has_edit_link(response)
    html = response.content.decode()
    waiting = html[html.index('data-testid="waiting-for"') :]
    waiting = waiting[: waiting.index("</div>")]
    assert "Sales head review" in waiting
    assert "王强" in waiting  # who can act, family name first


def test_page_shows_header_lines_totals_and_capitals(client, rep):
    contract = ContractFactory(number="HT-DETAIL-1")
    customer = contract.customer
    customer.account_manager = rep
    customer.save()
    product = ProductFactory(code="P-DET", name="不锈钢离心泵", spec="ISW65-200")
    order = draft_order(
        rep,
        customer=customer,
        contract=contract,
        lines=[{"product": product, "quantity": Decimal("3"), "unit_price": Decimal("1234.5")}],
        order_date=datetime.date(2026, 3, 2),
        promised_date=datetime.date(2026, 4, 10),
        special_requirements="木箱包装",
        remarks="月底前发货",
        freight=Decimal("100.00"),
    )
    client.force_login(rep)
    html = client.get(detail_url(order)).content.decode()
    for text in (
        "HT-DETAIL-1",
        "P-DET",
        "不锈钢离心泵",
        "ISW65-200",
        "2026-03-02",
        "2026-04-10",
        "木箱包装",
        "月底前发货",
        "¥1,234.50",  # unit price
        "¥3,703.50",  # amount
        "¥3,803.50",  # total with freight
        "叁仟捌佰零叁元伍角",
        "13%",
    ):
        assert text in html, text


# --- transitions from the page -------------------------------------------------------------------
def test_approve_moves_the_order_on_and_records_the_event(client, sales_head, submitted):
    client.force_login(sales_head)
    response = client.post(
        transition_url(submitted, T.APPROVE),
        {"expected_status": S.SALES_REVIEW, "comment": "价格合理"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == detail_url(submitted)
    assert Order.objects.get(pk=submitted.pk).status == S.FINANCE_REVIEW
    event = OrderEvent.objects.filter(order=submitted).latest("id")
    assert (event.transition, event.from_status, event.to_status, event.actor) == (
        T.APPROVE,
        S.SALES_REVIEW,
        S.FINANCE_REVIEW,
        sales_head,
    )
    assert event.comment == "价格合理"
    html = response.content.decode()
    assert "alert-success" in html and "Finance review" in html
    assert "价格合理" in html  # the timeline shows the comment


def test_reject_without_a_reason_is_refused_and_changes_nothing(client, sales_head, submitted):
    events = OrderEvent.objects.count()
    client.force_login(sales_head)
    response = client.post(
        transition_url(submitted, T.REJECT),
        {"expected_status": S.SALES_REVIEW, "comment": "  "},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "alert-danger" in html and "Give a reason." in html
    assert Order.objects.get(pk=submitted.pk).status == S.SALES_REVIEW
    assert OrderEvent.objects.count() == events


def test_reject_with_a_reason_returns_the_order_to_the_rep(client, sales_head, submitted):
    client.force_login(sales_head)
    client.post(
        transition_url(submitted, T.REJECT),
        {"expected_status": S.SALES_REVIEW, "comment": "请补充合同"},
    )
    assert Order.objects.get(pk=submitted.pk).status == S.REJECTED


def test_stale_page_gets_a_message_and_changes_nothing(client, sales_head, finance, submitted):
    services.order_approve(order=submitted, actor=sales_head)  # someone else moved it on
    events = OrderEvent.objects.count()
    client.force_login(finance)
    response = client.post(
        transition_url(submitted, T.REJECT),
        {"expected_status": S.SALES_REVIEW, "comment": "too late"},
        follow=True,
    )
    html = response.content.decode()
    assert "moved on to “Finance review”" in html
    assert Order.objects.get(pk=submitted.pk).status == S.FINANCE_REVIEW
    assert OrderEvent.objects.count() == events


def test_refused_transition_is_a_message_not_an_error_page(client, finance, submitted):
    client.force_login(finance)
    response = client.post(
        transition_url(submitted, T.APPROVE), {"expected_status": S.SALES_REVIEW}, follow=True
    )
    assert response.status_code == 200
    assert "You do not have permission to do this." in response.content.decode()
    assert Order.objects.get(pk=submitted.pk).status == S.SALES_REVIEW


def test_unknown_transition_is_a_message(client, rep):
    order = draft_order(rep)
    client.force_login(rep)
    response = client.post(transition_url(order, "explode"), follow=True)
    assert response.status_code == 200
    assert "Unknown action “explode”." in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == S.DRAFT


def test_transition_endpoint_only_takes_post(client, rep):
    order = draft_order(rep)
    client.force_login(rep)
    assert client.get(transition_url(order, T.SUBMIT)).status_code == 405


def test_error_messages_follow_the_users_language(client, sales_head, submitted):
    client.force_login(sales_head)
    response = client.post(
        transition_url(submitted, T.REJECT),
        {"expected_status": S.SALES_REVIEW},
        follow=True,
        headers={"accept-language": "zh-hans"},
    )
    html = response.content.decode()
    assert "请填写原因。" in html and "Give a reason." not in html


def test_htmx_caller_gets_the_actions_fragment(client, sales_head, submitted):
    client.force_login(sales_head)
    response = client.post(
        transition_url(submitted, T.APPROVE),
        {"expected_status": S.SALES_REVIEW},
        headers={"hx-request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="order-actions"')
    assert "alert-success" in html
    assert Order.objects.get(pk=submitted.pk).status == S.FINANCE_REVIEW


# --- shipping ------------------------------------------------------------------------------------
@pytest.fixture
def ready(rep):
    order = draft_order(
        rep,
        customer=shippable_customer(rep),
        lines=[
            {"product": ProductFactory(), "quantity": Decimal("5"), "unit_price": Decimal("100")},
            {"product": ProductFactory(), "quantity": Decimal("2"), "unit_price": Decimal("50")},
        ],
    )
    return force_status(order, S.READY_TO_SHIP)


def test_warehouse_ships_from_the_shipment_form_linked_from_the_order_page(
    client, warehouse, ready
):
    client.force_login(warehouse)
    response = client.get(detail_url(ready))
    html = response.content.decode()
    form_url = reverse("fulfillment:shipment_create", args=[ready.pk])
    assert f'href="{form_url}"' in html
    # The quantities are picked on that form (a field per open line), no longer in a dialog.
    assert "qty_" not in html
    form = client.get(form_url).content.decode()
    for line in ready.lines.all():
        assert f'name="qty_{line.pk}"' in form


def test_shipping_too_much_is_a_message_and_changes_nothing(client, warehouse, ready):
    first, second = ready.lines.order_by("sequence")
    client.force_login(warehouse)
    response = client.post(
        transition_url(ready, T.SHIP),
        {
            "expected_status": S.READY_TO_SHIP,
            f"qty_{first.pk}": "6",
            f"qty_{second.pk}": "1",
            "shipped_on": "2026-03-05",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Line 1: Only 5" in html
    assert Order.objects.get(pk=ready.pk).status == S.READY_TO_SHIP
    assert list(ready.lines.values_list("shipped_quantity", flat=True)) == [0, 0]


def test_partial_shipment_from_the_form(client, warehouse, ready):
    first, second = ready.lines.order_by("sequence")
    client.force_login(warehouse)
    client.post(
        transition_url(ready, T.SHIP),
        {
            "expected_status": S.READY_TO_SHIP,
            f"qty_{first.pk}": "5",
            f"qty_{second.pk}": "",
            "shipped_on": "2026-03-05",
        },
    )
    order = Order.objects.get(pk=ready.pk)
    assert order.status == S.PARTIALLY_SHIPPED
    first.refresh_from_db()
    assert (first.shipped_quantity, first.is_closed, first.last_ship_date) == (
        Decimal("5.000"),
        True,
        datetime.date(2026, 3, 5),
    )
    event = OrderEvent.objects.filter(order=ready).latest("id")
    assert event.payload["lines"] == {str(first.pk): "5"}


def test_bad_ship_date_is_a_message(client, warehouse, ready):
    first = ready.lines.order_by("sequence").first()
    client.force_login(warehouse)
    response = client.post(
        transition_url(ready, T.SHIP),
        {"expected_status": S.READY_TO_SHIP, f"qty_{first.pk}": "1", "shipped_on": "2026-13-40"},
        follow=True,
    )
    assert "Enter the date as YYYY-MM-DD." in response.content.decode()
    assert Order.objects.get(pk=ready.pk).status == S.READY_TO_SHIP


# --- timeline ------------------------------------------------------------------------------------
def test_timeline_shows_who_when_in_shanghai_time_and_the_statuses(client, rep, sales_head):
    rep.first_name, rep.last_name = "伟", "张"
    rep.save()
    order = services.order_submit(order=draft_order(rep), actor=rep)
    OrderEvent.objects.filter(order=order, transition=T.SUBMIT).update(
        created_at=datetime.datetime(2026, 1, 2, 2, 30, tzinfo=datetime.UTC)
    )
    client.force_login(sales_head)
    html = client.get(detail_url(order)).content.decode()
    timeline = html[html.index('data-testid="order-timeline"') :]
    assert "2026-01-02 10:30" in timeline
    assert "张伟" in timeline
    assert "Draft → Sales head review" in timeline


# --- the confirmation letter ---------------------------------------------------------------------
def test_confirmation_letter(client, rep, settings):
    settings.COMPANY_NAME = "示例制造有限公司"
    contract = ContractFactory(number="HT-PRINT-9")
    customer = contract.customer
    customer.account_manager = rep
    customer.save()
    CustomerContactFactory(customer=customer, name="李联系", phone="0571-88888888")
    order = draft_order(
        rep,
        customer=customer,
        contract=contract,
        lines=[
            {"product": ProductFactory(), "quantity": Decimal("1"), "unit_price": Decimal("1230")}
        ],
        order_date=datetime.date(2026, 5, 6),
        promised_date=datetime.date(2026, 5, 20),
        payment_terms="货到30天付款",
        ship_to_text="浙江省杭州市西湖区文三路100号",
        consignee="王收货",
    )
    order = force_status(order, S.APPROVED)
    client.force_login(rep)
    response = client.get(reverse("orders:print", args=[order.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "订单确认函",
        "示例制造有限公司",
        order.number,
        "HT-PRINT-9",
        customer.name,
        "李联系",
        "王收货",
        "浙江省杭州市西湖区文三路100号",
        "2026-05-20",
        "货到30天付款",
        "¥1,230.00",
        "壹仟贰佰叁拾元整",
        'data-testid="signature-seller"',
        'data-testid="signature-buyer"',
        "签字/盖章",
        "客户确认",
        "data-print",
    ):
        assert text in html, text
    assert "onclick" not in html and "<script>" not in html and "style=" not in html
    assert "not approved yet" not in html


def test_letter_for_an_unapproved_order_says_so(client, rep, sales_head, submitted):
    client.force_login(sales_head)
    html = client.get(reverse("orders:print", args=[submitted.pk])).content.decode()
    assert "not approved yet" in html


def test_pages_have_no_inline_script_or_style(client, rep):
    order = draft_order(rep)
    client.force_login(rep)
    html = client.get(detail_url(order)).content.decode()
    assert "style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert not re.search(r"<script>(?!</script>)", html)


# --- documents -----------------------------------------------------------------------------------
def upload(client, order, name="spec.pdf", content=b"%PDF-1.4 test", **extra):
    return client.post(
        reverse("orders:attachment_upload", args=[order.pk]),
        {"file": SimpleUploadedFile(name, content), **extra},
    )


def test_upload_attaches_the_file_and_records_it(client, rep, media):
    order = draft_order(rep)
    client.force_login(rep)
    response = upload(client, order, description="技术协议")
    assert response.status_code == 302
    attachment = OrderAttachment.objects.get(order=order)
    assert (attachment.name, attachment.size, attachment.uploaded_by) == ("spec.pdf", 13, rep)
    assert len(attachment.sha256) == 64
    event = OrderEvent.objects.filter(order=order).latest("id")
    assert event.event_type == OrderEventType.COMMENT
    assert event.payload["attachment_id"] == attachment.pk
    html = client.get(detail_url(order)).content.decode()
    assert "spec.pdf" in html and "技术协议" in html
    assert reverse("orders:attachment_download", args=[order.pk, attachment.pk]) in html


def test_upload_too_big_is_shown_next_to_the_field(client, rep, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    order = draft_order(rep)
    client.force_login(rep)
    response = upload(client, order, content=b"x" * 11)
    assert response.status_code == 400
    html = response.content.decode()
    assert "is-invalid" in html and "too large" in html
    assert not OrderAttachment.objects.exists()
    assert not OrderEvent.objects.filter(order=order, event_type=OrderEventType.COMMENT).exists()


def test_upload_of_a_refused_type(client, rep, media):
    order = draft_order(rep)
    client.force_login(rep)
    response = upload(client, order, name="tool.exe", content=b"MZ")
    assert response.status_code == 400
    assert "are not accepted" in response.content.decode()
    assert not OrderAttachment.objects.exists()


def test_upload_without_a_file(client, rep, media):
    order = draft_order(rep)
    client.force_login(rep)
    response = client.post(reverse("orders:attachment_upload", args=[order.pk]), {})
    assert response.status_code == 400
    assert "Choose a file to upload." in response.content.decode()


def test_no_uploads_to_an_archived_order(client, rep, media):
    order = force_status(draft_order(rep), S.ARCHIVED)
    client.force_login(rep)
    response = upload(client, order)
    assert response.status_code == 302
    assert not OrderAttachment.objects.exists()
    assert 'data-testid="upload-form"' not in client.get(detail_url(order)).content.decode()


def test_other_rep_may_neither_upload_nor_download(client, rep, other_rep, media):
    order = draft_order(rep)
    attachment = order_attachment_add(
        order=order, actor=rep, file=SimpleUploadedFile("a.txt", b"hello")
    )
    client.force_login(other_rep)
    download = reverse("orders:attachment_download", args=[order.pk, attachment.pk])
    assert client.get(download).status_code == 404
    assert upload(client, order).status_code == 404
    assert OrderAttachment.objects.count() == 1


def test_download_for_those_who_may_see_the_order(client, rep, sales_head, media):
    order = draft_order(rep)
    attachment = order_attachment_add(
        order=order, actor=rep, file=SimpleUploadedFile("说明.txt", b"hello")
    )
    download = reverse("orders:attachment_download", args=[order.pk, attachment.pk])
    for user in (rep, sales_head):
        client.force_login(user)
        response = client.get(download)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"hello"
        assert "attachment;" in response["Content-Disposition"]
    other = draft_order(rep)
    wrong_order = reverse("orders:attachment_download", args=[other.pk, attachment.pk])
    assert client.get(wrong_order).status_code == 404


def test_anonymous_download_goes_to_sign_in(client, rep, media):
    order = draft_order(rep)
    attachment = order_attachment_add(
        order=order, actor=rep, file=SimpleUploadedFile("a.txt", b"x")
    )
    response = client.get(reverse("orders:attachment_download", args=[order.pk, attachment.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- query count ---------------------------------------------------------------------------------
def _busy_order(owner, lines: int) -> Order:
    customer = CustomerFactory(account_manager=owner)
    order = draft_order(
        owner,
        customer=customer,
        lines=[
            {"product": ProductFactory(), "quantity": Decimal("1"), "unit_price": None}
            for _ in range(lines)
        ],
    )
    return order


def test_order_page_query_count_does_not_grow(
    client, rep, sales_head, finance, media, django_assert_max_num_queries
):
    small = services.order_submit(order=_busy_order(rep, 1), actor=rep)
    big = _busy_order(rep, 12)
    for round_ in range(3):  # many events: submit, approve, reject, ...
        big = services.order_submit(order=big, actor=rep)
        big = services.order_approve(order=big, actor=sales_head)
        big = services.order_reject(order=big, actor=finance, comment=f"round {round_}")
    big = services.order_submit(order=big, actor=rep)
    for i in range(4):
        order_attachment_add(order=big, actor=rep, file=SimpleUploadedFile(f"{i}.txt", b"x"))
    client.force_login(sales_head)
    client.get(detail_url(small))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(detail_url(small)).status_code == 200
    assert len(baseline) <= 16  # + the alerts of the order (reports section)
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(detail_url(big))
    assert response.status_code == 200
    assert buttons(response) == {T.APPROVE, T.REJECT, T.CANCEL}
