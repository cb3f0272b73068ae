"""Reactions of later apps (fulfillment, finance, archive) to order transitions.

Dependencies point one way (DESIGN §1): those apps import orders, never the reverse. An app
that must act when an order changes state — e.g. reserve stock once an order is approved —
registers a listener here from its AppConfig.ready(). Listeners run inside the transition's
transaction, after its OrderEvent is written, so their changes commit or roll back with it;
raising a core.errors.ApplicationError refuses the transition.
"""

from __future__ import annotations

from decimal import Decimal
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


# Money received against an order, provided by the finance app (the shipping gate asks it
# whether a prepayment has arrived): a function taking an order and returning a Decimal.
_payments_provider = None


def register_payments(provider) -> None:
    global _payments_provider
    _payments_provider = provider


def amount_received(order) -> Decimal:
    if _payments_provider is None:
        return Decimal("0.00")
    return _payments_provider(order)


# Sections later apps add to the order page (production, shipments, plan, deviations...):
# a function (request, order) returning a list of {"template": ..., "context": {...}} blocks,
# or [] when it has nothing for this user and order.
_order_page_sections: list = []


def register_order_page_section(provider) -> None:
    if provider not in _order_page_sections:
        _order_page_sections.append(provider)


def order_page_sections(request, order) -> list[dict]:
    sections = []
    for provider in _order_page_sections:
        sections.extend(provider(request, order))
    return sections


# Invoiced but unpaid amounts of a customer, provided by the finance app (credit exposure).
_receivables_provider = None


def register_receivables(provider) -> None:
    global _receivables_provider
    _receivables_provider = provider


def open_receivables(customer) -> Decimal:
    if _receivables_provider is None:
        return Decimal("0.00")
    return _receivables_provider(customer)
