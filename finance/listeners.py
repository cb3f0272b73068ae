"""Reactions to order transitions (orders.lifecycle), inside the transition's transaction:
settlement by hand is checked against the balance; a delivered order that is already invoiced
and paid in full settles at once."""

from orders.enums import OrderStatus, OrderTransition

from .services.settlement import settle_if_complete, settlement_guard


class FinanceListener:
    def on_transition(self, *, order, event, name: str, from_status: str, actor) -> None:
        if name == OrderTransition.SETTLE:
            settlement_guard(order, event.comment)
        elif name == OrderTransition.CONFIRM_DELIVERY and order.status == OrderStatus.DELIVERED:
            settle_if_complete(order=order, actor=actor)

    def on_lines_changed(self, *, order, actor) -> None:
        pass


finance_listener = FinanceListener()
