"""Reservations racing on real PostgreSQL connections: never more than on hand."""

from decimal import Decimal

import pytest

from fulfillment.enums import ReservationStatus
from fulfillment.models import StockItem, StockReservation
from fulfillment.services import reserve_order, stock_receive
from orders.enums import OrderStatus
from orders.tests.helpers import force_status
from tests.test_concurrency import run_in_threads

from .conftest import order_of

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
