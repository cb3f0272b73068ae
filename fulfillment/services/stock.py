"""Stock writes (ISSUE 5 item 1): receipts, adjustments, reservations for approved orders.

Every service locks the StockItem rows it changes in primary-key order (no deadlocks between two
orders that share products) and changes quantities with F() expressions; the CheckConstraint
reserved <= on_hand is the last guard, and its IntegrityError becomes a ValidationFailed.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import PermissionDenied, ValidationFailed
from core.roles import Role, has_role
from core.templatetags.ui import qty
from orders.enums import HOLDABLE_STATES, OrderStatus, SupplyMode
from orders.models import Order, Product

from ..enums import MovementKind, ReservationStatus
from ..models import StockItem, StockMovement, StockReservation, Warehouse

ZERO = Decimal("0")
RESERVING_STATES = (*HOLDABLE_STATES, OrderStatus.ON_HOLD)
STOCK_KEEPERS = (Role.WAREHOUSE, Role.PRODUCTION, Role.ADMIN)


def may_change_stock(user) -> bool:
    """Warehouse (and production, receiving finished goods) and the administrator."""
    return has_role(user, *STOCK_KEEPERS)


def default_warehouse() -> Warehouse:
    warehouse = Warehouse.objects.filter(is_default=True).first()
    if warehouse is None:
        warehouse, _created = Warehouse.objects.get_or_create(
            code="MAIN", defaults={"name": "主仓库 / Main warehouse", "is_default": True}
        )
    return warehouse


def _locked_item(product: Product, warehouse: Warehouse) -> StockItem:
    StockItem.objects.get_or_create(product=product, warehouse=warehouse)
    return StockItem.objects.select_for_update().get(product=product, warehouse=warehouse)


def _guarded_update(item: StockItem, **changes) -> None:
    """Apply F() changes; the database constraints refuse negative stock or over-reservation."""
    try:
        with transaction.atomic():
            StockItem.objects.filter(pk=item.pk).update(**changes)
    except IntegrityError as exc:
        raise ValidationFailed(
            _("Stock would become negative or less than the reserved quantity."),
            fields={"quantity": [_("Not enough stock.")]},
        ) from exc
    item.refresh_from_db(fields=["on_hand", "reserved"])


def _book_on_hand(*, product, warehouse, quantity, kind, reference, actor) -> StockItem:
    """Lock the stock item, move its on-hand quantity by `quantity` and write the movement to
    the ledger. Runs inside the caller's transaction."""
    item = _locked_item(product, warehouse)
    _guarded_update(item, on_hand=F("on_hand") + quantity)
    StockMovement.objects.create(
        stock_item=item, kind=kind, quantity=quantity, reference=reference, actor=actor
    )
    return item


def _positive(quantity) -> Decimal:
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise ValidationFailed(fields={"quantity": [_("Enter a quantity greater than zero.")]})
    return quantity


def stock_receive(
    *, product: Product, warehouse: Warehouse | None = None, quantity, actor, reference: str = ""
) -> StockItem:
    """Goods received into a warehouse (入库): on hand grows, a receipt is written to the ledger."""
    if not may_change_stock(actor):
        raise PermissionDenied()
    quantity = _positive(quantity)
    with transaction.atomic():
        return _book_on_hand(
            product=product,
            warehouse=warehouse or default_warehouse(),
            quantity=quantity,
            kind=MovementKind.RECEIPT,
            reference=reference,
            actor=actor,
        )


def stock_adjust(
    *, product: Product, warehouse: Warehouse | None = None, quantity, actor, reason: str
) -> StockItem:
    """A stock-count correction (盘点), up or down; never below what is reserved."""
    if not may_change_stock(actor):
        raise PermissionDenied()
    quantity = Decimal(quantity)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Give a reason.")]})
    if quantity == 0:
        raise ValidationFailed(fields={"quantity": [_("Enter a quantity other than zero.")]})
    with transaction.atomic():
        return _book_on_hand(
            product=product,
            warehouse=warehouse or default_warehouse(),
            quantity=quantity,
            kind=MovementKind.ADJUSTMENT,
            reference=reason,
            actor=actor,
        )


def reserve_order(*, order: Order, actor, also_lines=frozenset()) -> dict[int, Decimal]:
    """Reserve (锁定) stock for the order's open make-to-stock lines, as much as is available:
    min(open quantity not yet reserved, available), default warehouse first. Returns the short
    quantity per line id; a shortage does not refuse the approval (REQUIREMENTS §6). Idempotent:
    lines already reserved in full are left alone. `also_lines` names make-to-order lines to
    reserve for too (goods production made for them, released by a change)."""
    shortages: dict[int, Decimal] = {}
    with transaction.atomic():
        lines = [
            line
            for line in order.lines.select_related("product").order_by("sequence")
            if (line.product.supply_mode == SupplyMode.MAKE_TO_STOCK or line.pk in also_lines)
            and line.open_quantity > 0
        ]
        if not lines:
            return shortages
        reserved = defaultdict(
            Decimal,
            StockReservation.objects.filter(line__in=lines, status=ReservationStatus.ACTIVE)
            .values_list("line")
            .annotate(total=Sum("quantity")),
        )
        items = list(
            StockItem.objects.select_for_update()
            .filter(product__in={line.product_id for line in lines})
            .select_related("warehouse")
            .order_by("pk")
        )
        by_product = defaultdict(list)
        for item in sorted(items, key=lambda i: (not i.warehouse.is_default, i.warehouse.code)):
            by_product[item.product_id].append(item)
        for line in lines:
            needed = line.open_quantity - reserved[line.pk]
            for item in by_product[line.product_id]:
                if needed <= 0:
                    break
                take = min(needed, item.on_hand - item.reserved)
                if take <= 0:
                    continue
                _guarded_update(item, reserved=F("reserved") + take)
                StockReservation.objects.create(
                    order=order, line=line, stock_item=item, quantity=take
                )
                StockMovement.objects.create(
                    stock_item=item,
                    kind=MovementKind.RESERVE,
                    quantity=take,
                    reference=order.number,
                    actor=actor,
                )
                needed -= take
            if needed > 0:
                shortages[line.pk] = needed
    return shortages


def release_order(*, order: Order, actor) -> Decimal:
    """Release every active reservation of the order (cancellation). Returns the quantity."""
    return _release(StockReservation.objects.filter(order=order), order=order, actor=actor)


def _release(reservations, *, order: Order, actor) -> Decimal:
    total = ZERO
    with transaction.atomic():
        active = list(reservations.filter(status=ReservationStatus.ACTIVE))
        if not active:
            return total
        items = {
            item.pk: item
            for item in StockItem.objects.select_for_update()
            .filter(pk__in={r.stock_item_id for r in active})
            .order_by("pk")
        }
        now = timezone.now()
        for reservation in active:
            item = items[reservation.stock_item_id]
            _guarded_update(item, reserved=F("reserved") - reservation.quantity)
            reservation.status = ReservationStatus.RELEASED
            reservation.released_at = now
            reservation.save(update_fields=["status", "released_at"])
            StockMovement.objects.create(
                stock_item=item,
                kind=MovementKind.RELEASE,
                quantity=reservation.quantity,
                reference=order.number,
                actor=actor,
            )
            total += reservation.quantity
    return total


def order_reservations_sync(*, order: Order, actor) -> dict[int, Decimal]:
    """After lines change in place (an approved change request): release what deleted lines,
    reduced quantities or make-to-order lines no longer need, then reserve what is missing."""
    with transaction.atomic():
        _release(
            StockReservation.objects.filter(order=order, line__isnull=True),
            order=order,
            actor=actor,
        )
        made_to_order = set()
        for line in order.lines.select_related("product"):
            mine = StockReservation.objects.filter(
                line=line, status=ReservationStatus.ACTIVE
            ).order_by("-pk")
            held = sum((r.quantity for r in mine), ZERO)
            if held > line.open_quantity:
                # Release the line's reservations, then reserve what it still needs again;
                # a make-to-order line gets back the goods production made for it.
                _release(mine, order=order, actor=actor)
                if line.product.supply_mode != SupplyMode.MAKE_TO_STOCK:
                    made_to_order.add(line.pk)
        if order.status in RESERVING_STATES:
            return reserve_order(order=order, actor=actor, also_lines=made_to_order)
    return {}


def consume_for_shipment(*, order: Order, quantities: dict, actor, reference: str) -> None:
    """Goods leave the warehouse (出库): for each {line: quantity}, the line's active
    reservations are used first (oldest first), then free stock, default warehouse first.
    Refused, naming the line, when the warehouse does not hold enough."""
    lines = sorted(quantities, key=lambda line: line.sequence)
    if not lines:
        return
    with transaction.atomic():
        items = {
            item.pk: item
            for item in StockItem.objects.select_for_update()
            .filter(product__in={line.product_id for line in lines})
            .select_related("warehouse")
            .order_by("pk")
        }
        reservations = defaultdict(list)
        for reservation in StockReservation.objects.filter(
            line__in=lines, status=ReservationStatus.ACTIVE
        ).order_by("pk"):
            reservations[reservation.line_id].append(reservation)
        for line in lines:
            needed = Decimal(quantities[line])
            for reservation in reservations[line.pk]:
                if needed <= 0:
                    break
                take = min(needed, reservation.quantity)
                _take(items[reservation.stock_item_id], take, reserved=True)
                _consume_reservation(reservation, take)
                _ledger(items[reservation.stock_item_id], take, actor, reference)
                needed -= take
            free = sorted(
                (i for i in items.values() if i.product_id == line.product_id),
                key=lambda i: (not i.warehouse.is_default, i.warehouse.code),
            )
            for item in free:
                if needed <= 0:
                    break
                take = min(needed, item.on_hand - item.reserved)
                if take > 0:
                    _take(item, take, reserved=False)
                    _ledger(item, take, actor, reference)
                    needed -= take
            if needed > 0:
                raise ValidationFailed(
                    _("Not enough stock to ship line %(no)s: %(missing)s %(unit)s missing.")
                    % {"no": line.sequence, "missing": qty(needed), "unit": line.unit},
                    fields={f"lines.{line.pk}": [_("Not enough stock.")]},
                )


def _take(item: StockItem, quantity: Decimal, *, reserved: bool) -> None:
    changes = {"on_hand": F("on_hand") - quantity}
    if reserved:
        changes["reserved"] = F("reserved") - quantity
    _guarded_update(item, **changes)


def _consume_reservation(reservation: StockReservation, quantity: Decimal) -> None:
    if quantity >= reservation.quantity:
        reservation.status = ReservationStatus.CONSUMED
        reservation.released_at = timezone.now()
        reservation.save(update_fields=["status", "released_at"])
    else:
        reservation.quantity -= quantity
        reservation.save(update_fields=["quantity"])


def _ledger(item: StockItem, quantity: Decimal, actor, reference: str) -> None:
    StockMovement.objects.create(
        stock_item=item,
        kind=MovementKind.CONSUME,
        quantity=-quantity,
        reference=reference,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


def receive_for_order(*, order: Order, quantities: dict, actor, reference: str) -> None:
    """Finished goods into stock (入库) for an order: {line: quantity} is received into the
    default warehouse and reserved for those lines at once, so nobody else can take it."""
    warehouse = default_warehouse()
    with transaction.atomic():
        for line in sorted(quantities, key=lambda line: line.sequence):
            quantity = Decimal(quantities[line])
            item = _book_on_hand(
                product=line.product,
                warehouse=warehouse,
                quantity=quantity,
                kind=MovementKind.RECEIPT,
                reference=reference,
                actor=actor,
            )
            _guarded_update(item, reserved=F("reserved") + quantity)
            StockReservation.objects.create(
                order=order, line=line, stock_item=item, quantity=quantity
            )
            StockMovement.objects.create(
                stock_item=item,
                kind=MovementKind.RESERVE,
                quantity=quantity,
                reference=order.number,
                actor=actor,
            )
