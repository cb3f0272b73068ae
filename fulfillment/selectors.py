"""Stock reads: availability per product for the order form, approvers and lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.calendar import add_working_days
from core.roles import Role, has_role
from orders.enums import SupplyMode
from orders.models import Order, Product

from .enums import ReservationStatus
from .models import StockItem, StockReservation

ZERO = Decimal("0")
STOCK_VIEWERS = (Role.WAREHOUSE, Role.PRODUCTION, Role.SALES_HEAD, Role.GM, Role.ADMIN)


def may_view_stock(user) -> bool:
    return has_role(user, *STOCK_VIEWERS)


@dataclass(frozen=True)
class Availability:
    on_hand: Decimal
    reserved: Decimal
    replenishment_days: int = 0
    today: dt.date | None = None

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    def is_short(self, quantity=None) -> bool:
        """Short when nothing is available, or less than `quantity` when one is given."""
        if quantity is None:
            return self.available <= 0
        return self.available < quantity

    @property
    def replenishment_date(self) -> dt.date:
        """Expected replenishment: today + the product's procurement cycle in working days."""
        return add_working_days(self.today or timezone.localdate(), self.replenishment_days)


def _totals(queryset):
    return queryset.values("product").annotate(
        on_hand_sum=Sum("on_hand"), reserved_sum=Sum("reserved")
    )


def product_availability_map(products) -> dict[int, Availability]:
    """Availability of each product (summed over warehouses) in one query."""
    products = list(products)
    rows = {
        row["product"]: row
        for row in _totals(StockItem.objects.filter(product__in=[p.pk for p in products]))
    }
    today = timezone.localdate()
    result = {}
    for product in products:
        row = rows.get(product.pk, {})
        result[product.pk] = Availability(
            on_hand=row.get("on_hand_sum") or ZERO,
            reserved=row.get("reserved_sum") or ZERO,
            replenishment_days=product.procurement_cycle_days,
            today=today,
        )
    return result


def availability(product: Product) -> Availability:
    return product_availability_map([product])[product.pk]


def stock_list(*, filters: dict | None = None) -> QuerySet[StockItem]:
    """Stock rows with `available` annotated; filters: q (code/name), product, warehouse, short."""
    filters = filters or {}
    qs = StockItem.objects.select_related("product", "warehouse").annotate(
        available=Coalesce(F("on_hand") - F("reserved"), Value(ZERO), output_field=DecimalField())
    )
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(product__code__icontains=q) | Q(product__name__icontains=q))
    if filters.get("product"):
        qs = qs.filter(product_id=filters["product"])
    if filters.get("warehouse"):
        qs = qs.filter(warehouse_id=filters["warehouse"])
    if filters.get("short") is True:
        qs = qs.filter(available__lte=0)
    elif filters.get("short") is False:
        qs = qs.filter(available__gt=0)
    return qs.order_by("product__code", "warehouse__code", "pk")


def order_line_reservations(*, order: Order) -> list[dict]:
    """Per line of the order: open quantity, actively reserved quantity and what is short."""
    reserved = dict(
        StockReservation.objects.filter(order=order, status=ReservationStatus.ACTIVE)
        .values_list("line")
        .annotate(total=Sum("quantity"))
    )
    rows = []
    for line in order.lines.select_related("product").order_by("sequence"):
        held = reserved.get(line.pk) or ZERO
        rows.append(
            {
                "line": line.pk,
                "sequence": line.sequence,
                "product": line.product_id,
                "product_code": line.product.code,
                "supply_mode": line.product.supply_mode,
                "open_quantity": line.open_quantity,
                "reserved": held,
                "short": max(line.open_quantity - held, ZERO)
                if line.product.supply_mode == SupplyMode.MAKE_TO_STOCK
                else ZERO,
            }
        )
    return rows


def order_reserved_by_line(*, order: Order) -> dict[int, Decimal]:
    """Actively reserved quantity per line id of the order."""
    return dict(
        StockReservation.objects.filter(order=order, status=ReservationStatus.ACTIVE)
        .values_list("line")
        .annotate(total=Sum("quantity"))
    )
