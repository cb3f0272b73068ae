"""Reactions to order transitions (orders.lifecycle): reserve on approval, release on cancel."""

from orders.enums import OrderStatus, OrderTransition

from .services import order_reservations_sync, release_order, reserve_order

RESERVE_ON = (OrderTransition.APPROVE, OrderTransition.SUBMIT)  # submit: no review step applied
RELEASE_ON = (OrderTransition.CANCEL, OrderTransition.CANCEL_APPROVED)


class StockListener:
    def on_transition(self, *, order, event, name: str, from_status: str, actor) -> None:
        if name in RESERVE_ON and order.status == OrderStatus.APPROVED:
            reserve_order(order=order, actor=actor)
        elif name in RELEASE_ON:
            release_order(order=order, actor=actor)

    def on_lines_changed(self, *, order, actor) -> None:
        order_reservations_sync(order=order, actor=actor)


stock_listener = StockListener()
