from decimal import Decimal

import pytest

from core.roles import Role
from orders import services
from orders.enums import REVIEW_STATES, OrderStatus, SupplyMode
from orders.tests.helpers import draft_order
from tests.factories import ProductFactory, UserFactory

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
    assert order.status == OrderStatus.APPROVED
    return order


def order_of(owner, *lines):
    """A draft with one line per (product, quantity)."""
    return draft_order(
        owner,
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
