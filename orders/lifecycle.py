"""Reactions of later apps (fulfillment, finance, archive) to order transitions.

Dependencies point one way (DESIGN §1): those apps import orders, never the reverse. An app
that must act when an order changes state — e.g. reserve stock once an order is approved —
registers a listener here from its AppConfig.ready(). Listeners run inside the transition's
transaction, after its OrderEvent is written, so their changes commit or roll back with it;
raising a core.errors.ApplicationError refuses the transition.
"""

from __future__ import annotations

from typing import Protocol


class TransitionListener(Protocol):
    def on_transition(self, *, order, event, name: str, from_status: str, actor) -> None: ...

    def on_lines_changed(self, *, order, actor) -> None:
        """An approved order's lines were changed in place (an approved change request)."""


_listeners: list[TransitionListener] = []


def register(listener: TransitionListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def unregister(listener: TransitionListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def transition_happened(*, order, event, name: str, from_status: str, actor) -> None:
    for listener in list(_listeners):
        listener.on_transition(
            order=order, event=event, name=name, from_status=from_status, actor=actor
        )


def lines_changed(*, order, actor) -> None:
    for listener in list(_listeners):
        handler = getattr(listener, "on_lines_changed", None)
        if handler is not None:
            handler(order=order, actor=actor)


# Stock availability for the order form's hint, provided by the fulfillment app:
# a function taking products and returning {product_id: availability} in one query.
_availability_provider = None


def register_availability(provider) -> None:
    global _availability_provider
    _availability_provider = provider


def availability_of(products) -> dict:
    products = list(products)
    if not products or _availability_provider is None:
        return {}
    return _availability_provider(products)
