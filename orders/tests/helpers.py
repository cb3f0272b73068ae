"""Building orders in tests through the real services."""

from decimal import Decimal

from orders.services import order_create
from tests.factories import CustomerFactory, ProductFactory


def draft_order(owner, *, customer=None, lines=None, **header):
    customer = customer or CustomerFactory(account_manager=owner)
    if lines is None:
        lines = [
            {"product": ProductFactory(), "quantity": Decimal("2"), "unit_price": Decimal("1130")}
        ]
    return order_create(actor=owner, customer=customer, lines=lines, **header)


def force_status(order, status, **fields):
    """Put an order straight into a state for a test (bypasses the protected field on purpose)."""
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
    Order.objects.filter(pk=order.pk).update(status=status, **fields)
    return Order.objects.get(pk=order.pk)
