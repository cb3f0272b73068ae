"""The shipping gate (REQUIREMENTS §6, 000 D6): an order whose settlement method asks for payment
first, or whose customer is over the credit limit, ships only after a risk-shipment request
(风险发货申请) has been approved by finance and the general manager, or the payment arrived.

`gate_blocks(orders)` answers for a whole page of orders in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from contracts.enums import SettlementMethod
from core.errors import ApplicationError, ErrorCode
from core.money import format_cny
from orders import lifecycle
from orders.credit import OPEN_EXPOSURE_STATES as EXPOSURE_STATES  # noqa: F401 (re-export)
from orders.credit import credit_exposures

from .enums import GateReason, RiskRequestStatus
from .models import RiskShipmentRequest


class ShippingBlocked(ApplicationError):
    default_code = ErrorCode.SHIPPING_BLOCKED


@dataclass
class Gate:
    reasons: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    risk_approved: bool = False
    exposure: Decimal | None = None

    @property
    def blocked(self) -> bool:
        return bool(self.reasons) and not self.risk_approved

    @property
    def message(self) -> str:
        return " ".join(self.messages)


def _customers(orders) -> dict:
    """The orders' customers: those already loaded (select_related), the rest in one query."""
    from contracts.models import Customer
    from orders.models import Order

    customers = {o.customer_id: o.customer for o in orders if Order.customer.is_cached(o)}
    missing = {o.customer_id for o in orders} - set(customers)
    if missing:
        customers.update(Customer.objects.in_bulk(missing))
    return customers


def gate_blocks(orders) -> dict[int, Gate]:
    """The gate of each order: why it may not ship (if it may not) and whether an approved
    risk-shipment request lets it ship anyway."""
    orders = list(orders)
    if not orders:
        return {}
    customers = _customers(orders)
    exposures = credit_exposures(customers.values())
    prepaid = [o for o in orders if o.settlement_method == SettlementMethod.PREPAYMENT]
    received_by_order = lifecycle.amounts_received(prepaid)
    approved = set(
        RiskShipmentRequest.objects.filter(
            order__in=orders, status=RiskRequestStatus.APPROVED
        ).values_list("order_id", flat=True)
    )
    gates = {}
    for order in orders:
        gate = Gate(risk_approved=order.pk in approved)
        customer = customers[order.customer_id]
        if order.settlement_method == SettlementMethod.PREPAYMENT:
            received = received_by_order.get(order.pk, Decimal("0.00"))
            if received < order.total:
                gate.reasons.append(GateReason.PREPAYMENT)
                gate.messages.append(
                    _("Prepayment required: %(received)s of %(total)s received.")
                    % {"received": format_cny(received), "total": format_cny(order.total)}
                )
        exposure = exposures[customer.pk].total
        gate.exposure = exposure
        if exposure > customer.credit_limit and order.settlement_method != (
            SettlementMethod.PREPAYMENT
        ):
            gate.reasons.append(GateReason.CREDIT)
            gate.messages.append(
                _("Over the credit limit: exposure %(exposure)s, limit %(limit)s.")
                % {"exposure": format_cny(exposure), "limit": format_cny(customer.credit_limit)}
            )
        gates[order.pk] = gate
    return gates


def gate_for(order) -> Gate:
    return gate_blocks([order])[order.pk]


def gate_check(order) -> None:
    """Refuse a shipment the gate blocks, saying why and what opens it."""
    gate = gate_for(order)
    if gate.blocked:
        raise ShippingBlocked(
            _(
                "Shipping is blocked: %(why)s Ask for a risk-shipment approval (风险发货申请) "
                "or wait for the payment."
            )
            % {"why": gate.message},
            extra={"reasons": [str(r) for r in gate.reasons]},
        )
