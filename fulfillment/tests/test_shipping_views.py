"""Shipment pages: the warehouse's ship form, the list and page, the shipping note (发货单), the
signed receipt (签收单) and short-closing lines — who may do what, and bad input that changes
nothing."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fulfillment.enums import ShipmentStatus
from fulfillment.models import DeliveryReceipt, Shipment, ShipmentLine, StockItem
from fulfillment.services import stock_receive
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from orders.enums import OrderEventType, OrderStatus, OrderTransition, SupplyMode
from orders.models import Order, OrderEvent
from tests.factories import ProductFactory, UserFactory

from .conftest import approve_fully, order_of, role_matrix, user

pytestmark = pytest.mark.django_db
S = OrderStatus
ROLES = ["rep", "other_rep", "sales_head", "finance", "gm", "production", "warehouse", "admin_user"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def box(db):
    return ProductFactory(
        code="BX-20", name="包装箱", spec="600×400", unit="箱", supply_mode=SupplyMode.MAKE_TO_STOCK
    )


@pytest.fixture
def ready(rep, warehouse, mts, box):
    """Ready to ship from stock: line 1 = 4 台 of mts, line 2 = 3 箱 of box."""
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    stock_receive(product=box, quantity=Decimal("5"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "4"), (box, "3")))
    assert order.status == S.READY_TO_SHIP
    return order


def lines_of(order):
    return list(order.lines.order_by("sequence"))


def create_url(order):
    return reverse("fulfillment:shipment_create", args=[order.pk])


def ship_data(order, quantities=None, **overrides):
    data = {
        "shipped_on": timezone.localdate().isoformat(),
        "transport_mode": "road",
        "carrier": "德邦物流",
        "tracking_number": "DB123456",
        "customer_consent": "",
        "follow_up_owner": "",
        "remarks": "",
        "expected_status": order.status,
    }
    for line in lines_of(order):
        if line.open_quantity > 0:
            data[f"qty_{line.pk}"] = str(line.open_quantity.normalize())
    for line_pk, value in (quantities or {}).items():
        data[f"qty_{line_pk}"] = value
    data.update(overrides)
    return data


def assert_nothing_shipped(order, stock_before):
    order.refresh_from_db()
    assert order.status == S.READY_TO_SHIP
    assert not Shipment.objects.exists()
    assert all(line.shipped_quantity == 0 for line in lines_of(order))
    assert not OrderEvent.objects.filter(order=order, transition=OrderTransition.SHIP).exists()
    assert list(StockItem.objects.order_by("pk").values_list("on_hand", flat=True)) == stock_before


def stock_levels():
    return list(StockItem.objects.order_by("pk").values_list("on_hand", flat=True))


# --- the ship form: who --------------------------------------------------------------------------
@role_matrix(403, other_rep=404, warehouse=200)
def test_ship_form_matrix(client, request, ready, who, status):
    client.force_login(user(request, who))
    assert client.get(create_url(ready)).status_code == status
    response = client.post(create_url(ready), ship_data(ready))
    assert response.status_code == (302 if status == 200 else status)
    if status != 200:
        assert not Shipment.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, ready):
    for url in (
        create_url(ready),
        reverse("fulfillment:shipment_list"),
        reverse("fulfillment:line_short_close", args=[ready.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_ship_form_lists_open_lines_with_quantities_and_defaults(client, warehouse, rep, ready):
    client.force_login(warehouse)
    html = client.get(create_url(ready)).content.decode()
    first, second = lines_of(ready)
    assert f'name="qty_{first.pk}" value="4"' in html
    assert f'name="qty_{second.pk}" value="3"' in html
    rows = re.findall(r'<tr data-line="(\d+)"', html)
    assert rows == [str(first.pk), str(second.pk)]
    # ordered / shipped / open / reserved for line 1: 4 / 0 / 4 / 4
    row = html.split(f'data-line="{first.pk}"')[1].split("</tr>")[0]
    assert re.findall(r'class="num[^"]*">([\d.]+)</td>', row) == ["4", "0", "4", "4"]
    assert f'value="{timezone.localdate().isoformat()}"' in html  # ship date: today
    assert '<option value="road" selected>' in html  # the order's delivery method
    assert f'<option value="{rep.pk}" selected>' in html  # follow-up owner: the order's rep
    assert "partial shipment" in html.lower() and "consent" in html.lower()  # help text
    assert 'data-testid="gate-blocked"' not in html
    assert 'data-testid="short-close"' not in html  # the warehouse does not short-close


# --- the ship form: happy paths ------------------------------------------------------------------
def test_ship_everything(client, warehouse, ready, mts):
    client.force_login(warehouse)
    response = client.post(create_url(ready), ship_data(ready))
    shipment = Shipment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("fulfillment:shipment_detail", args=[shipment.pk])
    ready.refresh_from_db()
    assert ready.status == S.SHIPPED
    assert shipment.number.startswith("SH")
    assert (shipment.carrier, shipment.tracking_number, shipment.transport_mode) == (
        "德邦物流",
        "DB123456",
        "road",
    )
    assert sorted(ShipmentLine.objects.values_list("quantity", flat=True)) == [3, 4]
    assert StockItem.objects.get(product=mts).on_hand == Decimal("6")
    page = client.get(response["Location"]).content.decode()
    assert shipment.number in page and "Shipped" in page


def test_partial_shipment_with_consent(client, warehouse, rep, ready, mts):
    first, second = lines_of(ready)
    client.force_login(warehouse)
    response = client.post(
        create_url(ready),
        ship_data(ready, {first.pk: "2.5", second.pk: ""}, customer_consent="王经理 电话同意"),
    )
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == S.PARTIALLY_SHIPPED
    shipment = Shipment.objects.get()
    assert [(x.order_line_id, x.quantity) for x in shipment.lines.all()] == [
        (first.pk, Decimal("2.5"))
    ]
    assert shipment.customer_consent == "王经理 电话同意"
    assert shipment.follow_up_owner == rep  # defaults to the order's rep
    assert StockItem.objects.get(product=mts).on_hand == Decimal("7.5")
    # the form for the rest now offers what is still open
    html = client.get(create_url(ready)).content.decode()
    assert f'name="qty_{first.pk}" value="1.5"' in html
    assert shipment.number in html  # earlier shipments of the order


def test_zero_means_not_shipped_now(client, warehouse, ready):
    first, second = lines_of(ready)
    client.force_login(warehouse)
    client.post(create_url(ready), ship_data(ready, {second.pk: "0"}, customer_consent="客户同意"))
    assert list(Shipment.objects.get().lines.values_list("order_line_id", flat=True)) == [first.pk]


def test_pickup_needs_no_carrier(client, warehouse, ready):
    client.force_login(warehouse)
    response = client.post(
        create_url(ready),
        ship_data(ready, transport_mode="pickup", carrier="", tracking_number=""),
    )
    assert response.status_code == 302
    assert Shipment.objects.get().transport_mode == "pickup"


# --- the ship form: bad input changes nothing ----------------------------------------------------
@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"line1": "5"}, "line1", "Only 4 台 are still open on this line."),
        ({"line1": "-1"}, "line1", "The quantity cannot be negative."),
        ({"line1": "abc"}, "line1", "Enter a number."),
        ({"line1": "NaN"}, "line1", "Enter a number."),
        ({"line1": "Infinity"}, "line1", "Enter a number."),
        ({"line1": "1.2345"}, "line1", "no more than 3 decimal places"),
        ({"line1": "", "line2": ""}, None, "Enter a quantity to ship on at least one line."),
        ({"line1": "0", "line2": "0"}, None, "Enter a quantity to ship on at least one line."),
        ({"shipped_on": "tomorrow"}, "shipped_on", "The ship date cannot be in the future."),
        ({"shipped_on": "2026-13-45"}, "shipped_on", "Enter a valid date."),
        ({"line1": "1"}, "customer_consent", "A partial shipment needs the customer"),
        (
            {"transport_mode": "express", "tracking_number": ""},
            "tracking_number",
            "An express shipment needs its tracking number.",
        ),
        ({"carrier": ""}, "carrier", "Enter the carrier"),
        ({"transport_mode": "teleport"}, "transport_mode", "Select a valid choice."),
        ({"follow_up_owner": "999999"}, "follow_up_owner", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_changes_nothing(
    client, warehouse, ready, change, field, message
):
    first, second = lines_of(ready)
    names = {"line1": f"qty_{first.pk}", "line2": f"qty_{second.pk}"}
    data = ship_data(ready)
    for key, value in change.items():
        if value == "tomorrow":
            value = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
        data[names.get(key, key)] = value
    before = stock_levels()
    client.force_login(warehouse)

    response = client.post(create_url(ready), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'").replace("&quot;", '"')
    if field is not None:
        name = names.get(field, field)
        assert f'data-testid="error-{name}"' in html
        error = html.split(f'data-testid="error-{name}"')[1].split("</div></div>")[0]
        assert message in error.replace("&#x27;", "'")
    assert_nothing_shipped(ready, before)


def test_typed_values_are_kept_after_an_error(client, warehouse, ready):
    first, _second = lines_of(ready)
    client.force_login(warehouse)
    html = client.post(
        create_url(ready), ship_data(ready, {first.pk: "1"}, carrier="顺丰", remarks="小心轻放")
    ).content.decode()
    assert f'name="qty_{first.pk}" value="1"' in html
    assert 'value="顺丰"' in html and "小心轻放" in html


def test_stale_form_ships_nothing(client, warehouse, ready):
    """The page was opened before someone else shipped part of the order."""
    first, second = lines_of(ready)
    shipment_create(
        order=ready,
        actor=warehouse,
        quantities={first.pk: "1"},
        carrier="顺丰",
        customer_consent="同意",
    )
    client.force_login(warehouse)
    data = ship_data(ready, {first.pk: "1", second.pk: "3"}, customer_consent="同意")
    data["expected_status"] = S.READY_TO_SHIP
    response = client.post(create_url(ready), data)
    assert response.status_code == 400
    assert "moved on" in response.content.decode()
    assert Shipment.objects.count() == 1


def test_order_not_ready_shows_no_form(client, rep, warehouse, mto):
    order = approve_fully(order_of(rep, (mto, "2")))
    assert order.status == S.APPROVED
    client.force_login(warehouse)
    html = client.get(create_url(order)).content.decode()
    assert 'data-testid="not-shippable"' in html
    assert 'data-testid="shipment-form"' not in html
    response = client.post(create_url(order), ship_data(order))
    assert response.status_code == 400
    assert not Shipment.objects.exists()


# --- the shipping gate ---------------------------------------------------------------------------
@pytest.fixture
def prepaid(rep, warehouse, mts):
    """A prepayment order, ready to ship, no payment received: the gate blocks it."""
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "4"), settlement_method="prepayment"))
    assert order.status == S.READY_TO_SHIP
    return order


def test_blocked_order_shows_the_reasons_and_a_disabled_submit(client, warehouse, prepaid):
    client.force_login(warehouse)
    html = client.get(create_url(prepaid)).content.decode()
    panel = html.split('data-testid="gate-blocked"')[1].split("</div>\n")[0]
    assert "Prepayment required" in panel
    assert re.search(r'data-testid="ship-submit" disabled', html)
    # The warehouse cannot ask for a risk shipment itself: the page says who can.
    assert reverse("fulfillment:risk_create", args=[prepaid.pk]) not in html
    assert "sales rep or the sales head" in html


def test_blocked_order_refuses_a_posted_shipment(client, warehouse, prepaid):
    before = stock_levels()
    client.force_login(warehouse)
    response = client.post(create_url(prepaid), ship_data(prepaid))
    assert response.status_code == 400
    assert "Shipping is blocked" in response.content.decode()
    assert_nothing_shipped(prepaid, before)


def test_blocked_panel_links_the_risk_request(client, rep, warehouse, prepaid):
    from fulfillment.services.risk import risk_request_create

    risk = risk_request_create(order=prepaid, actor=rep, reason="老客户，月底付款")
    client.force_login(warehouse)
    html = client.get(create_url(prepaid)).content.decode()
    assert reverse("fulfillment:risk_detail", args=[risk.pk]) in html
    assert "Waiting for finance" in html


# --- short-close ---------------------------------------------------------------------------------
def short_close_url(order):
    return reverse("fulfillment:line_short_close", args=[order.pk])


@pytest.fixture
def partly(warehouse, ready):
    first, second = lines_of(ready)
    shipment_create(
        order=ready,
        actor=warehouse,
        quantities={first.pk: "4", second.pk: "1"},
        carrier="顺丰",
        customer_consent="同意",
    )
    ready.refresh_from_db()
    assert ready.status == S.PARTIALLY_SHIPPED
    return ready


@role_matrix(200, other_rep=404, finance=403, production=403, warehouse=403)
def test_short_close_page_matrix(client, request, partly, who, status):
    client.force_login(user(request, who))
    assert client.get(short_close_url(partly)).status_code == status
    _first, second = lines_of(partly)
    response = client.post(short_close_url(partly), {"line": second.pk, "reason": "客户取消"})
    assert response.status_code == (302 if status == 200 else status)
    second.refresh_from_db()
    assert second.is_closed is (status == 200)


def test_short_close_the_last_open_line_ships_the_order(client, rep, partly):
    _first, second = lines_of(partly)
    client.force_login(rep)
    html = client.get(short_close_url(partly)).content.decode()
    assert f'data-testid="short-close-{second.pk}"' in html
    ship_page = reverse("fulfillment:shipment_list") + f"?order={partly.pk}"
    response = client.post(
        short_close_url(partly), {"line": second.pk, "reason": "客户不要了", "next": ship_page}
    )
    assert response.status_code == 302
    assert response["Location"] == ship_page
    partly.refresh_from_db()
    second.refresh_from_db()
    assert partly.status == S.SHIPPED
    assert (second.is_closed, second.close_reason) == (True, "客户不要了")
    assert OrderEvent.objects.filter(order=partly, event_type=OrderEventType.LINE_CLOSED).exists()


def test_short_close_without_a_reason_changes_nothing(client, rep, partly):
    _first, second = lines_of(partly)
    client.force_login(rep)
    response = client.post(short_close_url(partly), {"line": second.pk, "reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-testid="error-line-{second.pk}"' in html and "Give a reason." in html
    second.refresh_from_db()
    assert not second.is_closed
    assert not OrderEvent.objects.filter(
        order=partly, event_type=OrderEventType.LINE_CLOSED
    ).exists()


@pytest.mark.parametrize("line", ["abc", "", "999999999"])
def test_short_close_of_a_bad_line_is_a_message(client, rep, partly, line):
    client.force_login(rep)
    response = client.post(short_close_url(partly), {"line": line, "reason": "x"})
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not partly.lines.filter(is_closed=True).exclude(shipped_quantity=4).exists()


def test_short_close_ignores_a_foreign_next(client, rep, partly):
    _first, second = lines_of(partly)
    client.force_login(rep)
    response = client.post(
        short_close_url(partly),
        {"line": second.pk, "reason": "客户取消", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("orders:detail", args=[partly.pk])


def test_short_close_before_shipping_starts_says_when(client, rep, mto):
    order = approve_fully(order_of(rep, (mto, "2")))
    client.force_login(rep)
    html = client.get(short_close_url(order)).content.decode()
    assert 'data-testid="not-allowed-now"' in html
    assert not re.search(r'data-testid="short-close-\d', html)


def test_ship_page_offers_short_close_to_who_may(client, partly):
    both = UserFactory(username="lead", roles=["warehouse", "sales_head"])
    client.force_login(both)
    html = client.get(create_url(partly)).content.decode()
    assert 'data-testid="short-close"' in html
    assert short_close_url(partly) in html


# --- list ---------------------------------------------------------------------------------------
def make_shipped_orders(n, owner, warehouse, product):
    stock_receive(product=product, quantity=Decimal(n * 2), actor=warehouse)
    for _ in range(n):
        order = approve_fully(order_of(owner, (product, "2")))
        shipment_create(order=order, actor=warehouse, carrier="顺丰")


def shipment_numbers(response):
    return re.findall(r">(SH\d{11})</a>", response.content.decode())


def test_list_is_scoped_to_the_orders_the_user_sees(client, rep, other_rep, warehouse, mts):
    make_shipped_orders(2, rep, warehouse, mts)
    make_shipped_orders(1, other_rep, warehouse, mts)
    client.force_login(rep)
    assert len(shipment_numbers(client.get(reverse("fulfillment:shipment_list")))) == 2
    client.force_login(other_rep)
    assert len(shipment_numbers(client.get(reverse("fulfillment:shipment_list")))) == 1
    client.force_login(warehouse)
    assert len(shipment_numbers(client.get(reverse("fulfillment:shipment_list")))) == 3


def test_list_filters(client, warehouse, rep, ready, media):
    first, second = lines_of(ready)
    Order.objects.filter(pk=ready.pk).update(
        order_date=timezone.localdate() - dt.timedelta(days=10)
    )
    ready.refresh_from_db()
    a = shipment_create(
        order=ready,
        actor=warehouse,
        quantities={first.pk: "4"},
        carrier="顺丰",
        customer_consent="同意",
        shipped_on=timezone.localdate() - dt.timedelta(days=3),
    )
    ready.refresh_from_db()
    b = shipment_create(order=ready, actor=warehouse, quantities={second.pk: "3"}, carrier="顺丰")
    delivery_receipt_add(
        shipment=b,
        actor=warehouse,
        file=SimpleUploadedFile("r.pdf", b"%PDF"),
        signer="张三",
        signed_on=timezone.localdate(),
    )
    client.force_login(warehouse)
    url = reverse("fulfillment:shipment_list")
    assert shipment_numbers(client.get(url)) == [b.number, a.number]
    assert shipment_numbers(client.get(url, {"status": "shipped"})) == [a.number]
    assert shipment_numbers(client.get(url, {"status": "delivered"})) == [b.number]
    assert shipment_numbers(client.get(url, {"q": ready.number})) == [b.number, a.number]
    assert shipment_numbers(client.get(url, {"q": ready.customer.name[:4]})) == [
        b.number,
        a.number,
    ]
    assert shipment_numbers(client.get(url, {"q": "nothing-like-this"})) == []
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert shipment_numbers(client.get(url, {"date_from": yesterday})) == [b.number]
    assert shipment_numbers(client.get(url, {"date_to": yesterday})) == [a.number]
    assert shipment_numbers(client.get(url, {"order": ready.pk})) == [b.number, a.number]


def test_bad_filters_are_a_message_not_an_error(client, warehouse):
    client.force_login(warehouse)
    response = client.get(
        reverse("fulfillment:shipment_list"),
        {"date_from": "2026-13-45", "status": "nonsense", "order": "abc", "page": "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid date." in html


def test_list_query_count_does_not_grow_with_rows(client, warehouse, rep, mts):
    client.force_login(warehouse)
    url = reverse("fulfillment:shipment_list") + "?page_size=50"

    def count():
        client.get(url)  # warm-up (session, roles)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), len(shipment_numbers(response))

    make_shipped_orders(5, rep, warehouse, mts)
    few, rows = count()
    assert rows == 5
    make_shipped_orders(25, rep, warehouse, mts)
    many, rows = count()
    assert rows == 30
    assert many == few


# --- shipment page and note --------------------------------------------------------------------
@pytest.fixture
def shipped(warehouse, ready):
    order = ready
    Order.objects.filter(pk=order.pk).update(
        consignee="王收货",
        consignee_phone="13800000000",
        ship_to_text="浙江省杭州市西湖区文三路100号",
    )
    first, second = lines_of(order)
    order.refresh_from_db()
    return shipment_create(
        order=order,
        actor=warehouse,
        quantities={first.pk: "4", second.pk: "2"},
        carrier="顺丰速运",
        transport_mode="express",
        tracking_number="SF1234567890",
        customer_consent="王经理 电话同意",
    )


@role_matrix(200, other_rep=404)
@pytest.mark.parametrize("view", ["fulfillment:shipment_detail", "fulfillment:shipment_note"])
def test_shipment_pages_matrix(client, request, shipped, who, status, view):
    client.force_login(user(request, who))
    response = client.get(reverse(view, args=[shipped.pk]))
    assert response.status_code == status
    if status == 200:
        assert shipped.number in response.content.decode()


def test_shipment_page_shows_lines_transport_and_links(client, warehouse, shipped):
    client.force_login(warehouse)
    html = client.get(reverse("fulfillment:shipment_detail", args=[shipped.pk])).content.decode()
    assert "SF1234567890" in html and "顺丰速运" in html and "王经理 电话同意" in html
    assert reverse("fulfillment:shipment_note", args=[shipped.pk]) in html
    assert reverse("fulfillment:receipt_upload", args=[shipped.pk]) in html
    assert 'data-status="partially_shipped"' in html


def test_shipment_page_hides_the_upload_from_who_may_not(client, finance, shipped):
    client.force_login(finance)
    html = client.get(reverse("fulfillment:shipment_detail", args=[shipped.pk])).content.decode()
    assert reverse("fulfillment:receipt_upload", args=[shipped.pk]) not in html
    assert 'data-testid="short-close-link"' not in html


def test_shipment_page_links_short_close_for_the_rep(client, rep, shipped):
    client.force_login(rep)
    html = client.get(reverse("fulfillment:shipment_detail", args=[shipped.pk])).content.decode()
    assert reverse("fulfillment:line_short_close", args=[shipped.order_id]) in html


def test_shipping_note_content(client, warehouse, shipped, settings, mts, box):
    client.force_login(warehouse)
    response = client.get(reverse("fulfillment:shipment_note", args=[shipped.pk]))
    html = response.content.decode()
    order = shipped.order
    assert "发货单" in html and settings.COMPANY_NAME in html
    assert f'data-testid="note-number">{shipped.number}<' in html
    assert f'data-testid="note-order">{order.number}<' in html
    assert order.customer.name in html
    assert "浙江省杭州市西湖区文三路100号" in html
    assert "王收货" in html and "13800000000" in html
    assert "SF1234567890" in html and "顺丰速运" in html
    assert shipped.shipped_on.isoformat() in html
    rows = html.split('data-testid="note-line"')[1:]
    assert len(rows) == 2
    assert mts.code in rows[0] and mts.name in rows[0] and "台" in rows[0]
    assert box.code in rows[1] and "包装箱" in rows[1] and "600×400" in rows[1] and "箱" in rows[1]
    assert re.findall(r'data-testid="note-qty">([\d.]+)<', html) == ["4", "2"]
    assert 'data-testid="note-total">6<' in html
    for label in ("发货人签字", "承运人签字", "收货人签字"):
        assert label in html
    assert "css/print.css" in html
    assert "style=" not in html and "<script>" not in html


def test_pages_have_no_inline_script_or_style(client, warehouse, rep, shipped, ready):
    client.force_login(warehouse)
    urls = [
        create_url(ready),
        reverse("fulfillment:shipment_list"),
        reverse("fulfillment:shipment_detail", args=[shipped.pk]),
        reverse("fulfillment:receipt_upload", args=[shipped.pk]),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert "style=" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url
        assert not re.search(r"<script>(?!</script>)", html), url


# --- delivery receipt --------------------------------------------------------------------------
def receipt_url(shipment):
    return reverse("fulfillment:receipt_upload", args=[shipment.pk])


def receipt_data(**overrides):
    data = {
        "file": SimpleUploadedFile("签收单.pdf", b"%PDF-1.4 signed"),
        "signer": "王收货",
        "signed_on": timezone.localdate().isoformat(),
        "quantity_ok": "on",
        "appearance_ok": "on",
        "packing_ok": "on",
        "remarks": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@role_matrix(200, other_rep=404, finance=403, gm=403, production=403)
def test_receipt_upload_matrix(client, request, media, shipped, who, status):
    client.force_login(user(request, who))
    assert client.get(receipt_url(shipped)).status_code == status
    response = client.post(receipt_url(shipped), receipt_data())
    assert response.status_code == (302 if status == 200 else status)
    assert DeliveryReceipt.objects.exists() is (status == 200)


def test_receipt_form_defaults(client, warehouse, shipped):
    client.force_login(warehouse)
    html = client.get(receipt_url(shipped)).content.decode()
    assert 'accept=".doc,.docx,.jpeg,.jpg,.pdf,.png,.txt,.xls,.xlsx,.zip"' in html
    for name in ("quantity_ok", "appearance_ok", "packing_ok"):
        assert re.search(rf'name="{name}"[^>]*checked', html)
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert 'enctype="multipart/form-data"' in html


def test_receipt_of_the_last_shipment_delivers_the_order(client, warehouse, rep, media, ready):
    client.force_login(warehouse)
    client.post(create_url(ready), ship_data(ready))
    shipment = Shipment.objects.get()
    response = client.post(receipt_url(shipment), receipt_data())
    assert response.status_code == 302
    shipment.refresh_from_db()
    ready.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert ready.status == S.DELIVERED
    receipt = DeliveryReceipt.objects.get()
    assert (receipt.signer, receipt.name, receipt.all_ok) == ("王收货", "签收单.pdf", True)
    # the page now shows the receipt and its download link, and no upload button
    html = client.get(reverse("fulfillment:shipment_detail", args=[shipment.pk])).content.decode()
    assert reverse("fulfillment:receipt_download", args=[shipment.pk]) in html
    assert f'href="{receipt_url(shipment)}"' not in html
    # a second upload is refused with a message
    again = client.get(receipt_url(shipment))
    assert again.status_code == 302


def test_receipt_with_a_problem_needs_remarks(client, warehouse, media, shipped):
    client.force_login(warehouse)
    data = receipt_data(packing_ok=None)  # unticked
    response = client.post(receipt_url(shipped), data)
    assert response.status_code == 400
    assert 'data-testid="error-remarks"' in response.content.decode()
    assert not DeliveryReceipt.objects.exists()
    response = client.post(
        receipt_url(shipped), receipt_data(packing_ok=None, remarks="外箱破损一处")
    )
    assert response.status_code == 302
    receipt = DeliveryReceipt.objects.get()
    assert (receipt.packing_ok, receipt.quantity_ok, receipt.remarks) == (
        False,
        True,
        "外箱破损一处",
    )


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"file": SimpleUploadedFile("tool.exe", b"MZ")}, "file", "are not accepted"),
        ({"file": SimpleUploadedFile("empty.pdf", b"")}, "file", "The file is empty."),
        ({"file": SimpleUploadedFile("big.pdf", b"x" * 11)}, "file", "The file is too large"),
        ({"file": None}, "file", "Choose a file to upload."),
        ({"signer": "  "}, "signer", "Enter who signed the receipt."),
        ({"signed_on": ""}, "signed_on", "Enter the date as YYYY-MM-DD."),
        ({"signed_on": "2026-02-30"}, "signed_on", "Enter a valid date."),
        ({"signed_on": "tomorrow"}, "signed_on", "cannot be in the future"),
        ({"signed_on": "2000-01-01"}, "signed_on", "before the ship date"),
    ],
)
def test_bad_receipt_is_shown_next_to_the_field_and_stores_nothing(
    client, warehouse, media, shipped, settings, overrides, field, message
):
    settings.ATTACHMENT_MAX_BYTES = 10
    if overrides.get("signed_on") == "tomorrow":
        overrides["signed_on"] = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    client.force_login(warehouse)
    response = client.post(receipt_url(shipped), receipt_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    error = html.split(f'data-testid="error-{field}"')[1].split("</div></div>")[0]
    assert message in error
    assert not DeliveryReceipt.objects.exists()
    shipped.refresh_from_db()
    assert shipped.status == ShipmentStatus.SHIPPED
    assert not list(media.rglob("*.*")) if media.exists() else True


def test_receipt_download_after_the_visibility_check(
    client, warehouse, rep, other_rep, media, shipped
):
    delivery_receipt_add(
        shipment=shipped,
        actor=warehouse,
        file=SimpleUploadedFile("签收单.pdf", b"%PDF-1.4 signed"),
        signer="王收货",
        signed_on=timezone.localdate(),
    )
    url = reverse("fulfillment:receipt_download", args=[shipped.pk])
    client.force_login(rep)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 signed"
    assert "attachment" in response["Content-Disposition"]
    client.force_login(other_rep)
    assert client.get(url).status_code == 404


def test_download_without_a_receipt_is_404(client, warehouse, shipped):
    client.force_login(warehouse)
    url = reverse("fulfillment:receipt_download", args=[shipped.pk])
    assert client.get(url).status_code == 404


def test_receipt_pages_of_a_missing_shipment_are_404(client, warehouse):
    client.force_login(warehouse)
    for name in ("receipt_upload", "receipt_download", "shipment_detail", "shipment_note"):
        assert client.get(reverse(f"fulfillment:{name}", args=[999999])).status_code == 404
