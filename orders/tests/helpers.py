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
