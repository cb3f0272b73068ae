"""Shipments API (ISSUE 5): shipping an order, the signed receipt and its file, short-closing a
line, the shipping gate; the permission matrix, bad input and conflicts change nothing; lists
in a fixed number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfillment.enums import ShipmentStatus
from fulfillment.models import DeliveryReceipt, Shipment, ShipmentLine, StockItem
from fulfillment.services import stock_receive
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from orders.enums import OrderStatus, SupplyMode
from orders.models import Order, OrderEvent
from tests.factories import ProductFactory

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db
S = OrderStatus
ROLES = ["rep", "other_rep", "sales_head", "finance", "gm", "production", "warehouse", "admin_user"]
SHIPMENTS = "/api/v1/shipments/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def today():
    return timezone.localdate()


def ready(rep, warehouse, *lines, **customer):
    """An order ready to ship: stock received for every (product, quantity), then approved."""
    for product, qty in lines:
        stock_receive(product=product, quantity=Decimal(qty) + 10, actor=warehouse)
    order = approve_fully(order_of(rep, *lines, **customer))
    assert order.status == S.READY_TO_SHIP
    return order


def order_url(order, suffix):
    return f"/api/v1/orders/{order.pk}/{suffix}"


def state(order):
    """Everything shipping writes: order status, shipped quantities, shipments, stock, events."""
    order = Order.objects.get(pk=order.pk)
    return (
        order.status,
        sorted(order.lines.values_list("pk", "shipped_quantity", "is_closed")),
        Shipment.objects.filter(order=order).count(),
        sorted(StockItem.objects.values_list("pk", "on_hand", "reserved")),
        OrderEvent.objects.filter(order=order).count(),
    )


def pdf(name="receipt.pdf", content=b"%PDF-1.4 signed"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def ship(order, warehouse, **details):
    details.setdefault("carrier", "顺丰")
    return shipment_create(order=order, actor=warehouse, **details)


# --- shipping -------------------------------------------------------------------------------------
def test_ship_part_of_an_order(api, rep, warehouse, mts, mto):
    order = ready(rep, warehouse, (mts, "4"))
    line = order.lines.get()
    api.force_authenticate(warehouse)

    response = api.post(
        order_url(order, "shipments/"),
        {
            "lines": [{"line": line.pk, "quantity": "3"}],
            "shipped_on": today().isoformat(),
            "carrier": "顺丰",
            "transport_mode": "express",
            "tracking_number": "SF1234567890",
            "customer_consent": "张经理 电话同意",
            "remarks": "先发3台",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    shipment = Shipment.objects.get(order=order)
    body = response.json()
    assert body.pop("created_at")
    assert body == {
        "id": shipment.pk,
        "number": shipment.number,
        "order": order.pk,
        "order_number": order.number,
        "customer_name": order.customer.name,
        "status": "shipped",
        "status_display": "Shipped",
        "shipped_on": today().isoformat(),
        "carrier": "顺丰",
        "transport_mode": "express",
        "transport_mode_display": "Express (快递)",
        "tracking_number": "SF1234567890",
        "customer_consent": "张经理 电话同意",
        "follow_up_owner": rep.pk,
        "follow_up_owner_name": "rep",
        "remarks": "先发3台",
        "created_by": warehouse.pk,
        "created_by_name": "warehouse",
        "lines": [
            {
                "id": shipment.lines.get().pk,
                "order_line": line.pk,
                "sequence": 1,
                "product": mts.pk,
                "product_code": mts.code,
                "product_name": mts.name,
                "unit": line.unit,
                "quantity": "3.000",
            }
        ],
        "receipt": None,
    }
    assert shipment.number == f"SH{today():%Y%m%d}001"
    order.refresh_from_db()
    assert order.status == S.PARTIALLY_SHIPPED
    assert StockItem.objects.get(product=mts).on_hand == Decimal("11")


def test_ship_everything_open_when_lines_are_left_out(api, rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"))
    api.force_authenticate(warehouse)

    response = api.post(order_url(order, "shipments/"), {"carrier": "德邦"}, format="json")

    assert response.status_code == 201, response.json()
    assert [(x["quantity"], x["sequence"]) for x in response.json()["lines"]] == [("4.000", 1)]
    assert response.json()["follow_up_owner"] is None
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED


SHIP = {
    "rep": 403,
    "other_rep": 404,
    "sales_head": 403,
    "finance": 403,
    "gm": 403,
    "production": 403,
    "warehouse": 201,
    "admin_user": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_ship_matrix(api, request, role, rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"))
    before = state(order)
    api.force_authenticate(request.getfixturevalue(role))

    response = api.post(order_url(order, "shipments/"), {"carrier": "德邦"}, format="json")

    assert response.status_code == SHIP[role], response.json()
    if SHIP[role] != 201:
        assert state(order) == before


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"lines": [{"line": "LINE", "quantity": "5"}]}, "lines.LINE"),  # over-shipment
        ({"lines": [{"line": "LINE", "quantity": "abc"}]}, "lines.0.quantity"),
        ({"lines": [{"line": "LINE", "quantity": "NaN"}]}, "lines.0.quantity"),
        ({"lines": [{"line": "LINE", "quantity": "-1"}]}, "lines.0.quantity"),
        ({"lines": [{"line": "LINE", "quantity": "0"}]}, "lines.0.quantity"),
        ({"lines": [{"line": "LINE", "quantity": "Infinity"}]}, "lines.0.quantity"),
        ({"lines": [{"line": "LINE", "quantity": "1.0001"}]}, "lines.0.quantity"),
        ({"lines": [{"line": 999999, "quantity": "1"}]}, "lines.999999"),
        ({"lines": [{"line": "abc", "quantity": "1"}]}, "lines.0.line"),
        ({"lines": [{"quantity": "1"}]}, "lines.0.line"),
        ({"lines": [{"line": "LINE"}]}, "lines.0.quantity"),
        ({"lines": [{"line": "LINE", "quantity": "1"}] * 2}, "lines"),
        ({"lines": []}, "lines"),
        ({"lines": "everything"}, "lines.non_field_errors"),
        ({"shipped_on": "FUTURE"}, "shipped_on"),
        ({"shipped_on": "2026-13-01"}, "shipped_on"),
        ({"shipped_on": "2000-01-01"}, "shipped_on"),
        ({"transport_mode": "rocket"}, "transport_mode"),
        ({"carrier": ""}, "carrier"),
        ({"transport_mode": "express", "tracking_number": ""}, "tracking_number"),
        ({"follow_up_owner": 999999}, "follow_up_owner"),
        ({"follow_up_owner": "abc"}, "follow_up_owner"),
        (
            {"lines": [{"line": "LINE", "quantity": "1"}], "customer_consent": ""},
            "customer_consent",
        ),
        ({"carrier": "x" * 101}, "carrier"),
    ],
)
def test_bad_shipment_input_is_400_and_ships_nothing(api, rep, warehouse, mts, payload, field):
    order = ready(rep, warehouse, (mts, "4"))
    line = order.lines.get()
    before = state(order)
    payload = {"carrier": "顺丰", **payload}
    if "lines" in payload and isinstance(payload["lines"], list):
        payload["lines"] = [
            {k: (line.pk if v == "LINE" else v) for k, v in item.items()}
            for item in payload["lines"]
        ]
    if payload.get("shipped_on") == "FUTURE":
        payload["shipped_on"] = (today() + dt.timedelta(days=1)).isoformat()
    field = field.replace("LINE", str(line.pk))
    api.force_authenticate(warehouse)

    response = api.post(order_url(order, "shipments/"), payload, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["extra"]["fields"], response.json()
    assert state(order) == before


def test_the_gate_blocks_a_prepayment_order(api, rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"), settlement_method="prepayment")
    before = state(order)
    api.force_authenticate(warehouse)

    response = api.post(order_url(order, "shipments/"), {"carrier": "德邦"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "shipping_blocked"
    assert response.json()["extra"] == {"reasons": ["prepayment"]}
    assert state(order) == before


def test_ship_a_finished_order_is_a_conflict(api, rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"))
    ship(order, warehouse)
    order.refresh_from_db()
    before = state(order)
    api.force_authenticate(warehouse)

    response = api.post(order_url(order, "shipments/"), {"carrier": "德邦"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert state(order) == before


# --- reading shipments ----------------------------------------------------------------------------
def test_order_shipments_and_detail(api, rep, other_rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"))
    first = ship(order, warehouse, quantities={order.lines.get().pk: "1"}, customer_consent="ok")
    order.refresh_from_db()
    second = ship(order, warehouse)
    api.force_authenticate(rep)

    listed = api.get(order_url(order, "shipments/"))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [second.pk, first.pk]
    detail = api.get(f"{SHIPMENTS}{first.pk}/")
    assert detail.status_code == 200
    assert detail.json() == listed.json()[1]

    api.force_authenticate(other_rep)
    assert api.get(order_url(order, "shipments/")).status_code == 404
    assert api.get(f"{SHIPMENTS}{first.pk}/").status_code == 404
    assert api.get(SHIPMENTS).json()["count"] == 0


def test_shipment_list_filters(api, rep, warehouse, sales_head, mts):
    one = ready(rep, warehouse, (mts, "2"))
    two = ready(rep, warehouse, (mts, "2"))
    early = ship(one, warehouse)
    Shipment.objects.filter(pk=early.pk).update(shipped_on=today() - dt.timedelta(days=3))
    late = ship(two, warehouse)
    delivery_receipt_add(
        shipment=late, actor=warehouse, file=pdf(), signer="张三", signed_on=today()
    )
    api.force_authenticate(sales_head)

    def ids(**params):
        response = api.get(SHIPMENTS, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [late.pk, early.pk]
    assert ids(order=one.pk) == [early.pk]
    assert ids(status="delivered") == [late.pk]
    assert ids(date_from=today().isoformat()) == [late.pk]
    assert ids(date_to=(today() - dt.timedelta(days=1)).isoformat()) == [early.pk]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "lost"}, "status"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2026-11-20", "date_to": "2026-11-01"}, "date_to"),
        ({"order": "x"}, "order"),
    ],
)
def test_bad_shipment_filters(api, warehouse, params, field):
    api.force_authenticate(warehouse)
    response = api.get(SHIPMENTS, params)
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]


def test_shipment_list_query_count_does_not_grow(api, rep, warehouse, sales_head, mts):
    order = ready(rep, warehouse, (mts, "4"))
    line = order.lines.get()

    def count_queries(n):
        for _ in range(n):
            shipment = Shipment.objects.create(
                number=f"SH-T{Shipment.objects.count():03d}",
                order=order,
                shipped_on=today(),
                carrier="顺丰",
                created_by=warehouse,
                follow_up_owner=rep,
            )
            ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=1)
            if Shipment.objects.count() % 2:
                DeliveryReceipt.objects.create(
                    shipment=shipment,
                    file="receipts/x.pdf",
                    name="x.pdf",
                    sha256="0" * 64,
                    signer="张三",
                    signed_on=today(),
                    uploaded_by=warehouse,
                )
        api.force_authenticate(fresh(sales_head))
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(SHIPMENTS, {"page_size": 100})
        assert response.json()["count"] == Shipment.objects.count()
        with CaptureQueriesContext(connection) as order_ctx:
            assert api.get(order_url(order, "shipments/")).status_code == 200
        return len(ctx.captured_queries), len(order_ctx.captured_queries)

    assert count_queries(3) == count_queries(20)


# --- delivery receipts ----------------------------------------------------------------------------
def receipt_form(**extra):
    return {"file": pdf(), "signer": "张三", "signed_on": today().isoformat(), **extra}


def test_upload_the_receipt_then_read_and_download_it(api, rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"))
    shipment = ship(order, warehouse)
    api.force_authenticate(warehouse)

    response = api.post(
        f"{SHIPMENTS}{shipment.pk}/receipt/",
        receipt_form(remarks="外箱轻微压痕", packing_ok="false"),
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    receipt = DeliveryReceipt.objects.get(shipment=shipment)
    body = response.json()
    assert body.pop("uploaded_at")
    assert body == {
        "id": receipt.pk,
        "shipment": shipment.pk,
        "shipment_number": shipment.number,
        "name": "receipt.pdf",
        "size": 15,
        "sha256": receipt.sha256,
        "signer": "张三",
        "signed_on": today().isoformat(),
        "quantity_ok": True,
        "appearance_ok": True,
        "packing_ok": False,
        "all_ok": False,
        "remarks": "外箱轻微压痕",
        "uploaded_by": warehouse.pk,
        "uploaded_by_name": "warehouse",
        "download_url": f"http://testserver/api/v1/shipments/{shipment.pk}/receipt/file/",
    }
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.DELIVERED

    api.force_authenticate(rep)
    got = api.get(f"{SHIPMENTS}{shipment.pk}/receipt/")
    assert got.status_code == 200
    assert got.json()["sha256"] == receipt.sha256
    assert api.get(f"{SHIPMENTS}{shipment.pk}/").json()["receipt"] == got.json()
    download = api.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 signed"
    assert 'filename="receipt.pdf"' in download["Content-Disposition"]


def test_receipt_and_file_are_404_before_upload_and_for_others(api, rep, other_rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"))
    shipment = ship(order, warehouse)
    api.force_authenticate(rep)
    assert api.get(f"{SHIPMENTS}{shipment.pk}/receipt/").status_code == 404
    assert api.get(f"{SHIPMENTS}{shipment.pk}/receipt/file/").status_code == 404
    delivery_receipt_add(
        shipment=shipment, actor=warehouse, file=pdf(), signer="张三", signed_on=today()
    )
    api.force_authenticate(other_rep)
    assert api.get(f"{SHIPMENTS}{shipment.pk}/receipt/").status_code == 404
    assert api.get(f"{SHIPMENTS}{shipment.pk}/receipt/file/").status_code == 404


RECEIPT = {
    "rep": 201,
    "other_rep": 404,
    "sales_head": 201,
    "finance": 403,
    "gm": 403,
    "production": 403,
    "warehouse": 201,
    "admin_user": 201,
}


@pytest.mark.parametrize("role", ROLES)
def test_receipt_matrix(api, request, role, rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"))
    shipment = ship(order, warehouse)
    order.refresh_from_db()
    before = state(order)
    api.force_authenticate(request.getfixturevalue(role))

    response = api.post(f"{SHIPMENTS}{shipment.pk}/receipt/", receipt_form(), format="multipart")

    assert response.status_code == RECEIPT[role], response.json()
    assert DeliveryReceipt.objects.filter(shipment=shipment).exists() is (RECEIPT[role] == 201)
    if RECEIPT[role] != 201:
        assert state(order) == before
        assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.SHIPPED


@pytest.mark.parametrize(
    "form, field",
    [
        ({"file": pdf("virus.exe")}, "file"),
        ({"file": pdf("empty.pdf", b"")}, "file"),
        ({"file": None}, "file"),
        ({"signer": ""}, "signer"),
        ({"signer": None}, "signer"),
        ({"signed_on": "FUTURE"}, "signed_on"),
        ({"signed_on": "2000-01-01"}, "signed_on"),
        ({"signed_on": "yesterday"}, "signed_on"),
        ({"signed_on": None}, "signed_on"),
        ({"quantity_ok": "false"}, "remarks"),
        ({"appearance_ok": "maybe"}, "appearance_ok"),
    ],
)
def test_bad_receipt_is_400_and_stores_nothing(api, rep, warehouse, mts, form, field):
    order = ready(rep, warehouse, (mts, "4"))
    shipment = ship(order, warehouse)
    order.refresh_from_db()
    before = state(order)
    data = receipt_form(**form)
    if data["signed_on"] == "FUTURE":
        data["signed_on"] = (today() + dt.timedelta(days=1)).isoformat()
    data = {k: v for k, v in data.items() if v is not None}
    api.force_authenticate(warehouse)

    response = api.post(f"{SHIPMENTS}{shipment.pk}/receipt/", data, format="multipart")

    assert response.status_code == 400, response.json()
    assert field in response.json()["extra"]["fields"], response.json()
    assert not DeliveryReceipt.objects.exists()
    assert state(order) == before


def test_a_second_receipt_is_a_conflict(api, rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"))
    shipment = ship(order, warehouse)
    api.force_authenticate(warehouse)
    assert (
        api.post(
            f"{SHIPMENTS}{shipment.pk}/receipt/", receipt_form(), format="multipart"
        ).status_code
        == 201
    )

    response = api.post(
        f"{SHIPMENTS}{shipment.pk}/receipt/", receipt_form(signer="李四"), format="multipart"
    )

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert list(DeliveryReceipt.objects.values_list("signer", flat=True)) == ["张三"]


def test_receipt_needs_multipart(api, rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"))
    shipment = ship(order, warehouse)
    api.force_authenticate(warehouse)
    response = api.post(f"{SHIPMENTS}{shipment.pk}/receipt/", {"signer": "张三"}, format="json")
    assert response.status_code == 415
    assert not DeliveryReceipt.objects.exists()


# --- short-close ----------------------------------------------------------------------------------
def partly_shipped(rep, warehouse, mts):
    other = ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK)
    order = ready(rep, warehouse, (mts, "4"), (other, "2"))
    first, second = order.lines.order_by("sequence")
    ship(order, warehouse, quantities={first.pk: "4"}, customer_consent="电话同意")
    order.refresh_from_db()
    assert order.status == S.PARTIALLY_SHIPPED
    return order, second


SHORT_CLOSE = {
    "rep": 200,
    "other_rep": 404,
    "sales_head": 200,
    "finance": 403,
    "gm": 200,
    "production": 403,
    "warehouse": 403,
    "admin_user": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_short_close_matrix(api, request, role, rep, warehouse, mts, mto):
    order, line = partly_shipped(rep, warehouse, mts)
    before = state(order)
    api.force_authenticate(request.getfixturevalue(role))

    response = api.post(
        order_url(order, f"lines/{line.pk}/short-close/"), {"reason": "客户取消"}, format="json"
    )

    assert response.status_code == SHORT_CLOSE[role], response.json()
    if SHORT_CLOSE[role] == 200:
        body = response.json()
        assert (body["id"], body["status"]) == (order.pk, "shipped")
        closed = next(x for x in body["lines"] if x["id"] == line.pk)
        assert (closed["is_closed"], closed["close_reason"], closed["open_quantity"]) == (
            True,
            "客户取消",
            "0.000",
        )
    else:
        assert state(order) == before


@pytest.mark.parametrize(
    "line_id, payload, field",
    [
        ("LINE", {}, "reason"),
        ("LINE", {"reason": "  "}, "reason"),
        (999999, {"reason": "x"}, "line"),
        ("SHIPPED", {"reason": "x"}, "line"),
    ],
)
def test_bad_short_close_is_400(api, rep, warehouse, mts, mto, line_id, payload, field):
    order, line = partly_shipped(rep, warehouse, mts)
    shipped = order.lines.exclude(pk=line.pk).get()
    line_id = {"LINE": line.pk, "SHIPPED": shipped.pk}.get(line_id, line_id)
    before = state(order)
    api.force_authenticate(rep)

    response = api.post(order_url(order, f"lines/{line_id}/short-close/"), payload, format="json")

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == [field]
    assert state(order) == before


def test_short_close_before_shipping_is_a_conflict(api, rep, mts, mto):
    order = approve_fully(order_of(rep, (mto, "2")))
    before = state(order)
    api.force_authenticate(rep)
    response = api.post(
        order_url(order, f"lines/{order.lines.get().pk}/short-close/"),
        {"reason": "x"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert state(order) == before


# --- shipping gate --------------------------------------------------------------------------------
def test_gate_of_an_open_order(api, rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"))
    api.force_authenticate(rep)

    response = api.get(order_url(order, "shipping-gate/"))

    assert response.status_code == 200
    assert response.json() == {
        "blocked": False,
        "reasons": [],
        "risk_approved": False,
        "exposure": f"{order.total:.2f}",
        "credit_limit": "1000000.00",
    }


def test_gate_of_a_blocked_order(api, rep, other_rep, warehouse, mts):
    order = ready(rep, warehouse, (mts, "4"), settlement_method="prepayment")
    api.force_authenticate(warehouse)

    response = api.get(order_url(order, "shipping-gate/"))

    assert response.status_code == 200
    body = response.json()
    assert (body["blocked"], body["risk_approved"]) == (True, False)
    assert [r["code"] for r in body["reasons"]] == ["prepayment"]
    assert body["reasons"][0]["message"].startswith("Prepayment required: ")

    api.force_authenticate(other_rep)
    assert api.get(order_url(order, "shipping-gate/")).status_code == 404
