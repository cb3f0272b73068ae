from io import StringIO

import pytest
from django.core.management import call_command

from fulfillment.models import StockItem, StockReservation

pytestmark = pytest.mark.django_db


def test_seed_stock_after_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_stock", stdout=StringIO())
    items = dict(StockItem.objects.values_list("product__code", "on_hand"))
    reservations = StockReservation.objects.filter(status="active").count()
    assert items and reservations > 0
    assert all(item.reserved <= item.on_hand for item in StockItem.objects.all())
    call_command("seed_stock", stdout=StringIO())
    assert dict(StockItem.objects.values_list("product__code", "on_hand")) == items
    assert StockReservation.objects.filter(status="active").count() == reservations
