from .change_request import ChangeRequest, ChangeRequestDecision, OrderRevision
from .events import OrderEvent
from .order import Order, OrderAttachment, OrderLine
from .product import Product, ProductCategory

__all__ = [
    "ChangeRequest",
    "ChangeRequestDecision",
    "Order",
    "OrderAttachment",
    "OrderEvent",
    "OrderLine",
    "OrderRevision",
    "Product",
    "ProductCategory",
]
