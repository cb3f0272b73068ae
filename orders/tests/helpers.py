"""Building orders in tests through the real services."""

from decimal import Decimal

from orders.services import order_create
from tests.factories import CustomerFactory, ProductFactory

# Shipping consumes stock and passes the shipping gate (fulfillment): these states need the goods
# in the warehouse, reserved for the order's open lines.
STOCKED_STATES = ("ready_to_ship", "partially_shipped")


def draft_order(owner, *, customer=None, lines=None, **header):
    customer = customer or CustomerFactory(account_manager=owner)
    if lines is None:
        lines = [
            {"product": ProductFactory(), "quantity": Decimal("2"), "unit_price": Decimal("1130")}
        ]
    return order_create(actor=owner, customer=customer, lines=lines, **header)


def shippable_customer(owner, **fields):
    """A monthly-settlement customer well within its credit limit: the shipping gate is open
    (the factory's default settlement method, prepayment, blocks shipping until paid)."""
    fields.setdefault("settlement_method", "monthly")
    fields.setdefault("account_manager", owner)
    return CustomerFactory(**fields)


def stock_for_open_lines(order) -> None:
    """Receive into stock, reserved for the order, whatever its open lines do not hold yet."""
    from fulfillment.enums import ReservationStatus
    from fulfillment.models import StockReservation
    from fulfillment.services import receive_for_order

    held = {}
    for line_id, quantity in StockReservation.objects.filter(
        order=order, status=ReservationStatus.ACTIVE
    ).values_list("line_id", "quantity"):
        held[line_id] = held.get(line_id, Decimal("0")) + quantity
    missing = {
        line: line.open_quantity - held.get(line.pk, Decimal("0"))
        for line in order.lines.select_related("product")
    }
    missing = {line: qty for line, qty in missing.items() if qty > 0}
    if missing:
        receive_for_order(order=order, quantities=missing, actor=None, reference="test")


def force_status(order, status, **fields):
    """Put an order straight into a state for a test (bypasses the protected field on purpose).
    Ready to ship and partially shipped orders get their open lines' goods received and
    reserved, as production or the approval would have done."""
    from orders.enums import OrderStatus
    from orders.models import Order

    if status == OrderStatus.ON_HOLD:
        fields.setdefault("status_before_hold", OrderStatus.APPROVED)
    if status in (
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.SETTLED,
        OrderStatus.ARCHIVED,
    ):
        from django.db.models import F

        order.lines.update(shipped_quantity=F("quantity"), is_closed=True)
    if status in STOCKED_STATES:
        stock_for_open_lines(order)
    Order.objects.filter(pk=order.pk).update(status=status, **fields)
    return Order.objects.get(pk=order.pk)
