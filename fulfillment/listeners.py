"""Reactions to order transitions (orders.lifecycle), inside the transition's transaction:

- final approval: reserve stock, compute the execution plan, issue the production instruction
  for what must be made — or, when stock covers every line, move the order on to ready to ship;
- cancellation: release the stock, cancel the open instruction;
- ship: check the shipping gate, record the shipment and take the goods out of stock;
- mark ready / confirm delivery by hand: refused while production or a receipt is outstanding.
"""

from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from orders.enums import OrderStatus, OrderTransition
from orders.services.transitions import order_transition

from .enums import OPEN_PRODUCTION
from .models import ExecutionPlan, ProductionInstruction
from .services.plan import plan_update
from .services.production import production_cancel_open, production_issue
from .services.shipping import deliver_if_complete, shipment_record, unsigned_shipments
from .services.stock import order_reservations_sync, release_order, reserve_order

S = OrderStatus
T = OrderTransition
RESERVE_ON = (T.APPROVE, T.SUBMIT)  # submit: no review step applied
RELEASE_ON = (T.CANCEL, T.CANCEL_APPROVED)


class FulfillmentListener:
    def on_transition(self, *, order, event, name: str, from_status: str, actor) -> None:
        if name in RESERVE_ON and order.status == S.APPROVED:
            self._approved(order, actor)
        elif name in RELEASE_ON:
            release_order(order=order, actor=actor)
            production_cancel_open(order=order)
        elif name == T.SHIP:
            shipment = shipment_record(order=order, event=event, actor=actor)
            if shipment is None and order.status == S.SHIPPED:
                deliver_if_complete(order=order, actor=actor)
        elif (
            name == T.MARK_READY
            and ProductionInstruction.objects.filter(
                order=order, status__in=OPEN_PRODUCTION
            ).exists()
        ):
            raise ValidationFailed(
                _("A production instruction is still open for this order."),
                fields={"non_field_errors": [_("Finish production first.")]},
            )
        elif name == T.CONFIRM_DELIVERY and unsigned_shipments(order):
            raise ValidationFailed(
                _("Upload the signed receipt of every shipment first."),
                fields={"non_field_errors": [_("A shipment has no signed receipt.")]},
            )

    def _approved(self, order, actor) -> None:
        shortages = reserve_order(order=order, actor=actor)
        plan_update(order=order)
        if production_issue(order=order, actor=actor, shortages=shortages) is None:
            order_transition(
                order=order,
                actor=None,
                name=T.MARK_READY,
                comment=_("Every line is reserved from stock."),
                system=True,
            )

    def on_lines_changed(self, *, order, actor) -> None:
        shortages = order_reservations_sync(order=order, actor=actor)
        # A change to an approved order that is not yet in production may need goods made:
        # issue the instruction now (orders further on are planned by hand, see the note).
        if (
            order.status == S.APPROVED
            and not ProductionInstruction.objects.filter(
                order=order, status__in=OPEN_PRODUCTION
            ).exists()
        ):
            production_issue(order=order, actor=actor, shortages=shortages)
        if ExecutionPlan.objects.filter(order=order).exists():
            plan_update(order=order)  # e.g. the required arrival date moved


fulfillment_listener = FulfillmentListener()
