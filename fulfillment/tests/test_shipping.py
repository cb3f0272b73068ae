"""Shipments (发货, REQUIREMENTS §6): partial shipments with the customer's consent, numbered
SH+date+serial, goods taken out of stock (reservations first, then free stock)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import (
    ConcurrentModification,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from core.roles import Role
from fulfillment.enums import MovementKind, ProductionStatus, ReservationStatus, ShipmentStatus
from fulfillment.models import (
    ExecutionPlan,
    ProductionInstruction,
    Shipment,
    ShipmentLine,
    StockItem,
    StockMovement,
    StockReservation,
    Warehouse,
)
from fulfillment.services import stock_receive
from fulfillment.services.shipping import shipment_create
from orders.enums import OrderStatus as S
from orders.enums import SupplyMode
from orders.models import Order
from orders.services.transitions import order_ship
from tests.factories import ProductFactory, UserFactory

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db

DETAILS = {"carrier": "德邦物流", "transport_mode": "road"}
CONSENT = "客户张经理 11月20日电话同意分批发货"


@pytest.fixture
def second(db):
    return ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK, unit="件")


@pytest.fixture
def order(ready_order, rep, mts, second):
    """Ready to ship: line 1 is 10 台 of mts, line 2 is 5 件 of `second`, both reserved in
    full; 2 more 台 of mts lie free in the warehouse."""
    return ready_order(rep, (mts, "10"), (second, "5"), stock={mts.pk: "12"})


def lines(order):
    return list(order.lines.order_by("sequence"))


def stock(product):
    row = StockItem.objects.get(product=product, warehouse__is_default=True)
    return row.on_hand, row.reserved


def shipped(order):
    return [
        (line.shipped_quantity, line.is_closed)
        for line in Order.objects.get(pk=order.pk).lines.order_by("sequence")
    ]


def today_number(serial: int) -> str:
    return f"SH{timezone.localdate():%Y%m%d}{serial:03d}"


# --- the happy path: three shipments ---------------------------------------------------------
def test_three_partial_shipments_until_shipped(order, warehouse, rep, mts, second):
    line1, line2 = lines(order)

    # Shipment 1: 4 of line 1, with the customer's consent
    first = shipment_create(
        order=order,
        actor=warehouse,
        quantities={line1.pk: "4"},
        customer_consent=CONSENT,
        tracking_number="DB001",
        remarks="第一批",
        **DETAILS,
    )
    assert first.number == today_number(1)
    assert (first.status, first.carrier, first.transport_mode, first.tracking_number) == (
        ShipmentStatus.SHIPPED,
        "德邦物流",
        "road",
        "DB001",
    )
    assert (first.customer_consent, first.remarks, first.created_by) == (
        CONSENT,
        "第一批",
        warehouse,
    )
    assert first.follow_up_owner == rep  # the rep follows up on what is missing
    assert first.shipped_on == timezone.localdate()
    assert list(first.lines.values_list("order_line", "quantity")) == [(line1.pk, Decimal("4"))]
    assert first.event.transition == "ship"
    assert first.event.payload["shipment_number"] == first.number
    assert first.event.payload["lines"] == {str(line1.pk): "4"}
    assert Order.objects.get(pk=order.pk).status == S.PARTIALLY_SHIPPED
    assert shipped(order) == [(Decimal("4"), False), (Decimal("0"), False)]
    assert stock(mts) == (Decimal("8"), Decimal("6"))
    assert stock(second) == (Decimal("5"), Decimal("5"))

    # Shipment 2: the rest of line 1 and 2 of line 2
    order.refresh_from_db()
    second_shipment = shipment_create(
        order=order,
        actor=warehouse,
        quantities={str(line1.pk): Decimal("6"), line2.pk: 2},
        customer_consent=CONSENT,
        **DETAILS,
    )
    assert second_shipment.number == today_number(2)
    assert list(
        second_shipment.lines.order_by("order_line__sequence").values_list("order_line", "quantity")
    ) == [(line1.pk, Decimal("6")), (line2.pk, Decimal("2"))]
    assert Order.objects.get(pk=order.pk).status == S.PARTIALLY_SHIPPED
    assert shipped(order) == [(Decimal("10"), True), (Decimal("2"), False)]
    assert stock(mts) == (Decimal("2"), Decimal("0"))  # the 2 free ones stay
    assert stock(second) == (Decimal("3"), Decimal("3"))

    # Shipment 3: everything still open (None), no consent needed
    order.refresh_from_db()
    last = shipment_create(order=order, actor=warehouse, quantities=None, **DETAILS)
    assert last.number == today_number(3)
    assert last.follow_up_owner is None
    assert list(last.lines.values_list("order_line", "quantity")) == [(line2.pk, Decimal("3"))]
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert shipped(order) == [(Decimal("10"), True), (Decimal("5"), True)]
    assert stock(second) == (Decimal("0"), Decimal("0"))

    # Every reservation was consumed; the ledger has one consume movement per shipped part
    assert set(StockReservation.objects.filter(order=order).values_list("status", flat=True)) == {
        ReservationStatus.CONSUMED
    }
    assert sorted(
        StockMovement.objects.filter(kind=MovementKind.CONSUME).values_list(
            "reference", "stock_item__product", "quantity"
        )
    ) == [
        (today_number(1), mts.pk, Decimal("-4")),
        (today_number(2), mts.pk, Decimal("-6")),
        (today_number(2), second.pk, Decimal("-2")),
        (today_number(3), second.pk, Decimal("-3")),
    ]
    assert Shipment.objects.filter(order=order).count() == 3
    assert ShipmentLine.objects.filter(shipment__order=order).count() == 4
    assert [
        e.payload["shipment_number"] for e in order.events.filter(transition="ship").order_by("id")
    ] == [today_number(1), today_number(2), today_number(3)]
    assert ExecutionPlan.objects.get(order=order).actual_ship == timezone.localdate()


def test_a_past_ship_date_numbers_the_shipment_by_that_day(order, warehouse):
    day = order.order_date
    shipment = shipment_create(order=order, actor=warehouse, shipped_on=day, **DETAILS)
    assert shipment.number == f"SH{day:%Y%m%d}001"
    assert shipment.shipped_on == day
    assert {line.last_ship_date for line in lines(order)} == {day}


def test_pickup_needs_no_carrier(order, warehouse):
    shipment = shipment_create(order=order, actor=warehouse, transport_mode="pickup")
    assert (shipment.transport_mode, shipment.carrier) == ("pickup", "")


def test_the_orders_delivery_method_is_the_default_transport_mode(order, warehouse):
    Order.objects.filter(pk=order.pk).update(delivery_method="truckload")
    order.refresh_from_db()
    shipment = shipment_create(order=order, actor=warehouse, carrier="整车物流")
    assert shipment.transport_mode == "truckload"


def test_a_follow_up_owner_may_be_named(order, warehouse, sales_head):
    line1, _line2 = lines(order)
    shipment = shipment_create(
        order=order,
        actor=warehouse,
        quantities={line1.pk: 1},
        customer_consent=CONSENT,
        follow_up_owner=sales_head.pk,
        **DETAILS,
    )
    assert shipment.follow_up_owner == sales_head


# --- stock: reservations first, then free stock ----------------------------------------------
def short_order(rep, warehouse, mts, reserved: str, quantity: str):
    """An order whose line is reserved only in part, put ready to ship by hand (as if the
    rest had been found elsewhere); its instruction is set aside."""
    if Decimal(reserved):
        stock_receive(product=mts, quantity=Decimal(reserved), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, quantity)))
    ProductionInstruction.objects.filter(order=order).update(status=ProductionStatus.CANCELLED)
    # Not force_status: it would receive and reserve the missing goods.
    Order.objects.filter(pk=order.pk).update(status=S.READY_TO_SHIP)
    return Order.objects.get(pk=order.pk)


def test_reservations_first_then_free_stock_default_warehouse_first(rep, warehouse, mts):
    order = short_order(rep, warehouse, mts, reserved="6", quantity="10")
    stock_receive(product=mts, quantity=Decimal("1"), actor=warehouse)  # free in MAIN
    other = Warehouse.objects.create(code="B01", name="二号仓")
    stock_receive(product=mts, warehouse=other, quantity=Decimal("5"), actor=warehouse)
    line = order.lines.get()

    shipment = shipment_create(
        order=order,
        actor=warehouse,
        quantities={line.pk: "9"},
        customer_consent=CONSENT,
        **DETAILS,
    )

    assert stock(mts) == (Decimal("0"), Decimal("0"))
    assert StockItem.objects.get(product=mts, warehouse=other).on_hand == Decimal("3")
    assert list(
        StockMovement.objects.filter(kind=MovementKind.CONSUME)
        .order_by("id")
        .values_list("stock_item__warehouse__code", "quantity", "reference")
    ) == [
        ("MAIN", Decimal("-6"), shipment.number),
        ("MAIN", Decimal("-1"), shipment.number),
        ("B01", Decimal("-2"), shipment.number),
    ]
    assert StockReservation.objects.get(order=order).status == ReservationStatus.CONSUMED


def test_a_partly_used_reservation_keeps_the_rest(order, warehouse, mts):
    line1, _line2 = lines(order)
    shipment_create(
        order=order,
        actor=warehouse,
        quantities={line1.pk: "3"},
        customer_consent=CONSENT,
        **DETAILS,
    )
    reservation = StockReservation.objects.get(order=order, line=line1)
    assert (reservation.status, reservation.quantity) == (ReservationStatus.ACTIVE, Decimal("7"))


def test_shipping_without_stock_is_refused_naming_the_line(rep, warehouse, mts, state):
    order = short_order(rep, warehouse, mts, reserved="2", quantity="5")
    line = order.lines.get()
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        shipment_create(order=order, actor=warehouse, **DETAILS)

    assert info.value.message == "Not enough stock to ship line 1: 3 台 missing."
    assert info.value.fields == {f"lines.{line.pk}": ["Not enough stock."]}
    assert state(order) == before
    assert not Shipment.objects.exists()


# --- refusals that change nothing ------------------------------------------------------------
@pytest.mark.parametrize(
    "quantity, message",
    [
        ("6", "Only 5 件 are still open on this line."),
        ("0", "The quantity must be greater than zero."),
        ("-1", "The quantity must be greater than zero."),
        ("abc", "Enter a number."),
        ("NaN", "Enter a number."),
        ("1.0001", "Enter at most 3 decimals."),
    ],
)
def test_bad_quantities_are_refused(order, warehouse, state, quantity, message):
    _line1, line2 = lines(order)
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        shipment_create(
            order=order,
            actor=warehouse,
            quantities={line2.pk: quantity},
            customer_consent=CONSENT,
            **DETAILS,
        )

    assert info.value.fields == {f"lines.{line2.pk}": [message]}
    assert state(order) == before


def test_over_shipment_message_of_a_round_quantity(order, warehouse):
    line1, _line2 = lines(order)
    with pytest.raises(ValidationFailed) as info:
        shipment_create(order=order, actor=warehouse, quantities={line1.pk: "11"}, **DETAILS)
    assert info.value.fields == {f"lines.{line1.pk}": ["Only 10 台 are still open on this line."]}


def test_over_shipment_after_a_partial_shipment_is_refused(order, warehouse, state):
    line1, _line2 = lines(order)
    shipment_create(
        order=order, actor=warehouse, quantities={line1.pk: 8}, customer_consent=CONSENT, **DETAILS
    )
    order.refresh_from_db()
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        shipment_create(
            order=order,
            actor=warehouse,
            quantities={line1.pk: 3},
            customer_consent=CONSENT,
            **DETAILS,
        )

    assert info.value.fields == {f"lines.{line1.pk}": ["Only 2 台 are still open on this line."]}
    assert state(order) == before


def test_a_line_of_another_order_is_refused(order, warehouse, rep, mts, state):
    other = order_of(rep, (mts, "1"))
    foreign = other.lines.get()
    before = state(order)
    with pytest.raises(ValidationFailed) as info:
        shipment_create(order=order, actor=warehouse, quantities={foreign.pk: 1}, **DETAILS)
    assert info.value.fields == {f"lines.{foreign.pk}": ["This line is not part of the order."]}
    assert state(order) == before


def test_an_empty_selection_is_refused(order, warehouse, state):
    before = state(order)
    with pytest.raises(ValidationFailed) as info:
        shipment_create(order=order, actor=warehouse, quantities={}, **DETAILS)
    assert info.value.fields == {"lines": ["Pick at least one line to ship."]}
    assert state(order) == before


@pytest.mark.parametrize("consent", ["", "   ", None])
def test_a_partial_shipment_needs_the_customers_consent(order, warehouse, state, consent):
    line1, _line2 = lines(order)
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        shipment_create(
            order=order,
            actor=warehouse,
            quantities={line1.pk: "4"},
            customer_consent=consent,
            **DETAILS,
        )

    assert info.value.fields == {
        "customer_consent": [
            "A partial shipment needs the customer's consent: who agreed, and when."
        ]
    }
    assert state(order) == before


def test_everything_open_given_line_by_line_is_not_partial(order, warehouse):
    line1, line2 = lines(order)
    shipment = shipment_create(
        order=order, actor=warehouse, quantities={line1.pk: 10, line2.pk: 5}, **DETAILS
    )
    assert shipment.customer_consent == ""
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED


@pytest.mark.parametrize(
    "details, field, message",
    [
        (
            {"transport_mode": "express", "carrier": "顺丰"},
            "tracking_number",
            "An express shipment needs its tracking number.",
        ),
        (
            {"transport_mode": "express", "carrier": "顺丰", "tracking_number": "  "},
            "tracking_number",
            "An express shipment needs its tracking number.",
        ),
        ({"transport_mode": "road"}, "carrier", "Enter the carrier (or choose customer pickup)."),
        (
            {"transport_mode": "boat", "carrier": "x"},
            "transport_mode",
            "Choose a transport mode from the list.",
        ),
        ({"carrier": "x" * 101}, "carrier", "At most 100 characters."),
        (
            {"carrier": "x", "tracking_number": "1" * 61},
            "tracking_number",
            "At most 60 characters.",
        ),
        ({"carrier": "x", "follow_up_owner": 999999}, "follow_up_owner", "Choose an active user."),
        ({"carrier": "x", "follow_up_owner": "abc"}, "follow_up_owner", "Choose an active user."),
    ],
)
def test_shipment_details_are_checked(order, warehouse, state, details, field, message):
    before = state(order)
    with pytest.raises(ValidationFailed) as info:
        shipment_create(order=order, actor=warehouse, **details)
    assert info.value.fields == {field: [message]}
    assert state(order) == before


def test_an_inactive_follow_up_owner_is_refused(order, warehouse, state):
    gone = UserFactory(is_active=False)
    before = state(order)
    with pytest.raises(ValidationFailed) as info:
        shipment_create(order=order, actor=warehouse, follow_up_owner=gone, **DETAILS)
    assert info.value.fields == {"follow_up_owner": ["Choose an active user."]}
    assert state(order) == before


def test_express_with_tracking_number(order, warehouse):
    shipment = shipment_create(
        order=order,
        actor=warehouse,
        transport_mode="express",
        carrier="顺丰",
        tracking_number=" SF1234567890 ",
    )
    assert shipment.tracking_number == "SF1234567890"


@pytest.mark.parametrize(
    "shipped_on, message",
    [
        ("tomorrow", "The ship date cannot be in the future."),
        ("before order", "The ship date is before the order date."),
        ("2026-11-01", "Enter the date as YYYY-MM-DD."),
        ("a datetime", "Enter the date as YYYY-MM-DD."),
    ],
)
def test_bad_ship_dates_are_refused(order, warehouse, state, shipped_on, message):
    day = {
        "tomorrow": timezone.localdate() + dt.timedelta(days=1),
        "before order": order.order_date - dt.timedelta(days=1),
        "a datetime": timezone.now(),
    }.get(shipped_on, shipped_on)
    before = state(order)
    with pytest.raises(ValidationFailed) as info:
        shipment_create(order=order, actor=warehouse, shipped_on=day, **DETAILS)
    assert info.value.fields == {"shipped_on": [message]}
    assert state(order) == before


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_HEAD, Role.FINANCE, Role.PRODUCTION])
def test_only_the_warehouse_ships(order, state, role):
    before = state(order)
    with pytest.raises(PermissionDenied):
        shipment_create(order=order, actor=UserFactory(roles=[role]), **DETAILS)
    assert state(order) == before


def test_the_orders_rep_may_not_ship(order, rep, state):
    before = state(order)
    with pytest.raises(PermissionDenied):
        shipment_create(order=order, actor=rep, **DETAILS)
    assert state(order) == before


def test_an_order_in_production_cannot_ship(rep, warehouse, mto, state):
    order = approve_fully(order_of(rep, (mto, "2")))
    before = state(order)
    with pytest.raises(InvalidTransition):
        shipment_create(order=order, actor=warehouse, **DETAILS)
    assert state(order) == before


def test_a_stale_order_is_a_conflict(order, warehouse, state):
    line1, _line2 = lines(order)
    stale = Order.objects.get(pk=order.pk)
    shipment_create(
        order=order, actor=warehouse, quantities={line1.pk: 1}, customer_consent=CONSENT, **DETAILS
    )
    before = state(order)

    with pytest.raises(ConcurrentModification):
        shipment_create(
            order=stale,
            actor=warehouse,
            quantities={line1.pk: 1},
            customer_consent=CONSENT,
            **DETAILS,
        )
    assert state(order) == before


# --- the plain order transition -----------------------------------------------------------------
def test_the_plain_ship_transition_records_a_shipment_too(order, warehouse, mts, second):
    line1, line2 = lines(order)

    shipped_order = order_ship(order=order, actor=warehouse, quantities={line1.pk: "10"})

    assert shipped_order.status == S.PARTIALLY_SHIPPED
    shipment = Shipment.objects.get(order=order)
    assert shipment.number == today_number(1)
    assert (shipment.carrier, shipment.transport_mode, shipment.customer_consent) == (
        "",
        order.delivery_method,
        "",
    )
    assert shipment.created_by == warehouse
    assert shipment.event == order.events.get(transition="ship")
    assert list(shipment.lines.values_list("order_line", "quantity")) == [(line1.pk, Decimal("10"))]
    assert stock(mts) == (Decimal("2"), Decimal("0"))
    assert stock(second) == (Decimal("5"), Decimal("5"))

    order_ship(order=shipped_order, actor=warehouse)  # everything open
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED
    assert list(
        Shipment.objects.filter(order=order).order_by("id").values_list("number", flat=True)
    ) == [today_number(1), today_number(2)]
    assert stock(second) == (Decimal("0"), Decimal("0"))
