"""Archive reads: search and one record (finance, GM, admin; DESIGN §4). Filed by category,
archive date and order number (REQUIREMENTS §8); each filter is an indexed column or a
containment test on the frozen snapshot's lines."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound, PermissionDenied

from .models import ArchiveRecord
from .permissions import may_read_archive


def archive_search(*, user, filters: dict | None = None) -> QuerySet[ArchiveRecord]:
    """Filters: number (order number, contains), customer (name, contains), product (code or
    name in the frozen lines), category, date_from/date_to (order date), archived_from/
    archived_to (archive date), amount_min/amount_max (total)."""
    if not may_read_archive(user):
        raise PermissionDenied()
    filters = filters or {}
    qs = ArchiveRecord.objects.defer("snapshot")
    if number := (filters.get("number") or "").strip():
        qs = qs.filter(order_number__icontains=number)
    if customer := (filters.get("customer") or "").strip():
        qs = qs.filter(customer_name__icontains=customer)
    if product := (filters.get("product") or "").strip():
        qs = qs.filter(products__icontains=product)
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    for key, lookup in (
        ("date_from", "order_date__gte"),
        ("date_to", "order_date__lte"),
        ("archived_from", "archived_at__date__gte"),
        ("archived_to", "archived_at__date__lte"),
        ("amount_min", "total__gte"),
        ("amount_max", "total__lte"),
    ):
        if filters.get(key) not in (None, ""):
            qs = qs.filter(**{lookup: filters[key]})
    return qs.order_by("category", "-archived_at", "order_number")


def archive_get(*, user, record_id) -> ArchiveRecord:
    if not may_read_archive(user):
        raise PermissionDenied()
    record = ArchiveRecord.objects.filter(pk=record_id).select_related("archived_by").first()
    if record is None:
        raise NotFound()
    return record
