from decimal import Decimal

import pytest

from core.roles import Role
from orders import services
from orders.enums import REVIEW_STATES, OrderStatus, SupplyMode
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory, ProductFactory, UserFactory

APPROVER_ROLE = {
    OrderStatus.SALES_REVIEW: Role.SALES_HEAD,
    OrderStatus.TECHNICAL_REVIEW: Role.PRODUCTION,
    OrderStatus.FINANCE_REVIEW: Role.FINANCE,
    OrderStatus.GM_REVIEW: Role.GM,
}


def approve_fully(order, approvers=None):
    """Submit the draft and approve every review step the policy puts in front of it."""
    approvers = approvers if approvers is not None else {}
    order = services.order_submit(order=order, actor=order.owner)
    while order.status in REVIEW_STATES:
        role = APPROVER_ROLE[order.status]
        if role not in approvers:
            approvers[role] = UserFactory(roles=[role])
        order = services.order_approve(order=order, actor=approvers[role])
    # Approved, or already ready to ship when stock covered every line.
    assert order.status in (OrderStatus.APPROVED, OrderStatus.READY_TO_SHIP)
    return order


def order_of(owner, *lines, **customer_fields):
    """A draft with one line per (product, quantity), for a monthly-settlement customer within
    its credit limit (so the shipping gate is open) unless `customer_fields` say otherwise."""
    customer_fields.setdefault("settlement_method", "monthly")
    return draft_order(
        owner,
        customer=CustomerFactory(account_manager=owner, **customer_fields),
        lines=[
            {"product": product, "quantity": Decimal(qty), "unit_price": product.list_price}
            for product, qty in lines
        ],
    )


@pytest.fixture
def mts(db):
    return ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK, procurement_cycle_days=5, unit="台")


@pytest.fixture
def mto(db):
    return ProductFactory(supply_mode=SupplyMode.MAKE_TO_ORDER, production_cycle_days=15)
