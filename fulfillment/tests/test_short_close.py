"""Short-closing a line (短交关闭, REQUIREMENTS §6): the rest of the line will not ship; its
reservation is released and an order with nothing open left is shipped."""

from decimal import Decimal

import pytest

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from fulfillment.enums import MovementKind, ReservationStatus
from fulfillment.models import Shipment, StockItem, StockMovement, StockReservation
from fulfillment.services.shipping import shipment_create
from orders.enums import OrderEventType, SupplyMode
from orders.enums import OrderStatus as S
from orders.models import Order
from orders.services.transitions import order_line_short_close
from tests.factories import ProductFactory

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db

DETAILS = {"carrier": "德邦物流", "transport_mode": "road", "customer_consent": "客户同意"}


@pytest.fixture
def second(db):
    return ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK, unit="件")


@pytest.fixture
def ready(ready_order, rep, mts, second):
    """Ready to ship: line 1 is 10 台 of mts, line 2 is 5 件 of `second`, reserved in full."""
    return ready_order(rep, (mts, "10"), (second, "5"))


@pytest.fixture
def partial(ready, warehouse):
    """Partially shipped: 4 台 of line 1 went out, line 2 untouched."""
    line1 = ready.lines.get(sequence=1)
    shipment_create(order=ready, actor=warehouse, quantities={line1.pk: "4"}, **DETAILS)
    return Order.objects.get(pk=ready.pk)


def line(order, sequence):
    return order.lines.get(sequence=sequence)


def stock(product):
    row = StockItem.objects.get(product=product)
    return row.on_hand, row.reserved


def active(order):
    return sorted(
        StockReservation.objects.filter(order=order, status=ReservationStatus.ACTIVE).values_list(
            "line__sequence", "quantity"
        )
    )


def test_short_close_closes_the_rest_with_the_reason_and_releases_it(partial, rep, mts):
    assert stock(mts) == (Decimal("6"), Decimal("6"))

    order = order_line_short_close(
        order=partial, line_id=line(partial, 1).pk, actor=rep, reason=" 客户不再需要 "
    )

    closed = line(order, 1)
    assert (closed.is_closed, closed.close_reason, closed.shipped_quantity) == (
        True,
        "客户不再需要",
        Decimal("4"),
    )
    assert closed.open_quantity == Decimal("0")
    assert order.status == S.PARTIALLY_SHIPPED  # line 2 is still open
    event = order.events.latest("id")
    assert (event.event_type, event.actor_id, event.comment) == (
        OrderEventType.LINE_CLOSED,
        rep.pk,
        "客户不再需要",
    )
    assert event.payload == {"line": closed.pk, "sequence": 1, "closed_quantity": "6.000"}
    # The 6 台 reserved for the line are free again; line 2 keeps its reservation
    assert stock(mts) == (Decimal("6"), Decimal("0"))
    assert active(order) == [(2, Decimal("5"))]
    release = StockMovement.objects.get(kind=MovementKind.RELEASE)
    assert (release.quantity, release.reference, release.actor_id) == (
        Decimal("6"),
        order.number,
        rep.pk,
    )


def test_the_last_open_line_of_a_partially_shipped_order_ships_it(partial, rep, second):
    order = order_line_short_close(
        order=partial, line_id=line(partial, 2).pk, actor=rep, reason="客户取消该型号"
    )
    assert order.status == S.PARTIALLY_SHIPPED
    order = order_line_short_close(
        order=order, line_id=line(order, 1).pk, actor=rep, reason="剩余不要"
    )

    assert order.status == S.SHIPPED
    event = order.events.latest("id")
    assert (event.transition, event.from_status, event.to_status, event.actor_id) == (
        "ship",
        S.PARTIALLY_SHIPPED,
        S.SHIPPED,
        rep.pk,
    )
    assert event.payload == {"short_closed_line": 1}
    # No empty shipment: the one real shipment only
    assert Shipment.objects.filter(order=order).count() == 1
    assert stock(second) == (Decimal("5"), Decimal("0"))
    assert active(order) == []


def test_an_unshipped_order_may_close_a_line_but_not_its_last(ready, rep, second, state):
    # Closing one of two open lines of an unshipped order is fine...
    order = order_line_short_close(
        order=ready, line_id=line(ready, 2).pk, actor=rep, reason="改型号"
    )
    assert order.status == S.READY_TO_SHIP
    assert stock(second) == (Decimal("5"), Decimal("0"))
    before = state(order)

    # ...but the last open line would leave an order with nothing shipped and nothing open
    with pytest.raises(ValidationFailed) as info:
        order_line_short_close(order=order, line_id=line(order, 1).pk, actor=rep, reason="不要了")

    assert info.value.message == (
        "Nothing has been shipped on this order: cancel it with a change request."
    )
    assert info.value.fields == {"line": ["This is the last open line of an unshipped order."]}
    assert state(order) == before


def test_nothing_open_on_the_line_is_refused(ready, warehouse, rep, state):
    line1 = line(ready, 1)
    shipment_create(order=ready, actor=warehouse, quantities={line1.pk: "10"}, **DETAILS)
    order = Order.objects.get(pk=ready.pk)
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        order_line_short_close(order=order, line_id=line1.pk, actor=rep, reason="重复")

    assert info.value.fields == {"line": ["Nothing is open on this line."]}
    assert state(order) == before


def test_a_line_short_closed_already_is_refused(partial, rep, state):
    order = order_line_short_close(
        order=partial, line_id=line(partial, 1).pk, actor=rep, reason="不要了"
    )
    before = state(order)
    with pytest.raises(ValidationFailed) as info:
        order_line_short_close(order=order, line_id=line(order, 1).pk, actor=rep, reason="再关")
    assert info.value.fields == {"line": ["Nothing is open on this line."]}
    assert state(order) == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(partial, rep, state, reason):
    before = state(partial)
    with pytest.raises(ValidationFailed) as info:
        order_line_short_close(order=partial, line_id=line(partial, 1).pk, actor=rep, reason=reason)
    assert info.value.fields == {"reason": ["Give a reason."]}
    assert state(partial) == before


@pytest.mark.parametrize("line_id", [999999, "abc", None])
def test_a_line_of_no_order_is_refused(partial, rep, state, line_id):
    before = state(partial)
    with pytest.raises(ValidationFailed) as info:
        order_line_short_close(order=partial, line_id=line_id, actor=rep, reason="x")
    assert info.value.fields == {"line": ["This line is not part of the order."]}
    assert state(partial) == before


# --- who may ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "who, allowed",
    [
        ("owner", True),
        ("other_rep", False),
        ("sales_head", True),
        ("gm", True),
        ("admin_user", True),
        ("warehouse", False),
        ("finance", False),
        ("production", False),
    ],
)
def test_permission_matrix(partial, request, state, who, allowed):
    actor = partial.owner if who == "owner" else request.getfixturevalue(who)
    before = state(partial)

    if allowed:
        order = order_line_short_close(
            order=partial, line_id=line(partial, 1).pk, actor=actor, reason="客户同意短交"
        )
        assert line(order, 1).is_closed
        assert order.events.latest("id").actor == actor
    else:
        with pytest.raises(PermissionDenied):
            order_line_short_close(
                order=partial, line_id=line(partial, 1).pk, actor=actor, reason="客户同意短交"
            )
        assert state(partial) == before


# --- when -----------------------------------------------------------------------------------
def test_refused_before_the_order_is_ready(rep, mto, state):
    order = approve_fully(order_of(rep, (mto, "2"), (mto, "3")))
    assert order.status == S.APPROVED
    before = state(order)
    with pytest.raises(InvalidTransition):
        order_line_short_close(order=order, line_id=line(order, 1).pk, actor=rep, reason="x")
    assert state(order) == before


@pytest.mark.parametrize("status", [S.SHIPPED, S.ON_HOLD, S.DELIVERED, S.CANCELLED, S.DRAFT])
def test_refused_outside_ready_to_ship_and_partially_shipped(partial, rep, state, status):
    Order.objects.filter(pk=partial.pk).update(status=status)
    before = state(partial)
    with pytest.raises(InvalidTransition) as info:
        order_line_short_close(order=partial, line_id=line(partial, 2).pk, actor=rep, reason="x")
    assert info.value.extra == {"status": status}
    assert state(partial) == before
