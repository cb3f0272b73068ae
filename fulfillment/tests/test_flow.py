"""One order through fulfillment end to end: production, partial shipments, short-close,
signed receipts, delivered."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fulfillment.enums import ProductionStatus, ShipmentStatus
from fulfillment.models import ExecutionPlan, ProductionInstruction, Shipment, StockItem
from fulfillment.services import stock_receive
from fulfillment.services.production import production_finish, production_start
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from orders.enums import OrderStatus as S
from orders.services.transitions import order_line_short_close

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db


def pdf(name="receipt.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 signed", content_type="application/pdf")


def test_order_from_approval_to_delivery(rep, warehouse, production, mts, mto):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = order_of(rep, (mts, "4"), (mto, "2"))
    order = approve_fully(order)

    instruction = ProductionInstruction.objects.get(order=order)
    assert instruction.status == ProductionStatus.ISSUED
    assert [(x.product_id, x.quantity) for x in instruction.lines.all()] == [(mto.pk, 2)]
    assert ExecutionPlan.objects.filter(order=order).exists()

    production_start(instruction=instruction, actor=production)
    production_finish(instruction=instruction, actor=production, qc_passed=True, qc_note="OK")
    order.refresh_from_db()
    assert order.status == S.READY_TO_SHIP

    mts_line, mto_line = order.lines.order_by("sequence")
    first = shipment_create(
        order=order,
        actor=warehouse,
        quantities={mts_line.pk: "3", mto_line.pk: "2"},
        carrier="顺丰",
        transport_mode="road",
        customer_consent="张经理 电话同意",
    )
    assert first.number.startswith("SH")
    order.refresh_from_db()
    assert order.status == S.PARTIALLY_SHIPPED
    assert StockItem.objects.get(product=mts).on_hand == Decimal("7")

    order = order_line_short_close(order=order, line_id=mts_line.pk, actor=rep, reason="客户不要了")
    assert order.status == S.SHIPPED
    assert Shipment.objects.filter(order=order).count() == 1

    delivery_receipt_add(
        shipment=first,
        actor=warehouse,
        file=pdf(),
        signer="张三",
        signed_on=timezone.localdate(),
    )
    order.refresh_from_db()
    first.refresh_from_db()
    assert first.status == ShipmentStatus.DELIVERED
    assert order.status == S.DELIVERED
    assert order.execution_plan.actual_arrival == timezone.localdate()
    assert isinstance(order.execution_plan.planned_survey, dt.date)


def test_order_fully_in_stock_goes_ready_to_ship(rep, warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = order_of(rep, (mts, "4"))
    order = approve_fully(order)
    assert order.status == S.READY_TO_SHIP  # the approval itself moved it on
    assert order.events.order_by("-id").first().transition == "mark_ready"
    assert not ProductionInstruction.objects.filter(order=order).exists()
