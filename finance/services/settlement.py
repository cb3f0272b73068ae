"""Settlement (结算, REQUIREMENTS §7): a delivered order is settled when everything deliverable
is invoiced and every invoice is paid (short-closed quantities excluded). It happens by itself
when the last invoice or allocation lands; finance may settle by hand with a recorded reason
when a small difference remains (settings.SETTLEMENT_TOLERANCE)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.money import format_cny
from orders.enums import OrderStatus, OrderTransition
from orders.models import Order
from orders.services.transitions import order_transition

from ..balances import order_balance

S = OrderStatus


def is_complete(order: Order) -> bool:
    balance = order_balance(order)
    return balance.uninvoiced == 0 and balance.unpaid <= 0 and balance.outstanding <= 0


def settle_if_complete(*, order: Order, actor) -> bool:
    """Settle a delivered order that is invoiced and paid in full; True when it did."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != S.DELIVERED or not is_complete(order):
            return False
        order_transition(
            order=order,
            actor=actor,
            name=OrderTransition.SETTLE,
            comment=_("Invoiced and paid in full."),
            system=True,
            prepare=_closing,
        )
    return True


def _closing(locked: Order) -> dict:
    """A settled order is closed, as when finance settles it by hand (order_settle)."""
    locked.closed_at = timezone.now()
    return {}


def settlement_guard(order: Order, comment: str) -> None:
    """A settlement by hand (the settle transition) needs the order to be complete, or a
    reason and a difference within the tolerance."""
    balance = order_balance(order)
    if balance.uninvoiced == 0 and balance.unpaid <= 0 and balance.outstanding <= 0:
        return
    difference = max(abs(balance.uninvoiced), abs(balance.outstanding))
    if difference > settings.SETTLEMENT_TOLERANCE:
        raise ValidationFailed(
            _(
                "The order is not settled: %(uninvoiced)s not invoiced, %(outstanding)s not "
                "paid. Differences up to %(tolerance)s can be settled by hand with a reason."
            )
            % {
                "uninvoiced": format_cny(balance.uninvoiced),
                "outstanding": format_cny(balance.outstanding),
                "tolerance": format_cny(settings.SETTLEMENT_TOLERANCE),
            },
            fields={"comment": [_("The difference is too large to settle by hand.")]},
        )
    if not (comment or "").strip():
        raise ValidationFailed(
            fields={"comment": [_("Give the reason for settling with a difference.")]}
        )
