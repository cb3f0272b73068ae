from .stock import (
    consume_for_shipment,
    default_warehouse,
    may_change_stock,
    order_reservations_sync,
    receive_for_order,
    release_order,
    reserve_order,
    stock_adjust,
    stock_receive,
)

__all__ = [
    "consume_for_shipment",
    "default_warehouse",
    "may_change_stock",
    "order_reservations_sync",
    "receive_for_order",
    "release_order",
    "reserve_order",
    "stock_adjust",
    "stock_receive",
]
