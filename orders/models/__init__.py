from .events import OrderEvent
from .order import Order, OrderAttachment, OrderLine
from .product import Product, ProductCategory

__all__ = ["Order", "OrderAttachment", "OrderEvent", "OrderLine", "Product", "ProductCategory"]
