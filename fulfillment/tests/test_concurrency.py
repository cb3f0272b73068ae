"""Fulfillment racing on real PostgreSQL connections: never more reserved than on hand, never
more shipped than open, one decision per step, one receipt per shipment."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import (
    ApplicationError,
    ConcurrentModification,
    InvalidTransition,
    ValidationFailed,
)
from core.roles import Role
from fulfillment.enums import ProductionStatus, ReservationStatus, RiskRequestStatus
from fulfillment.models import (
    DeliveryReceipt,
    ProductionInstruction,
    RiskShipmentDecision,
    RiskShipmentRequest,
    Shipment,
    ShipmentLine,
    StockItem,
    StockMovement,
    StockReservation,
)
from fulfillment.services import reserve_order, stock_receive
from fulfillment.services.production import production_finish, production_start
from fulfillment.services.risk import risk_request_create, risk_request_decide
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from orders.enums import OrderStatus, SupplyMode
from orders.models import Order
from orders.services.transitions import order_line_short_close
from orders.tests.helpers import force_status
from tests.factories import ProductFactory, UserFactory
from tests.test_concurrency import run_in_threads

from .conftest import approve_fully, order_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_orders_racing_for_stock_of_five(rep, warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("5"), actor=warehouse)
    orders = [force_status(order_of(rep, (mts, "1")), OrderStatus.APPROVED) for _ in range(10)]

    def reserve(order):
        return lambda: reserve_order(order=order, actor=warehouse)

    results = run_in_threads([reserve(order) for order in orders])

    assert all(isinstance(r, dict) for r in results), results
    assert sum(1 for r in results if r == {}) == 5  # five got their line in full
    assert sum(1 for r in results if r) == 5  # five are short by one
    stock = StockItem.objects.get(product=mts)
    assert (stock.on_hand, stock.reserved) == (Decimal("5"), Decimal("5"))
    active = StockReservation.objects.filter(status=ReservationStatus.ACTIVE)
    assert sum(r.quantity for r in active) == Decimal("5")


# --- Fulfillment races (helper H4) --------------------------------------------------------------
# Each thread reads what it acts on itself, as a request would; losers get a 400 or a 409 and
# the stock, the shipped quantities and the records stay consistent.
CONSENT = {"carrier": "德邦物流", "transport_mode": "road", "customer_consent": "客户同意分批"}


def refusals(results):
    """The exceptions among the results; each must be a typed 400 or 409, nothing else."""
    failed = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, ApplicationError) for r in failed), failed
    assert all(r.status_code in (400, 409) for r in failed), failed
    return failed


def stock_of(product):
    item = StockItem.objects.get(product=product)
    return item.on_hand, item.reserved


def test_eight_warehouse_users_ship_one_each_of_five_open(ready_order, rep, warehouse, mts):
    # Given a line of 6 with 1 shipped: 5 open, 5 in stock reserved for it
    order = ready_order(rep, (mts, "6"))
    line = order.lines.get()
    shipment_create(order=order, actor=warehouse, quantities={line.pk: 1}, **CONSENT)
    assert stock_of(mts) == (Decimal("5"), Decimal("5"))
    users = [UserFactory(roles=[Role.WAREHOUSE]) for _ in range(8)]

    def ship(user):
        def call():
            fresh = Order.objects.get(pk=order.pk)
            return shipment_create(order=fresh, actor=user, quantities={line.pk: 1}, **CONSENT)

        return call

    results = run_in_threads([ship(user) for user in users])

    shipped = [r for r in results if isinstance(r, Shipment)]
    assert len(shipped) == 5, results
    assert len(refusals(results)) == 3
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert (line.shipped_quantity, line.is_closed) == (Decimal("6"), True)
    assert stock_of(mts) == (Decimal("0"), Decimal("0"))
    assert Shipment.objects.filter(order=order).count() == 6
    assert len({s.number for s in Shipment.objects.all()}) == 6
    assert sum(ShipmentLine.objects.values_list("quantity", flat=True)) == Decimal("6")
    assert sum(
        StockMovement.objects.filter(kind="consume").values_list("quantity", flat=True)
    ) == Decimal("-6")
    assert not StockReservation.objects.filter(status=ReservationStatus.ACTIVE).exists()


def test_two_warehouse_users_ship_the_same_open_quantity(ready_order, rep, warehouse, mts):
    order = ready_order(rep, (mts, "4"))
    other = UserFactory(roles=[Role.WAREHOUSE])

    def ship(user):
        return lambda: shipment_create(order=Order.objects.get(pk=order.pk), actor=user, **CONSENT)

    results = run_in_threads([ship(warehouse), ship(other)])

    assert sum(isinstance(r, Shipment) for r in results) == 1, results
    [lost] = refusals(results)
    assert isinstance(lost, ConcurrentModification | InvalidTransition)
    assert lost.status_code == 409
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED
    assert order.lines.get().shipped_quantity == Decimal("4")
    assert stock_of(mts) == (Decimal("0"), Decimal("0"))
    assert Shipment.objects.count() == 1


def test_shipping_and_short_closing_the_same_line_at_once(ready_order, rep, warehouse, mts):
    second = ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK)
    order = ready_order(rep, (mts, "10"), (second, "2"))
    line = order.lines.get(sequence=1)

    def ship():
        fresh = Order.objects.get(pk=order.pk)
        return shipment_create(order=fresh, actor=warehouse, quantities={line.pk: 10}, **CONSENT)

    def close():
        fresh = Order.objects.get(pk=order.pk)
        return order_line_short_close(order=fresh, line_id=line.pk, actor=rep, reason="客户不要")

    results = run_in_threads([ship, close])

    assert len(refusals(results)) == 1, results
    line.refresh_from_db()
    assert line.is_closed
    on_hand, reserved = stock_of(mts)
    if isinstance(results[0], Shipment):  # shipped first: nothing left to close
        assert (line.shipped_quantity, line.close_reason) == (Decimal("10"), "")
        assert (on_hand, reserved) == (Decimal("0"), Decimal("0"))
    else:  # closed first: nothing left to ship, the reservation is released
        assert (line.shipped_quantity, line.close_reason) == (Decimal("0"), "客户不要")
        assert (on_hand, reserved) == (Decimal("10"), Decimal("0"))
        assert not Shipment.objects.exists()
    assert stock_of(second) == (Decimal("2"), Decimal("2"))


def test_a_shipment_from_free_stock_races_an_approval_for_the_last_five(
    rep, warehouse, production, mts
):
    # Order A is ready to ship without a reservation (5 free in stock); order B, approved,
    # reserves the same 5 at the same moment. Exactly one of them gets the goods.
    stock_receive(product=mts, quantity=Decimal("5"), actor=warehouse)
    first = force_status(order_of(rep, (mts, "5")), OrderStatus.APPROVED)
    first = Order.objects.filter(pk=first.pk)
    first.update(status=OrderStatus.READY_TO_SHIP)
    first = first.get()
    second = force_status(order_of(rep, (mts, "5")), OrderStatus.APPROVED)

    results = run_in_threads(
        [
            lambda: shipment_create(
                order=Order.objects.get(pk=first.pk), actor=warehouse, **CONSENT
            ),
            lambda: reserve_order(order=second, actor=warehouse),
        ]
    )

    shipment, shortage = results
    on_hand, reserved = stock_of(mts)
    assert on_hand >= reserved
    if isinstance(shipment, Shipment):
        assert shortage == {second.lines.get().pk: Decimal("5")}
        assert (on_hand, reserved) == (Decimal("0"), Decimal("0"))
    else:
        assert isinstance(shipment, ValidationFailed), results
        assert shipment.message == "Not enough stock to ship line 1: 5 台 missing."
        assert shortage == {}
        assert (on_hand, reserved) == (Decimal("5"), Decimal("5"))
        assert Order.objects.get(pk=first.pk).status == OrderStatus.READY_TO_SHIP


def test_two_finance_users_decide_the_same_risk_request(ready_order, rep):
    order = ready_order(rep, (ProductFactory(), "1"), settlement_method="prepayment")
    request = risk_request_create(order=order, actor=rep, reason="老客户")
    deciders = [UserFactory(roles=[Role.FINANCE]) for _ in range(2)]

    def decide(user, decision):
        def call():
            fresh = RiskShipmentRequest.objects.get(pk=request.pk)
            return risk_request_decide(request=fresh, actor=user, decision=decision, comment="意见")

        return call

    results = run_in_threads([decide(deciders[0], "approve"), decide(deciders[1], "reject")])

    assert sum(isinstance(r, RiskShipmentRequest) for r in results) == 1, results
    [lost] = refusals(results)
    assert isinstance(lost, InvalidTransition)
    decision = RiskShipmentDecision.objects.get(request=request)
    request.refresh_from_db()
    expected = (
        RiskRequestStatus.GM if decision.decision == "approve" else RiskRequestStatus.REJECTED
    )
    assert request.status == expected


def test_two_risk_requests_for_one_order_at_once(ready_order, rep, sales_head):
    order = ready_order(rep, (ProductFactory(), "1"), settlement_method="prepayment")

    results = run_in_threads(
        [
            lambda: risk_request_create(order=order, actor=rep, reason="请求一"),
            lambda: risk_request_create(order=order, actor=sales_head, reason="请求二"),
        ]
    )

    assert sum(isinstance(r, RiskShipmentRequest) for r in results) == 1, results
    [lost] = refusals(results)
    assert lost.fields == {
        "reason": ["A request for this order is already waiting for a decision."]
    }
    assert RiskShipmentRequest.objects.filter(order=order).count() == 1


def test_the_last_two_receipts_at_once_deliver_the_order_once(
    ready_order, rep, warehouse, sales_head, mts, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    order = ready_order(rep, (mts, "2"))
    line = order.lines.get()
    first = shipment_create(order=order, actor=warehouse, quantities={line.pk: 1}, **CONSENT)
    second = shipment_create(order=Order.objects.get(pk=order.pk), actor=warehouse, **CONSENT)

    def sign(shipment, user):
        return lambda: delivery_receipt_add(
            shipment=Shipment.objects.get(pk=shipment.pk),
            actor=user,
            file=SimpleUploadedFile("r.pdf", b"%PDF-1.4", content_type="application/pdf"),
            signer="张三",
            signed_on=timezone.localdate(),
        )

    results = run_in_threads([sign(first, warehouse), sign(second, sales_head)])

    assert all(isinstance(r, DeliveryReceipt) for r in results), results
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.events.filter(transition="confirm_delivery").count() == 1


def test_two_receipts_for_one_shipment_at_once(
    ready_order, rep, warehouse, mts, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    order = ready_order(rep, (mts, "1"))
    shipment = shipment_create(order=order, actor=warehouse, **CONSENT)

    def sign(name):
        return lambda: delivery_receipt_add(
            shipment=Shipment.objects.get(pk=shipment.pk),
            actor=warehouse,
            file=SimpleUploadedFile(name, b"%PDF-1.4", content_type="application/pdf"),
            signer="张三",
            signed_on=timezone.localdate(),
        )

    results = run_in_threads([sign("a.pdf"), sign("b.pdf")])

    assert sum(isinstance(r, DeliveryReceipt) for r in results) == 1, results
    [lost] = refusals(results)
    assert isinstance(lost, InvalidTransition)
    assert DeliveryReceipt.objects.count() == 1
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(stored) == 1
    assert Order.objects.get(pk=order.pk).events.filter(transition="confirm_delivery").count() == 1


def test_production_finished_twice_at_once_receives_once(rep, production, mto):
    order = approve_fully(order_of(rep, (mto, "3")))
    instruction = ProductionInstruction.objects.get(order=order)
    production_start(instruction=instruction, actor=production)
    other = UserFactory(roles=[Role.PRODUCTION])

    def finish(user):
        return lambda: production_finish(
            instruction=ProductionInstruction.objects.get(pk=instruction.pk),
            actor=user,
            qc_passed=True,
        )

    results = run_in_threads([finish(production), finish(other)])

    assert sum(isinstance(r, ProductionInstruction) for r in results) == 1, results
    [lost] = refusals(results)
    assert isinstance(lost, InvalidTransition)
    instruction.refresh_from_db()
    assert instruction.status == ProductionStatus.FINISHED
    assert stock_of(mto) == (Decimal("3"), Decimal("3"))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY_TO_SHIP
