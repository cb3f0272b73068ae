from io import StringIO

import pytest
from django.core.management import call_command

from orders.models import Order, OrderEvent, OrderLine
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_generated_orders_are_consistent_and_numbering_continues(rep):
    CustomerFactory.create_batch(3, account_manager=rep)
    ProductFactory.create_batch(4)
    call_command("generate_demo_data", orders=300, batch=120, stdout=StringIO())
    assert Order.objects.count() == 300
    assert OrderEvent.objects.count() == 300
    assert len(set(Order.objects.values_list("number", flat=True))) == 300
    assert 300 <= OrderLine.objects.count() <= 1500
    assert Order.objects.values("status").distinct().count() >= 10
    for order in Order.objects.prefetch_related("lines")[:50]:
        assert order.total == sum(line.amount for line in order.lines.all())
    # the normal numbering continues after the generated serials of the same day
    latest_day = Order.objects.latest("order_date").order_date
    taken = Order.objects.filter(order_date=latest_day).count()
    order = draft_order(rep, order_date=latest_day)
    assert order.number == f"SO{latest_day:%Y%m%d}{taken + 1:03d}"


def test_refuses_without_master_data():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("generate_demo_data", orders=5, stdout=StringIO())
