"""Stock services and the reactions to order transitions (ISSUE 5 item 1)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from approvals.checks import earliest_delivery
from core.calendar import add_working_days
from core.errors import PermissionDenied, ValidationFailed
from fulfillment.enums import MovementKind, ReservationStatus
from fulfillment.models import StockItem, StockMovement, StockReservation, Warehouse
from fulfillment.selectors import availability, order_line_reservations
from fulfillment.services import (
    order_reservations_sync,
    release_order,
    reserve_order,
    stock_adjust,
    stock_receive,
)
from orders import services
from orders.enums import OrderStatus
from orders.models import OrderLine
from orders.tests.helpers import force_status

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db


def active(order):
    return sorted(
        StockReservation.objects.filter(order=order, status=ReservationStatus.ACTIVE).values_list(
            "line__sequence", "quantity"
        )
    )


def item(product):
    return StockItem.objects.get(product=product, warehouse__is_default=True)


def test_default_warehouse_exists():
    main = Warehouse.objects.get(is_default=True)
    assert (main.code, main.name) == ("MAIN", "主仓库 / Main warehouse")


def test_receive_adds_on_hand_and_writes_the_ledger(warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("12"), actor=warehouse, reference="GR-1")
    stock_receive(product=mts, quantity=Decimal("3"), actor=warehouse)

    assert (item(mts).on_hand, item(mts).reserved) == (Decimal("15"), Decimal("0"))
    assert list(
        StockMovement.objects.order_by("id").values_list("kind", "quantity", "reference")
    ) == [
        (MovementKind.RECEIPT, Decimal("12"), "GR-1"),
        (MovementKind.RECEIPT, Decimal("3"), ""),
    ]


def test_rep_may_not_receive_and_nothing_changes(rep, mts):
    with pytest.raises(PermissionDenied):
        stock_receive(product=mts, quantity=Decimal("1"), actor=rep)
    assert not StockItem.objects.exists()
    assert not StockMovement.objects.exists()


def test_receive_refuses_zero(warehouse, mts):
    with pytest.raises(ValidationFailed) as info:
        stock_receive(product=mts, quantity=Decimal("0"), actor=warehouse)
    assert "quantity" in info.value.fields


def test_adjust_needs_a_reason_and_never_goes_below_reserved(warehouse, rep, mts):
    stock_receive(product=mts, quantity=Decimal("5"), actor=warehouse)
    approve_fully(order_of(rep, (mts, "3")))

    with pytest.raises(ValidationFailed) as info:
        stock_adjust(product=mts, quantity=Decimal("-1"), actor=warehouse, reason=" ")
    assert "reason" in info.value.fields
    with pytest.raises(ValidationFailed):
        stock_adjust(product=mts, quantity=Decimal("-3"), actor=warehouse, reason="盘点")
    assert (item(mts).on_hand, item(mts).reserved) == (Decimal("5"), Decimal("3"))

    stock_adjust(product=mts, quantity=Decimal("-2"), actor=warehouse, reason="盘点")
    assert item(mts).on_hand == Decimal("3")
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).get().reference == "盘点"


def test_approval_reserves_make_to_stock_lines_in_full(warehouse, rep, mts, mto):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)

    order = approve_fully(order_of(rep, (mts, "4"), (mto, "2")))

    assert active(order) == [(1, Decimal("4"))]
    assert (item(mts).on_hand, item(mts).reserved) == (Decimal("10"), Decimal("4"))
    assert not StockItem.objects.filter(product=mto).exists()
    rows = order_line_reservations(order=order)
    assert [(r["sequence"], r["reserved"], r["short"]) for r in rows] == [
        (1, Decimal("4"), Decimal("0")),
        (2, Decimal("0"), Decimal("0")),
    ]


def test_approval_reserves_what_is_available_and_records_the_shortage(warehouse, rep, mts):
    stock_receive(product=mts, quantity=Decimal("3"), actor=warehouse)

    order = approve_fully(order_of(rep, (mts, "5")))

    assert order.status == OrderStatus.APPROVED  # a shortage does not refuse the approval
    assert active(order) == [(1, Decimal("3"))]
    assert item(mts).reserved == Decimal("3")
    assert order_line_reservations(order=order)[0]["short"] == Decimal("2")


def test_no_stock_at_all_reserves_nothing(rep, mts):
    order = approve_fully(order_of(rep, (mts, "5")))
    assert active(order) == []
    assert reserve_order(order=order, actor=rep) == {order.lines.get().pk: Decimal("5")}


def test_reserve_is_idempotent(warehouse, rep, mts):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "4")))

    assert reserve_order(order=order, actor=rep) == {}
    assert item(mts).reserved == Decimal("4")


def test_cancellation_of_an_approved_order_releases(warehouse, rep, admin_user, mts):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "4")))

    services.order_cancel_approved(order=order, actor=admin_user, comment="客户取消")

    assert active(order) == []
    assert item(mts).reserved == Decimal("0")
    released = StockReservation.objects.get(order=order)
    assert released.status == ReservationStatus.RELEASED
    assert released.released_at is not None
    assert StockMovement.objects.filter(kind=MovementKind.RELEASE).count() == 1


def test_release_order_is_harmless_without_reservations(rep, mts):
    order = order_of(rep, (mts, "1"))
    assert release_order(order=order, actor=rep) == Decimal("0")


def test_sync_after_a_quantity_change_releases_and_re_reserves(warehouse, rep, mts):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "6")))
    order.lines.update(quantity=Decimal("2"))  # as an approved change request does in place

    order_reservations_sync(order=order, actor=rep)

    assert active(order) == [(1, Decimal("2"))]
    assert item(mts).reserved == Decimal("2")


def test_sync_releases_the_reservation_of_a_deleted_line(warehouse, rep, mts, mto):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "6"), (mto, "1")))
    OrderLine.objects.filter(order=order, product=mts).delete()

    order_reservations_sync(order=order, actor=rep)

    assert active(order) == []
    assert item(mts).reserved == Decimal("0")


def test_database_refuses_reserved_above_on_hand(warehouse, mts):
    stock_receive(product=mts, quantity=Decimal("5"), actor=warehouse)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(product=mts).update(reserved=F("on_hand") + 1)
    assert item(mts).reserved == Decimal("0")


def test_database_refuses_negative_on_hand(mts):
    main = Warehouse.objects.get(is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.create(product=mts, warehouse=main, on_hand=Decimal("-1"))


def test_availability_and_replenishment_date(warehouse, mts):
    assert availability(mts).is_short()
    stock_receive(product=mts, quantity=Decimal("12"), actor=warehouse)

    stock = availability(mts)
    assert (stock.on_hand, stock.reserved, stock.available) == (12, 0, 12)
    assert not stock.is_short()
    assert stock.replenishment_date == add_working_days(stock.today, 5)


def test_earliest_delivery_counts_the_replenishment_cycle_only_when_short(warehouse, rep, mts):
    day = dt.date(2026, 11, 2)
    order = order_of(rep, (mts, "5"))
    order.order_date = day

    assert earliest_delivery(order) == (add_working_days(day, 5), 5)
    stock_receive(product=mts, quantity=Decimal("5"), actor=warehouse)
    assert earliest_delivery(order) == (day, 0)


def test_earliest_delivery_counts_the_orders_own_reservation_as_available(warehouse, rep, mts):
    stock_receive(product=mts, quantity=Decimal("5"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "5")))
    assert earliest_delivery(order)[1] == 0


def test_force_status_helper_orders_can_be_reserved(warehouse, rep, mts):
    stock_receive(product=mts, quantity=Decimal("2"), actor=warehouse)
    order = force_status(order_of(rep, (mts, "1")), OrderStatus.APPROVED)
    assert reserve_order(order=order, actor=rep) == {}
    assert active(order) == [(1, Decimal("1"))]
