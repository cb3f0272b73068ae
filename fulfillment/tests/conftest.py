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


ROLE_FIXTURES = (
    "rep",
    "other_rep",
    "sales_head",
    "finance",
    "gm",
    "production",
    "warehouse",
    "admin_user",
)


def role_matrix(default: int, **statuses: int):
    """Parametrize `who, status` over every role fixture: the status code each role gets,
    `default` for the roles not named."""
    return pytest.mark.parametrize(
        "who, status", [(who, statuses.get(who, default)) for who in ROLE_FIXTURES]
    )


def user(request, name):
    """The user of the role fixture `name`."""
    return request.getfixturevalue(name)


@pytest.fixture
def mts(db):
    return ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK, procurement_cycle_days=5, unit="台")


@pytest.fixture
def mto(db):
    return ProductFactory(supply_mode=SupplyMode.MAKE_TO_ORDER, production_cycle_days=15)


# --- Fixtures for the service tests (helper H4) ------------------------------------------------
@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ready_order(warehouse):
    """A function building an order that is ready to ship: stock is received for every
    (make-to-stock) line, the order is approved and the approval moves it on by itself."""
    from fulfillment.services import stock_receive

    def build(owner, *lines, stock=None, **customer_fields):
        for product, qty in lines:
            received = Decimal((stock or {}).get(product.pk, qty))
            if received > 0:
                stock_receive(product=product, quantity=received, actor=warehouse)
        order = approve_fully(order_of(owner, *lines, **customer_fields))
        assert order.status == OrderStatus.READY_TO_SHIP
        return order

    return build


def fulfillment_state(order) -> dict:
    """Everything a fulfillment service may change around `order`, for "nothing changed"."""
    from core.models import Notification, OutboxMessage
    from fulfillment.models import (
        DeliveryReceipt,
        Deviation,
        ExecutionPlan,
        ProductionInstruction,
        ProductionReport,
        RiskShipmentDecision,
        RiskShipmentRequest,
        Shipment,
        ShipmentLine,
        StockItem,
        StockMovement,
        StockReservation,
    )
    from orders.models import Order

    order = Order.objects.get(pk=order.pk)
    return {
        "status": order.status,
        "lines": list(
            order.lines.order_by("sequence").values_list(
                "quantity", "shipped_quantity", "is_closed", "close_reason", "last_ship_date"
            )
        ),
        "events": list(order.events.order_by("id").values_list("id", "transition", "payload")),
        "stock": list(StockItem.objects.order_by("pk").values_list("pk", "on_hand", "reserved")),
        "reservations": list(
            StockReservation.objects.order_by("pk").values_list(
                "pk", "line_id", "quantity", "status"
            )
        ),
        "movements": StockMovement.objects.count(),
        "shipments": list(
            Shipment.objects.filter(order=order).order_by("pk").values_list("number", "status")
        ),
        "shipment_lines": ShipmentLine.objects.filter(shipment__order=order).count(),
        "instructions": list(
            ProductionInstruction.objects.filter(order=order)
            .order_by("pk")
            .values_list("number", "status", "progress", "qc_passed")
        ),
        "reports": ProductionReport.objects.filter(instruction__order=order).count(),
        "receipts": DeliveryReceipt.objects.filter(shipment__order=order).count(),
        "risk": list(
            RiskShipmentRequest.objects.filter(order=order)
            .order_by("pk")
            .values_list("pk", "status", "closed_at")
        ),
        "risk_decisions": RiskShipmentDecision.objects.filter(request__order=order).count(),
        "deviations": list(
            Deviation.objects.filter(order=order)
            .order_by("pk")
            .values_list("pk", "status", "owner_id", "resolution", "cause", "resolved_at")
        ),
        "plan": list(ExecutionPlan.objects.filter(order=order).values()),
        "outbox": OutboxMessage.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def state():
    return fulfillment_state
