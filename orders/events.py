"""Audit writers. Always called inside the transaction that made the change."""

from .enums import OrderEventType
from .models import Order, OrderEvent


def order_event_record(
    *,
    order: Order,
    actor,
    event_type: str,
    transition: str = "",
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    payload: dict | None = None,
    on_behalf_of=None,
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        actor=actor if actor is not None and actor.is_authenticated else None,
        on_behalf_of=on_behalf_of,
        event_type=event_type,
        transition=transition,
        from_status=from_status,
        to_status=to_status or (order.status if event_type == OrderEventType.TRANSITION else ""),
        comment=comment,
        payload=payload or {},
    )
