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


# Money received against orders, provided by the finance app (the shipping gate asks whether
# a prepayment has arrived): a function taking orders and returning {order id: Decimal} in one
# query, so a page of orders costs one query whatever its length.
_payments_provider = None


def register_payments(provider) -> None:
    global _payments_provider
    _payments_provider = provider


def amounts_received(orders) -> dict[int, Decimal]:
    orders = list(orders)
    if _payments_provider is None or not orders:
        return {}
    return _payments_provider(orders)


def amount_received(order) -> Decimal:
    return amounts_received([order]).get(order.pk, Decimal("0.00"))


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


# Invoiced but unpaid amounts per customer, provided by the finance app (credit exposure):
# a function taking customers and returning {customer id: Decimal} in one query.
_receivables_provider = None


def register_receivables(provider) -> None:
    global _receivables_provider
    _receivables_provider = provider


def receivables_of(customers) -> dict[int, Decimal]:
    customers = list(customers)
    if _receivables_provider is None or not customers:
        return {}
    return _receivables_provider(customers)


def open_receivables(customer) -> Decimal:
    return receivables_of([customer]).get(customer.pk, Decimal("0.00"))


# Net invoiced amounts per customer over a queryset of orders, provided by the finance app:
# a function taking the orders queryset and returning {customer id: Decimal} in one query.
_invoiced_provider = None


def register_invoiced(provider) -> None:
    global _invoiced_provider
    _invoiced_provider = provider


def invoiced_on_orders(orders) -> dict[int, Decimal]:
    if _invoiced_provider is None:
        return {}
    return _invoiced_provider(orders)


# Cards later apps add to the home page (open alerts, receivables, ...): a function taking the
# user and returning a list of {"key", "label", "count", "url", "style"} in a fixed number of
# queries.
_home_cards: list = []


def register_home_cards(provider) -> None:
    if provider not in _home_cards:
        _home_cards.append(provider)


def home_cards_of(user) -> list[dict]:
    cards = []
    for provider in _home_cards:
        cards.extend(provider(user))
    return cards
