import pytest

from orders.enums import SupplyMode
from tests.factories import ProductFactory

from .builders import product


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Files a test writes (signed delivery receipts, exports) stay in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def mts(db):
    return ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK, procurement_cycle_days=5, unit="台")


@pytest.fixture
def pump(db):
    return product("1130.0000")
