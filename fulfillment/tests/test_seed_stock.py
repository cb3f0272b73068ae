"""seed_stock after seed_demo: the demo stock is received once, the demo orders' stock is
reserved by their approval and taken out by their shipments, and a second run changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from fulfillment.enums import MovementKind, ReservationStatus
from fulfillment.management.commands.seed_stock import PLENTY, SCARCE, receipt_pdf
from fulfillment.models import ShipmentLine, StockItem, StockMovement, StockReservation
from orders.enums import OrderStatus as S
from orders.enums import SupplyMode
from orders.models import Order, Product


def seed():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_stock", stdout=StringIO())


def stock():
    return sorted(StockItem.objects.values_list("product__code", "on_hand", "reserved"))


@pytest.mark.django_db
def test_seed_stock_after_seed_demo_is_idempotent():
    seed()
    items = stock()
    movements = StockMovement.objects.count()
    reservations = list(StockReservation.objects.values_list("pk", "status", "quantity"))
    assert items and StockReservation.objects.filter(status=ReservationStatus.ACTIVE).exists()
    assert all(item.reserved <= item.on_hand for item in StockItem.objects.all())

    call_command("seed_stock", stdout=StringIO())
    seed()

    assert stock() == items
    assert StockMovement.objects.count() == movements
    assert list(StockReservation.objects.values_list("pk", "status", "quantity")) == reservations


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """The demo data once for a class of read-only checks, rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed()
        yield
        transaction.set_rollback(True)


@pytest.mark.usefixtures("seeded", "db")
class TestDemoStock:
    def test_demo_stock_is_received_once_per_make_to_stock_product(self):
        receipts = StockMovement.objects.filter(kind=MovementKind.RECEIPT, reference="demo")
        received = dict(receipts.values_list("stock_item__product__code", "quantity"))
        codes = Product.objects.filter(supply_mode=SupplyMode.MAKE_TO_STOCK).values_list(
            "code", flat=True
        )
        assert received == {code: SCARCE.get(code, PLENTY) for code in codes}
        assert receipts.count() == len(received)

    def test_stock_on_hand_is_what_came_in_less_what_was_shipped(self):
        for item in StockItem.objects.select_related("product"):
            came_in = item.movements.filter(kind=MovementKind.RECEIPT).aggregate(n=Sum("quantity"))
            shipped = ShipmentLine.objects.filter(order_line__product=item.product).aggregate(
                n=Sum("quantity")
            )
            assert item.on_hand == (came_in["n"] or 0) - (shipped["n"] or 0), item.product.code
            active = item.reservations.filter(status=ReservationStatus.ACTIVE)
            assert item.reserved == (active.aggregate(n=Sum("quantity"))["n"] or 0)

    def test_open_lines_of_orders_ready_to_ship_are_reserved_in_full(self):
        for order in Order.objects.filter(status__in=[S.READY_TO_SHIP, S.PARTIALLY_SHIPPED]):
            for line in order.lines.filter(is_closed=False):
                held = StockReservation.objects.filter(
                    line=line, status=ReservationStatus.ACTIVE
                ).aggregate(n=Sum("quantity"))["n"]
                assert held == line.open_quantity, (order.remarks, line.sequence)

    def test_the_scarce_motor_is_short_for_the_order_waiting_for_finance(self):
        motor = StockItem.objects.get(product__code="DJ-YE3-160M-4")
        waiting = Order.objects.get(remarks="demo:finance-review").lines.get(
            product__code="DJ-YE3-160M-4"
        )
        assert motor.on_hand - motor.reserved < waiting.quantity
        assert motor.on_hand - motor.reserved > 0


def test_receipt_pdf_is_a_well_formed_pdf():
    data = receipt_pdf("Delivery receipt SH20261123001")

    assert data.startswith(b"%PDF-1.4\n") and data.rstrip().endswith(b"%%EOF")
    xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[xref:].startswith(b"xref\n0 6\n")
    # every object sits at the offset the cross-reference table gives
    entries = data[xref:].split(b"\n")[3:8]
    for number, entry in enumerate(entries, start=1):
        offset = int(entry.split()[0])
        assert data[offset:].startswith(b"%d 0 obj" % number)
