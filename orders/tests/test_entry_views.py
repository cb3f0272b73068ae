"""The order entry page (/orders/new/, /orders/<id>/edit/) and its htmx fragments."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from contracts.enums import ContractStatus
from orders import services
from orders.enums import OrderEventType, OrderStatus, OrderTransition, SupplyMode
from orders.models import Order, OrderEvent
from tests.factories import (
    ContractFactory,
    CustomerAddressFactory,
    CustomerFactory,
    ProductFactory,
)

from .helpers import draft_order, force_status

pytestmark = pytest.mark.django_db
S = OrderStatus

CREATE_URL = "/orders/new/"


def edit_url(order) -> str:
    return reverse("orders:edit", args=[order.pk])


def form_data(customer=None, lines=(), action="save", **header) -> dict:
    """The POST body the entry page sends: header fields, lines formset, button."""
    data = {
        "customer": str(customer.pk) if customer else "",
        "customer_label": customer.name if customer else "",
        "contract": "",
        "ship_to": "",
        "ship_to_text": "",
        "consignee": "",
        "consignee_phone": "",
        "order_type": "regular",
        "order_date": "2026-11-23",
        "required_date": "",
        "promised_date": "",
        "delivery_method": "road",
        "payment_terms": "",
        "payment_due_date": "",
        "invoice_type": "vat_special",
        "source": "salesperson",
        "priority": "normal",
        "freight": "",
        "discount": "",
        "special_requirements": "",
        "remarks": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "500",
        "action": action,
    }
    for index, line in enumerate(lines):
        product = line.get("product")
        data.update(
            {
                f"lines-{index}-product": str(product.pk) if product else "",
                f"lines-{index}-product_label": line.get("label", str(product) if product else ""),
                f"lines-{index}-quantity": line.get("quantity", ""),
                f"lines-{index}-unit_price": line.get("unit_price", ""),
                f"lines-{index}-tax_rate": line.get("tax_rate", ""),
                f"lines-{index}-remarks": line.get("remarks", ""),
            }
        )
    data.update(header)
    return data


def html(response) -> str:
    return response.content.decode()


def input_tag(page: str, element_id: str) -> str:
    match = re.search(
        rf'<(?:input|select|textarea)\b[^>]*\bid="{re.escape(element_id)}"[^>]*>', page
    )
    assert match, f"no field {element_id}"
    return match.group(0)


def field_error(page: str, element_id: str) -> str:
    """Text of the invalid-feedback block that belongs to a field (id="<field id>_error")."""
    match = re.search(
        rf'<div class="invalid-feedback d-block" id="{element_id}_error">(.*?)</div></div>',
        page,
        re.S,
    )
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip() if match else ""


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def customer(rep):
    return CustomerFactory(
        account_manager=rep, name="杭州恒力水务设备有限公司", short_name="恒力水务"
    )


@pytest.fixture
def pump():
    return ProductFactory(
        code="BP-1001",
        name="离心泵",
        spec="ISW50-160",
        list_price=Decimal("1130"),
        floor_price=Decimal("1000"),
        vat_rate=Decimal("0.13"),
    )


@pytest.fixture
def valve():
    return ProductFactory(
        code="VL-2002",
        name="闸阀",
        spec="Z41H-16C DN100",
        unit="只",
        list_price=Decimal("109"),
        floor_price=Decimal("90"),
        vat_rate=Decimal("0.09"),
        supply_mode=SupplyMode.MAKE_TO_ORDER,
        production_cycle_days=15,
    )


def two_lines(pump, valve) -> list[dict]:
    return [
        {"product": pump, "quantity": "3", "unit_price": "1130", "tax_rate": "0.13"},
        {
            "product": valve,
            "quantity": "2.5",
            "unit_price": "100.005",
            "tax_rate": "0.09",
            "remarks": "法兰加厚",
        },
    ]


# --- who may open the page -----------------------------------------------------------------------
def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(CREATE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "url",
    [
        CREATE_URL,
        "/orders/entry/line/?lines-TOTAL_FORMS=1",
        "/orders/entry/customer-lookup/?q=a",
        "/orders/entry/product-lookup/?q=a",
    ],
)
def test_finance_may_not_enter_orders(client, finance, url):
    client.force_login(finance)
    assert client.get(url).status_code == 403
    assert client.post("/orders/entry/totals/", form_data()).status_code == 403


def test_rep_gets_an_empty_form_ready_for_typing(client, rep):
    client.force_login(rep)
    response = client.get(CREATE_URL)
    page = html(response)
    assert response.status_code == 200
    assert "autofocus" in input_tag(page, "id_customer_label")
    assert 'value="1"' in input_tag(page, "id_lines-TOTAL_FORMS")
    today = timezone.localdate().isoformat()
    assert f'value="{today}"' in input_tag(page, "id_order_date")
    assert 'type="date"' in input_tag(page, "id_required_date")
    assert "js/order-form.js" in page and "css/order-form.css" in page
    # Production CSP: script-src 'self', style-src 'self' - nothing inline on this page.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert ' style="' not in page
    assert re.findall(r"\son[a-z]+=\"", page) == []


# --- creating ------------------------------------------------------------------------------------
def test_create_with_two_lines_saves_lines_and_server_totals(client, rep, customer, pump, valve):
    client.force_login(rep)
    address = CustomerAddressFactory(customer=customer, consignee="王收货", phone="13800000000")
    data = form_data(
        customer,
        two_lines(pump, valve),
        ship_to=str(address.pk),
        required_date="2026-12-20",
        freight="200",
        discount="50.5",
        special_requirements="木箱包装",
    )

    response = client.post(CREATE_URL, data)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert message_texts(response) == [f"Order {order.number} saved as a draft."]
    assert order.status == S.DRAFT
    assert order.owner == rep
    assert order.customer == customer
    assert order.order_date == datetime.date(2026, 11, 23)
    assert order.required_date == datetime.date(2026, 12, 20)
    assert order.special_requirements == "木箱包装"
    assert order.consignee == "王收货"  # filled from the picked address by the service
    lines = list(order.lines.order_by("sequence"))
    assert [(line.product, line.quantity, line.unit_price, line.tax_rate) for line in lines] == [
        (pump, Decimal("3.000"), Decimal("1130.0000"), Decimal("0.13")),
        (valve, Decimal("2.500"), Decimal("100.0050"), Decimal("0.09")),
    ]
    assert [line.amount for line in lines] == [Decimal("3390.00"), Decimal("250.01")]
    assert [line.tax_amount for line in lines] == [Decimal("390.00"), Decimal("20.64")]
    assert lines[1].remarks == "法兰加厚"
    assert order.lines_total == Decimal("3640.01")
    assert order.tax_total == Decimal("410.64")
    assert order.freight == Decimal("200.00")
    assert order.discount == Decimal("50.50")
    assert order.total == Decimal("3789.51")


def test_blank_rows_are_skipped_and_price_defaults_to_list_price(client, rep, customer, pump):
    client.force_login(rep)
    data = form_data(customer, [{"product": pump, "quantity": "1"}, {}])

    client.post(CREATE_URL, data)

    line = Order.objects.get().lines.get()
    assert (line.unit_price, line.tax_rate, line.amount) == (
        Decimal("1130.0000"),
        Decimal("0.13"),
        Decimal("1130.00"),
    )


def test_save_and_submit_sends_the_order_to_sales_review(client, rep, customer, pump, valve):
    client.force_login(rep)

    response = client.post(CREATE_URL, form_data(customer, two_lines(pump, valve), "submit"))

    order = Order.objects.get()
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert order.status == S.SALES_REVIEW
    assert order.submitted_at is not None
    assert list(order.events.values_list("event_type", "transition")) == [
        (OrderEventType.CREATED, ""),
        (OrderEventType.TRANSITION, OrderTransition.SUBMIT),
    ]
    assert message_texts(response) == [f"Order {order.number} submitted for approval."]


def test_failed_submit_keeps_the_saved_draft_and_says_why(client, rep, customer):
    client.force_login(rep)

    response = client.post(CREATE_URL, form_data(customer, [{}], "submit"))

    order = Order.objects.get()
    assert order.status == S.DRAFT
    assert response["Location"] == edit_url(order)
    [text] = message_texts(response)
    assert f"Order {order.number} was saved as a draft but not submitted" in text
    assert "Add at least one line before submitting." in text
    assert not order.events.filter(event_type=OrderEventType.TRANSITION).exists()


def test_price_below_floor_saves_with_a_warning(client, rep, customer, pump):
    client.force_login(rep)
    data = form_data(customer, [{"product": pump, "quantity": "1", "unit_price": "999"}])

    response = client.post(CREATE_URL, data)

    assert Order.objects.get().lines.get().unit_price == Decimal("999.0000")
    assert message_texts(response)[1] == (
        "Line 1: the unit price is below the floor price; approval will check it."
    )


# --- validation: errors next to the field, nothing typed is lost ----------------------------------
def test_service_errors_are_shown_next_to_fields_with_values_kept(client, rep, pump, valve):
    client.force_login(rep)
    data = form_data(
        None,
        [
            {"product": pump, "quantity": "0", "unit_price": "1130", "remarks": "第一行"},
            {"product": valve, "quantity": "4", "unit_price": "-5", "tax_rate": "0.09"},
        ],
        customer_label="恒力",
        consignee="张三",
        special_requirements="木箱包装",
    )

    response = client.post(CREATE_URL, data)
    page = html(response)

    assert response.status_code == 200
    assert not Order.objects.exists()
    assert "is-invalid" in input_tag(page, "id_customer_label")
    assert field_error(page, "id_customer") == "Choose a customer."
    assert "is-invalid" in input_tag(page, "id_lines-0-quantity")
    assert field_error(page, "id_lines-0-quantity") == "The quantity must be greater than zero."
    assert "is-invalid" in input_tag(page, "id_lines-1-unit_price")
    assert field_error(page, "id_lines-1-unit_price") == "The unit price cannot be negative."
    assert "is-invalid" not in input_tag(page, "id_lines-1-quantity")
    assert 'data-testid="floor-warning"' not in page  # a negative price is an error, not a hint
    # Everything typed is still there.
    assert 'value="恒力"' in input_tag(page, "id_customer_label")
    assert 'value="张三"' in input_tag(page, "id_consignee")
    assert "木箱包装" in page
    assert 'value="2"' in input_tag(page, "id_lines-TOTAL_FORMS")
    assert 'value="0"' in input_tag(page, "id_lines-0-quantity")
    assert 'value="第一行"' in input_tag(page, "id_lines-0-remarks")
    assert f'value="{pump.pk}"' in input_tag(page, "id_lines-0-product")
    assert f'value="{valve}"' in input_tag(page, "id_lines-1-product_label")
    assert 'value="-5"' in input_tag(page, "id_lines-1-unit_price")
    assert re.search(r'<option value="0.09" selected>', page)
    assert "autofocus" not in input_tag(page, "id_customer_label")


def test_malformed_date_is_a_field_error_and_the_picked_customer_stays(client, rep, customer, pump):
    client.force_login(rep)
    data = form_data(customer, [{"product": pump, "quantity": "2"}], order_date="2026-13-40")

    response = client.post(CREATE_URL, data)
    page = html(response)

    assert response.status_code == 200
    assert not Order.objects.exists()
    assert field_error(page, "id_order_date") == "Enter a valid date."
    assert 'value="2026-13-40"' in input_tag(page, "id_order_date")
    assert f'value="{customer.pk}"' in input_tag(page, "id_customer")
    assert f'value="{customer.name}"' in input_tag(page, "id_customer_label")
    assert 'data-testid="customer-terms"' in page  # the customer's details are shown again
    assert 'value="2"' in input_tag(page, "id_lines-0-quantity")


def test_unparseable_numbers_are_field_errors(client, rep, customer, pump):
    client.force_login(rep)
    data = form_data(customer, [{"product": pump, "quantity": "abc"}], freight="1,5x")

    page = html(client.post(CREATE_URL, data))

    assert field_error(page, "id_lines-0-quantity") == "Enter a number."
    assert field_error(page, "id_freight") == "Enter a number."
    assert 'value="abc"' in input_tag(page, "id_lines-0-quantity")
    assert not Order.objects.exists()


def test_another_reps_customer_is_refused(client, rep, other_rep, pump):
    client.force_login(rep)
    theirs = CustomerFactory(account_manager=other_rep)

    page = html(client.post(CREATE_URL, form_data(theirs, [{"product": pump, "quantity": "1"}])))

    assert field_error(page, "id_customer") == "Choose one of your customers from the list."
    assert not Order.objects.exists()


def test_errors_come_in_the_users_language(client, rep, customer, pump):
    client.force_login(rep)
    data = form_data(customer, [{"product": pump, "quantity": "0"}], required_date="2026-02-30")

    page = html(client.post(CREATE_URL, data, HTTP_ACCEPT_LANGUAGE="zh-hans"))

    assert field_error(page, "id_required_date") == "输入一个有效的日期。"
    data["required_date"] = ""
    page = html(client.post(CREATE_URL, data, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert field_error(page, "id_lines-0-quantity") == "数量必须大于零。"


# --- editing -------------------------------------------------------------------------------------
def test_edit_form_shows_the_order_as_saved(client, rep, customer, pump):
    client.force_login(rep)
    order = draft_order(
        rep,
        customer=customer,
        lines=[{"product": pump, "quantity": Decimal("2.5"), "unit_price": Decimal("1100")}],
        freight=Decimal("30"),
    )

    page = html(client.get(edit_url(order)))

    assert f'value="{customer.name}"' in input_tag(page, "id_customer_label")
    assert 'value="2.5"' in input_tag(page, "id_lines-0-quantity")
    assert 'value="1100"' in input_tag(page, "id_lines-0-unit_price")
    assert 'value="30.00"' in input_tag(page, "id_freight")
    assert "¥2,780.00" in page  # 2.5 × 1100 + 30


def test_edit_replaces_lines_and_header(client, rep, customer, pump, valve):
    client.force_login(rep)
    order = draft_order(rep, customer=customer, lines=[{"product": pump, "quantity": 1}])

    response = client.post(
        edit_url(order), form_data(customer, two_lines(pump, valve), remarks="改为两行")
    )

    order.refresh_from_db()
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert order.lines.count() == 2
    assert order.total == Decimal("3640.01")
    assert order.remarks == "改为两行"
    assert order.events.filter(event_type=OrderEventType.UPDATED).count() == 1


def test_rejected_order_shows_the_reason_and_can_be_resubmitted(
    client, rep, sales_head, customer, pump
):
    order = services.order_submit(order=draft_order(rep, customer=customer), actor=rep)
    services.order_reject(order=order, actor=sales_head, comment="单价需复核")
    client.force_login(rep)

    page = html(client.get(edit_url(order)))
    assert "单价需复核" in page
    assert "Save and resubmit" in page

    response = client.post(
        edit_url(order), form_data(customer, [{"product": pump, "quantity": "1"}], "submit")
    )
    order.refresh_from_db()
    assert response.status_code == 302
    assert order.status == S.SALES_REVIEW


def test_another_reps_order_is_not_found(client, rep, other_rep):
    order = draft_order(other_rep)
    client.force_login(rep)

    assert client.get(edit_url(order)).status_code == 404
    assert client.post(edit_url(order), form_data()).status_code == 404


def test_only_the_owner_edits(client, rep, sales_head, finance):
    order = draft_order(rep)
    for user in (sales_head, finance):
        client.force_login(user)
        assert client.get(edit_url(order)).status_code == 403


def test_submitted_order_redirects_to_its_page_with_a_message(client, rep, customer, pump):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    client.force_login(rep)

    response = client.post(
        edit_url(order), form_data(customer, [{"product": pump, "quantity": "9"}])
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert "can no longer be edited" in message_texts(response)[0]
    assert order.lines.get().quantity == Decimal("2.000")  # unchanged
    assert not OrderEvent.objects.filter(order=order, event_type=OrderEventType.UPDATED).exists()


@pytest.mark.parametrize("status", [S.APPROVED, S.CANCELLED, S.ARCHIVED])
def test_non_editable_states_redirect(client, rep, status):
    order = force_status(draft_order(rep), status)
    client.force_login(rep)

    response = client.get(edit_url(order))

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])


# --- htmx: line rows -----------------------------------------------------------------------------
def test_add_line_returns_a_row_with_the_next_index(client, rep):
    client.force_login(rep)

    page = html(client.get("/orders/entry/line/?lines-TOTAL_FORMS=3", HTTP_HX_REQUEST="true"))

    assert page.count("<tr") == 1
    for field in ("product", "product_label", "quantity", "unit_price", "tax_rate", "remarks"):
        assert f'name="lines-3-{field}"' in page
    assert 'id="lines-3-amount"' in page
    assert ">4</td>" in page  # the row number shown


@pytest.mark.parametrize("value", ["x", "-1", "500"])
def test_add_line_refuses_a_bad_index(client, rep, value):
    client.force_login(rep)
    assert client.get(f"/orders/entry/line/?lines-TOTAL_FORMS={value}").status_code == 400


# --- htmx: totals --------------------------------------------------------------------------------
def test_totals_match_the_server_exactly_in_figures_and_capitals(client, rep, pump, valve):
    client.force_login(rep)
    data = form_data(None, two_lines(pump, valve), freight="200", discount="50.5")

    response = client.post("/orders/entry/totals/", data, HTTP_HX_REQUEST="true")
    page = html(response)

    assert response.status_code == 200
    assert re.search(r'id="lines-0-amount"[^>]*hx-swap-oob="true">¥3,390.00', page)
    assert re.search(r'id="lines-1-amount"[^>]*hx-swap-oob="true">¥250.01', page)
    assert re.search(r'data-testid="lines-total">¥3,640.01<', page)
    assert re.search(r'data-testid="excl-total">¥3,229.37<', page)
    assert re.search(r'data-testid="tax-total">¥410.64<', page)
    assert re.search(r'data-testid="order-total">¥3,789.51<', page)
    assert "¥3,640.01 + ¥200.00 − ¥50.50" in page
    assert "叁仟柒佰捌拾玖元伍角壹分" in page
    assert "Make to order (standard cycle 15 working days)" in page
    assert "Make to stock" in page
    assert 'data-testid="floor-warning"' not in page


def test_totals_warn_below_floor_and_skip_unfinished_rows(client, rep, pump):
    client.force_login(rep)
    data = form_data(
        None,
        [
            {"product": pump, "quantity": "1", "unit_price": "999.99"},
            {"label": "泵", "quantity": "5", "unit_price": "10"},  # no product picked yet
            {"product": pump, "quantity": "zwei"},
        ],
    )

    page = html(client.post("/orders/entry/totals/", data))

    assert "Below the floor price (¥1,000.00)" in page
    assert re.search(r'id="lines-1-amount"[^>]*>(<span[^>]*>)?—', page)
    assert re.search(r'id="lines-2-amount"[^>]*>(<span[^>]*>)?—', page)
    assert re.search(r'data-testid="order-total">¥999.99<', page)
    assert "玖佰玖拾玖元玖角玖分" in page


def test_totals_flag_a_discount_larger_than_the_order(client, rep, pump):
    client.force_login(rep)
    data = form_data(None, [{"product": pump, "quantity": "1"}], discount="2000")

    page = html(client.post("/orders/entry/totals/", data))

    assert re.search(r'data-testid="order-total">¥0.00<', page)
    assert "The discount is larger than the lines and freight together." in page


def test_totals_query_count_does_not_grow_with_lines(client, rep, django_assert_max_num_queries):
    client.force_login(rep)
    products = ProductFactory.create_batch(30)
    data = form_data(None, [{"product": p, "quantity": "1"} for p in products])
    client.get(CREATE_URL)  # warm the session

    with django_assert_max_num_queries(5):
        response = client.post("/orders/entry/totals/", data)
    assert html(response).count("hx-swap-oob") == 30 * 3 + 2


# --- htmx: look-ups ------------------------------------------------------------------------------
def test_customer_lookup_shows_only_the_reps_own_active_customers(client, rep, other_rep, customer):
    CustomerFactory(account_manager=rep, name="恒力备用客户", is_active=False)
    CustomerFactory(account_manager=other_rep, name="恒力别人家的客户")
    client.force_login(rep)

    by_name = html(client.get("/orders/entry/customer-lookup/?customer_label=恒力"))
    by_short = html(client.get("/orders/entry/customer-lookup/?q=水务"))
    by_code = html(client.get(f"/orders/entry/customer-lookup/?q={customer.credit_code[-6:]}"))

    for page in (by_name, by_short, by_code):
        assert re.findall(r'data-id="(\d+)"', page) == [str(customer.pk)]
        assert customer.name in page
    assert "别人家" not in by_name
    assert "No customer of yours matches" in html(
        client.get("/orders/entry/customer-lookup/?q=不存在")
    )


def test_sales_head_looks_up_every_customer(client, sales_head, rep, other_rep):
    mine = CustomerFactory(account_manager=rep, name="甲公司")
    theirs = CustomerFactory(account_manager=other_rep, name="乙公司")
    client.force_login(sales_head)

    page = html(client.get("/orders/entry/customer-lookup/?q=公司"))

    assert set(re.findall(r'data-id="(\d+)"', page)) == {str(mine.pk), str(theirs.pk)}


def test_customer_lookup_query_count_is_bounded(client, rep, django_assert_max_num_queries):
    CustomerFactory.create_batch(25, account_manager=rep)
    client.force_login(rep)
    client.get(CREATE_URL)

    with django_assert_max_num_queries(4):
        page = html(client.get("/orders/entry/customer-lookup/?q="))
    assert len(re.findall(r'data-pick="customer"', page)) == 15


def test_customer_details_lists_active_contracts_addresses_and_terms(client, rep, customer):
    customer.settlement_method = "monthly"
    customer.credit_limit = Decimal("500000")
    customer.save()
    active = ContractFactory(customer=customer, number="HT-A", payment_terms="月结30天")
    ContractFactory(customer=customer, number="HT-DONE", status=ContractStatus.COMPLETED)
    ContractFactory(number="HT-OTHER")
    CustomerAddressFactory(customer=customer, is_default=False, detail="仓库二号")
    default = CustomerAddressFactory(customer=customer, is_default=True, consignee="王收货")
    client.force_login(rep)

    page = html(client.get(f"/orders/entry/customer-details/?customer={customer.pk}"))

    assert re.findall(r'<option value="(\d+)" data-fill-payment_terms', page) == [str(active.pk)]
    assert "HT-DONE" not in page and "HT-OTHER" not in page
    assert 'data-fill-payment_terms="月结30天"' in page
    assert re.search(
        rf'<option value="{default.pk}"[^>]*data-fill-consignee="王收货"[^>]* selected>', page
    )
    assert "仓库二号" in page
    assert "Monthly settlement (月结)" in page
    assert "¥500,000.00" in page


def test_customer_details_of_another_reps_customer_is_not_found(client, rep, other_rep):
    theirs = CustomerFactory(account_manager=other_rep)
    client.force_login(rep)

    assert client.get(f"/orders/entry/customer-details/?customer={theirs.pk}").status_code == 404
    assert client.get("/orders/entry/customer-details/?customer=x").status_code == 404


def test_product_lookup_matches_code_name_and_spec(client, rep, pump, valve):
    ProductFactory(code="OLD-1", name="停产离心泵", is_active=False)
    client.force_login(rep)

    by_code = html(client.get("/orders/entry/product-lookup/?lines-4-product_label=vl-20"))
    by_name = html(client.get("/orders/entry/product-lookup/?q=离心泵"))
    by_spec = html(client.get("/orders/entry/product-lookup/?q=ISW50"))

    assert re.findall(r'data-id="(\d+)"', by_code) == [str(valve.pk)]
    assert re.findall(r'data-id="(\d+)"', by_name) == [str(pump.pk)]
    assert re.findall(r'data-id="(\d+)"', by_spec) == [str(pump.pk)]
    assert 'data-price="109"' in by_code
    assert 'data-tax-rate="0.09"' in by_code
    assert 'data-unit="只"' in by_code
    assert "Make to order (standard cycle 15 working days)" in by_code


def test_product_lookup_query_count_is_bounded(client, rep, django_assert_max_num_queries):
    ProductFactory.create_batch(25)
    client.force_login(rep)
    client.get(CREATE_URL)

    with django_assert_max_num_queries(4):
        page = html(client.get("/orders/entry/product-lookup/?q="))
    assert len(re.findall(r'data-pick="product"', page)) == 15


def test_edit_page_query_count_does_not_grow_with_lines(
    client, rep, customer, django_assert_max_num_queries
):
    CustomerAddressFactory(customer=customer)
    ContractFactory(customer=customer)
    lines = [{"product": ProductFactory(), "quantity": Decimal("1")} for _ in range(30)]
    order = draft_order(rep, customer=customer, lines=lines)
    client.force_login(rep)
    client.get(CREATE_URL)

    # delegations and the open approval round: two fixed queries
    with django_assert_max_num_queries(13):
        response = client.get(edit_url(order))
    assert html(response).count("data-line-row") == 30


def _two_line_post(customer, product, **extra):
    return {
        "customer": customer.pk,
        "customer_label": customer.name,
        "order_date": "2026-11-22",
        "order_type": "regular",
        "delivery_method": "road",
        "invoice_type": "vat_special",
        "source": "salesperson",
        "priority": "normal",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-product_label": str(product),
        "lines-0-quantity": "2",
        "lines-0-unit_price": "100",
        "lines-0-tax_rate": "0.13",
        "action": "save",
        **extra,
    }


def test_attachments_are_saved_with_the_new_order(client, rep, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    customer = CustomerFactory(account_manager=rep)
    client.force_login(rep)
    upload = SimpleUploadedFile("采购单.pdf", b"%PDF-1.4 purchase order", "application/pdf")
    response = client.post(
        "/orders/new/", _two_line_post(customer, ProductFactory(), attachments=[upload])
    )
    assert response.status_code == 302
    order = Order.objects.get()
    attachment = order.attachments.get()
    assert (attachment.name, attachment.uploaded_by) == ("采购单.pdf", rep)


def test_a_bad_attachment_keeps_the_form_and_saves_nothing(client, rep, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    customer = CustomerFactory(account_manager=rep)
    client.force_login(rep)
    upload = SimpleUploadedFile("virus.exe", b"MZ", "application/octet-stream")
    response = client.post(
        "/orders/new/", _two_line_post(customer, ProductFactory(), attachments=[upload])
    )
    assert response.status_code == 200
    assert "virus.exe" in response.content.decode()
    assert Order.objects.count() == 0
