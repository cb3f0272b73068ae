"""Reads of orders and products, scoped by role (a sales rep sees their own orders only)."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.errors import NotFound
from core.roles import sees_all_records

from .approval_hooks import hooks
from .enums import EXECUTION_STATES, OrderTransition
from .models import Order, OrderEvent, OrderLine, Product


def order_list(*, user, filters: dict | None = None) -> QuerySet[Order]:
    qs = Order.objects.select_related("customer", "owner", "contract")
    if not sees_all_records(user):
        delegated = hooks().visible_q(user=user)
        qs = qs.filter(Q(owner=user) | delegated if delegated is not None else Q(owner=user))
    filters = filters or {}
    if filters.get("overdue"):
        qs = qs.filter(status__in=EXECUTION_STATES, promised_date__lt=timezone.localdate())
    return qs


def order_list_with_lines(*, user) -> QuerySet[Order]:
    """Orders with lines and the current approval round prefetched: a fixed number of queries."""
    round_events = OrderEvent.objects.filter(
        transition__in=[OrderTransition.SUBMIT, OrderTransition.APPROVE]
    ).order_by("created_at", "id")
    queryset = order_list(user=user).prefetch_related(
        Prefetch(
            "lines", queryset=OrderLine.objects.select_related("product").order_by("sequence")
        ),
        Prefetch("events", queryset=round_events, to_attr="current_round_events"),
    )
    return hooks().prefetch(queryset)


def order_get(*, user, order_id) -> Order:
    order = order_list_with_lines(user=user).filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    return order


def order_events(*, order: Order) -> QuerySet[OrderEvent]:
    return order.events.select_related("actor", "on_behalf_of").order_by("created_at", "id")


def product_list(*, active_only: bool = False) -> QuerySet[Product]:
    qs = Product.objects.select_related("category")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def product_search(*, term: str, limit: int = 20) -> QuerySet[Product]:
    term = (term or "").strip()
    qs = product_list(active_only=True)
    if term:
        qs = qs.filter(Q(code__icontains=term) | Q(name__icontains=term) | Q(spec__icontains=term))
    return qs[:limit]
