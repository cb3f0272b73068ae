import pytest

from orders.enums import SupplyMode
from tests.factories import ProductFactory


@pytest.fixture
def mts(db):
    return ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK, procurement_cycle_days=5, unit="台")
