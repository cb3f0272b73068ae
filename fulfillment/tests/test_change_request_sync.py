"""An approved change request that lowers a reserved line's quantity releases the surplus."""

from decimal import Decimal

import pytest

from fulfillment.models import StockReservation
from fulfillment.services import stock_receive
from orders.services import order_approve, order_submit
from orders.services.change_requests import change_request_create, change_request_decide
from orders.tests.helpers import draft_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_change_request_resyncs_reservations(rep, sales_head, finance, gm, warehouse):
    product = ProductFactory()
    stock_receive(product=product, quantity=Decimal("10"), actor=warehouse, reference="test")
    order = draft_order(rep, lines=[{"product": product, "quantity": Decimal("8")}])
    order = order_submit(order=order, actor=rep)
    for approver in (sales_head, finance, gm):
        order = order_approve(order=order, actor=approver)
    assert sum(r.quantity for r in StockReservation.objects.filter(status="active")) == 8
    line = order.lines.get()
    request = change_request_create(
        order=order,
        actor=rep,
        kind="change",
        reason="客户减少数量",
        lines=[
            {
                "id": line.pk,
                "product": product,
                "quantity": Decimal("3"),
                "unit_price": line.unit_price,
            }
        ],
    )
    change_request_decide(request=request, actor=sales_head, approve=True)
    active = StockReservation.objects.filter(status="active")
    assert sum(r.quantity for r in active) == 3
