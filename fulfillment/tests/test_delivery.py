"""Signed delivery receipts (签收单, REQUIREMENTS §6): one per shipment, stored with its
checksum; the order is delivered once every shipment is signed for and nothing is open."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.models import OutboxMessage
from fulfillment.enums import ShipmentStatus
from fulfillment.models import DeliveryReceipt, ExecutionPlan, Shipment
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from orders.enums import OrderStatus as S
from orders.models import Order
from orders.services.transitions import order_confirm_delivery, order_line_short_close

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% signed by the customer\n"
DETAILS = {"carrier": "德邦物流", "transport_mode": "road", "customer_consent": "客户同意分批"}


def pdf(name="签收单.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def files_under(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def shipped(ready_order, rep, warehouse, mts):
    """Shipped in full in one shipment, ten days ago."""
    order = ready_order(rep, (mts, "3"))
    day = timezone.localdate() - dt.timedelta(days=10)
    Order.objects.filter(pk=order.pk).update(order_date=day - dt.timedelta(days=5))
    order.refresh_from_db()
    shipment = shipment_create(order=order, actor=warehouse, shipped_on=day, **DETAILS)
    return Order.objects.get(pk=order.pk), shipment


@pytest.fixture
def two_shipments(ready_order, rep, warehouse, mts):
    """Shipped in two shipments of one line: 2 ten days ago, 1 five days ago."""
    order = ready_order(rep, (mts, "3"))
    today = timezone.localdate()
    Order.objects.filter(pk=order.pk).update(order_date=today - dt.timedelta(days=20))
    order.refresh_from_db()
    line = order.lines.get()
    first = shipment_create(
        order=order,
        actor=warehouse,
        quantities={line.pk: 2},
        shipped_on=today - dt.timedelta(days=10),
        **DETAILS,
    )
    order.refresh_from_db()
    second = shipment_create(
        order=order, actor=warehouse, shipped_on=today - dt.timedelta(days=5), **DETAILS
    )
    return Order.objects.get(pk=order.pk), first, second


def sign(shipment, actor, **changes):
    data = {
        "file": pdf(),
        "signer": "张三",
        "signed_on": timezone.localdate(),
    }
    data.update(changes)
    return delivery_receipt_add(shipment=shipment, actor=actor, **data)


# --- storing the receipt ----------------------------------------------------------------------
def test_the_receipt_is_stored_with_its_checksum(shipped, warehouse, media_root):
    order, shipment = shipped
    day = timezone.localdate() - dt.timedelta(days=8)

    receipt = delivery_receipt_add(
        shipment=shipment,
        actor=warehouse,
        file=pdf(),
        signer=" 张三 ",
        signed_on=day,
    )

    assert receipt.file.name == f"receipts/{order.pk}/{shipment.number}/签收单.pdf"
    assert receipt.file.path.startswith(str(media_root))
    with open(receipt.file.path, "rb") as stored:
        assert stored.read() == PDF
    assert (receipt.name, receipt.size, receipt.sha256) == (
        "签收单.pdf",
        len(PDF),
        hashlib.sha256(PDF).hexdigest(),
    )
    assert (receipt.signer, receipt.signed_on, receipt.uploaded_by) == ("张三", day, warehouse)
    assert (receipt.quantity_ok, receipt.appearance_ok, receipt.packing_ok, receipt.remarks) == (
        True,
        True,
        True,
        "",
    )
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.DELIVERED
    # The only shipment signed, nothing open: delivered, arrival recorded
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    event = order.events.latest("id")
    assert (event.transition, event.actor_id, event.comment) == (
        "confirm_delivery",
        warehouse.pk,
        "Every shipment is signed for.",
    )
    assert ExecutionPlan.objects.get(order=order).actual_arrival == day
    assert not OutboxMessage.objects.filter(task_name="fulfillment.receipt_with_remarks").exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            pdf("receipt.exe", b"MZ..."),
            "Files of type “.exe” are not accepted. Accepted types: "
            "doc, docx, jpeg, jpg, pdf, png, txt, xls, xlsx, zip.",
        ),
        (
            pdf("receipt", PDF),
            "The file has no extension. Accepted types: "
            "doc, docx, jpeg, jpg, pdf, png, txt, xls, xlsx, zip.",
        ),
        (pdf("empty.pdf", b""), "The file is empty."),
        (None, "Choose a file to upload."),
    ],
)
def test_bad_files_are_refused(shipped, warehouse, media_root, state, upload, message):
    order, shipment = shipped
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        sign(shipment, warehouse, file=upload)

    assert info.value.fields == {"file": [message]}
    assert state(order) == before
    assert files_under(media_root) == []


def test_an_oversize_file_is_refused(shipped, warehouse, media_root, settings, state):
    settings.ATTACHMENT_MAX_BYTES = 10
    order, shipment = shipped
    before = state(order)
    with pytest.raises(ValidationFailed) as info:
        sign(shipment, warehouse)
    assert info.value.fields == {
        "file": [f"The file is too large ({len(PDF)}\xa0bytes); the limit is 10\xa0bytes."]
    }
    assert state(order) == before
    assert files_under(media_root) == []


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"signer": ""}, "signer", "Enter who signed the receipt."),
        ({"signer": "   "}, "signer", "Enter who signed the receipt."),
        ({"signer": "张" * 61}, "signer", "At most 60 characters."),
        ({"signed_on": "2026-11-01"}, "signed_on", "Enter the date as YYYY-MM-DD."),
        ({"signed_on": None}, "signed_on", "Enter the date as YYYY-MM-DD."),
        (
            {"signed_on": "tomorrow"},
            "signed_on",
            "The signing date cannot be in the future.",
        ),
        (
            {"signed_on": "before shipping"},
            "signed_on",
            "The signing date is before the ship date.",
        ),
        (
            {"quantity_ok": False},
            "remarks",
            "Describe what was wrong with the quantity, appearance or packing.",
        ),
        (
            {"appearance_ok": "off", "remarks": "  "},
            "remarks",
            "Describe what was wrong with the quantity, appearance or packing.",
        ),
        (
            {"packing_ok": "false"},
            "remarks",
            "Describe what was wrong with the quantity, appearance or packing.",
        ),
    ],
)
def test_receipt_details_are_checked(
    shipped, warehouse, media_root, state, changes, field, message
):
    order, shipment = shipped
    if changes.get("signed_on") == "tomorrow":
        changes["signed_on"] = timezone.localdate() + dt.timedelta(days=1)
    elif changes.get("signed_on") == "before shipping":
        changes["signed_on"] = shipment.shipped_on - dt.timedelta(days=1)
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        sign(shipment, warehouse, **changes)

    assert info.value.fields == {field: [message]}
    assert state(order) == before
    assert files_under(media_root) == []


def test_every_problem_is_reported_at_once(shipped, warehouse, media_root):
    _order, shipment = shipped
    with pytest.raises(ValidationFailed) as info:
        sign(shipment, warehouse, signer="", quantity_ok=False, file=pdf("x.exe"))
    assert set(info.value.fields) == {"signer", "remarks", "file"}


def test_signed_on_the_ship_date_is_fine(shipped, warehouse, media_root):
    _order, shipment = shipped
    assert sign(shipment, warehouse, signed_on=shipment.shipped_on).signed_on == shipment.shipped_on


def test_a_second_receipt_for_the_same_shipment_is_refused(shipped, warehouse, media_root, state):
    order, shipment = shipped
    sign(shipment, warehouse)
    before = state(order)
    stored = files_under(media_root)

    with pytest.raises(InvalidTransition) as info:
        sign(shipment, warehouse, file=pdf("again.pdf"))

    assert info.value.message == "This shipment already has its signed receipt."
    assert state(order) == before
    assert files_under(media_root) == stored


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("owner", True),
        ("warehouse", True),
        ("sales_head", True),
        ("admin_user", True),
        ("other_rep", False),
        ("finance", False),
        ("production", False),
        ("gm", False),
    ],
)
def test_who_may_upload(shipped, request, media_root, state, who, allowed):
    order, shipment = shipped
    actor = order.owner if who == "owner" else request.getfixturevalue(who)
    before = state(order)
    if allowed:
        assert sign(shipment, actor).uploaded_by == actor
        assert Order.objects.get(pk=order.pk).status == S.DELIVERED
    else:
        with pytest.raises(PermissionDenied):
            sign(shipment, actor)
        assert state(order) == before
        assert files_under(media_root) == []


# --- remarks ----------------------------------------------------------------------------------
def test_a_receipt_with_remarks_queues_the_notification(shipped, warehouse, media_root):
    _order, shipment = shipped

    receipt = sign(
        shipment,
        warehouse,
        quantity_ok="on",
        appearance_ok=False,
        packing_ok="1",
        remarks=" 外箱破损两处 ",
    )

    assert (receipt.quantity_ok, receipt.appearance_ok, receipt.packing_ok) == (True, False, True)
    assert receipt.remarks == "外箱破损两处"
    assert not receipt.all_ok
    message = OutboxMessage.objects.get(task_name="fulfillment.receipt_with_remarks")
    assert message.kwargs == {"receipt_id": receipt.pk}


def test_remarks_with_every_box_ticked_queue_nothing(shipped, warehouse, media_root):
    _order, shipment = shipped
    receipt = sign(shipment, warehouse, remarks="司机态度好")
    assert receipt.remarks == "司机态度好"
    assert not OutboxMessage.objects.filter(task_name="fulfillment.receipt_with_remarks").exists()


# --- delivered only when complete ------------------------------------------------------------
def test_delivered_only_when_every_shipment_is_signed(two_shipments, warehouse, rep, media_root):
    order, first, second = two_shipments
    assert order.status == S.SHIPPED

    sign(first, warehouse)
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED

    sign(second, rep)  # the rep uploads the last one
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    assert order.events.latest("id").actor == rep
    assert order.events.filter(transition="confirm_delivery").count() == 1


def test_arrival_is_the_last_signature_whatever_the_upload_order(
    two_shipments, warehouse, media_root
):
    order, first, second = two_shipments
    today = timezone.localdate()
    sign(second, warehouse, signed_on=today)
    sign(first, warehouse, signed_on=today - dt.timedelta(days=1))  # uploaded last, signed earlier

    assert Order.objects.get(pk=order.pk).status == S.DELIVERED
    assert ExecutionPlan.objects.get(order=order).actual_arrival == today


def test_a_partially_shipped_order_is_not_delivered_by_its_receipts(
    ready_order, rep, warehouse, mts, media_root
):
    order = ready_order(rep, (mts, "3"))
    line = order.lines.get()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Order.objects.filter(pk=order.pk).update(order_date=yesterday)
    order.refresh_from_db()
    shipment = shipment_create(
        order=order, actor=warehouse, quantities={line.pk: 2}, shipped_on=yesterday, **DETAILS
    )

    sign(shipment, warehouse, signed_on=yesterday)
    order.refresh_from_db()
    assert order.status == S.PARTIALLY_SHIPPED  # one 台 is still open

    # Closing the rest ships the order, and since every shipment is signed, delivers it
    order = order_line_short_close(order=order, line_id=line.pk, actor=rep, reason="客户不要了")
    assert order.status == S.DELIVERED
    assert list(order.events.order_by("id").values_list("transition", flat=True))[-2:] == [
        "ship",
        "confirm_delivery",
    ]
    assert ExecutionPlan.objects.get(order=order).actual_arrival == yesterday
    assert Shipment.objects.filter(order=order).count() == 1


def test_short_closing_the_rest_with_an_unsigned_shipment_stays_shipped(
    ready_order, rep, warehouse, mts
):
    order = ready_order(rep, (mts, "3"))
    line = order.lines.get()
    shipment_create(order=order, actor=warehouse, quantities={line.pk: 2}, **DETAILS)
    order = order_line_short_close(
        order=Order.objects.get(pk=order.pk), line_id=line.pk, actor=rep, reason="不要了"
    )
    assert order.status == S.SHIPPED


def test_manual_confirm_delivery_is_refused_while_a_shipment_is_unsigned(
    two_shipments, warehouse, media_root, state
):
    order, first, _second = two_shipments
    sign(first, warehouse)
    order.refresh_from_db()
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        order_confirm_delivery(order=order, actor=warehouse)

    assert info.value.message == "Upload the signed receipt of every shipment first."
    assert state(order) == before


def test_receipts_of_another_order_do_not_count(two_shipments, shipped, warehouse, media_root):
    order, first, second = two_shipments
    _other, other_shipment = shipped
    sign(other_shipment, warehouse)
    sign(first, warehouse)
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED
    assert DeliveryReceipt.objects.count() == 2
    assert Decimal(second.lines.get().quantity) == Decimal("1")
