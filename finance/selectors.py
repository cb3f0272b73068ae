"""Finance reads: invoices, receipts, receivables and their ageing, scoped by role.

Reps see the figures of their own customers only (DESIGN §4); everyone else with finance access
sees all. Every list is one query (plus its count); ageing is one aggregate over the invoices.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from contracts.models import Customer
from core.errors import NotFound
from core.money import ZERO, money

from .enums import AGEING_BUCKETS, InvoiceKind
from .models import Allocation, Invoice, Receipt
from .permissions import sees_all_figures

DSO_DAYS = 90


def scoped(queryset: QuerySet, user, customer_field: str = "customer") -> QuerySet:
    """All of it for those who see all figures; else what belongs to the customers the user
    manages."""
    if sees_all_figures(user):
        return queryset
    return queryset.filter(**{f"{customer_field}__account_manager": user})


def narrowed(queryset: QuerySet, filters: dict, lookups: dict[str, str]) -> QuerySet:
    """Each filter given a value narrows the queryset by its lookup, e.g. customer_id."""
    for key, lookup in lookups.items():
        if filters.get(key):
            queryset = queryset.filter(**{lookup: filters[key]})
    return queryset


def invoice_list(*, user, filters: dict | None = None) -> QuerySet[Invoice]:
    """Filters: customer, order, kind, date_from, date_to (issue date), open (unpaid only),
    overdue (unpaid past due), q (fapiao/number/order number)."""
    filters = filters or {}
    qs = scoped(Invoice.objects.select_related("order", "customer"), user)
    qs = narrowed(
        qs,
        filters,
        {
            "customer": "customer_id",
            "order": "order_id",
            "kind": "kind",
            "date_from": "issue_date__gte",
            "date_to": "issue_date__lte",
        },
    )
    if filters.get("open") or filters.get("overdue"):
        qs = qs.filter(kind=InvoiceKind.NORMAL, allocated__lt=F("total") + F("credited"))
    if filters.get("overdue"):
        qs = qs.filter(due_date__lt=timezone.localdate())
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(fapiao_number__icontains=q) | Q(number__icontains=q) | Q(order__number__icontains=q)
        )
    return qs.order_by("-issue_date", "-id")


def invoice_get(*, user, invoice_id) -> Invoice:
    invoice = invoice_list(user=user).filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound()
    return invoice


RECEIVED_IN_PERIOD = {"date_from": "received_on__gte", "date_to": "received_on__lte"}


def receipt_list(*, user, filters: dict | None = None) -> QuerySet[Receipt]:
    """Filters: customer, date_from, date_to, unallocated (money left), q (number/payer/ref)."""
    filters = filters or {}
    qs = scoped(Receipt.objects.select_related("customer"), user)
    qs = narrowed(qs, filters, {"customer": "customer_id", **RECEIVED_IN_PERIOD})
    if filters.get("unallocated"):
        qs = qs.filter(allocated__lt=F("amount"))
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(number__icontains=q) | Q(payer__icontains=q) | Q(bank_reference__icontains=q)
        )
    return qs.order_by("-received_on", "-id")


def receipt_get(*, user, receipt_id) -> Receipt:
    receipt = receipt_list(user=user).filter(pk=receipt_id).first()
    if receipt is None:
        raise NotFound()
    return receipt


def allocation_list(*, user, filters: dict | None = None) -> QuerySet[Allocation]:
    filters = filters or {}
    qs = scoped(
        Allocation.objects.select_related("receipt", "order", "invoice"), user, "order__customer"
    )
    qs = narrowed(qs, filters, {key: f"{key}_id" for key in ("receipt", "order", "invoice")})
    if not filters.get("include_reversed"):
        qs = qs.filter(reversed_at__isnull=True)
    return qs.order_by("created_at", "id")


def _open_amount():
    return F("total") + F("credited") - F("allocated")


def _bucket_condition(as_of: dt.date, low: int | None, high: int | None) -> Q:
    """Invoices `low`..`high` days past due on `as_of` (None: open-ended); low None = not due."""
    if low is None:
        return Q(due_date__gte=as_of)
    condition = Q(due_date__lte=as_of - dt.timedelta(days=low))
    if high is not None:
        condition &= Q(due_date__gte=as_of - dt.timedelta(days=high))
    return condition


def _bucket_sums(as_of: dt.date) -> dict:
    """One Sum(Case(...)) per ageing bucket, by days past the due date."""
    return {
        key: Coalesce(
            Sum(
                Case(
                    When(_bucket_condition(as_of, low, high), then=_open_amount()),
                    output_field=DecimalField(),
                )
            ),
            Value(ZERO),
            output_field=DecimalField(),
        )
        for key, _label, low, high in AGEING_BUCKETS
    }


def receivables_queryset(*, user, as_of: dt.date | None = None, filters: dict | None = None):
    """The grouped query behind receivables_by_customer, for paging in the database: one row
    (a dict) per customer with something open, without the "overdue" total."""
    as_of = as_of or timezone.localdate()
    filters = filters or {}
    # An invoice issued after `as_of` was not yet receivable then (payments are as recorded).
    qs = scoped(
        Invoice.objects.filter(kind=InvoiceKind.NORMAL, issue_date__lte=as_of).exclude(
            allocated=F("total") + F("credited")
        ),
        user,
    )
    if filters.get("customer"):
        qs = qs.filter(customer_id=filters["customer"])
    if filters.get("region"):
        qs = qs.filter(customer__region=filters["region"])
    return (
        qs.values("customer", "customer__name", "customer__short_name")
        .annotate(open_amount=Sum(_open_amount()), **_bucket_sums(as_of))
        .order_by("-open_amount", "customer__name", "customer")
    )


def with_overdue(row: dict) -> dict:
    """Adds the overdue total (every bucket past due) to a receivables row."""
    row["overdue"] = sum((row[key] for key, *_rest in AGEING_BUCKETS if key != "not_due"), ZERO)
    return row


def receivables_by_customer(*, user, as_of: dt.date | None = None, filters: dict | None = None):
    """Per customer with something open: open amount, the ageing buckets (days past due:
    not due, 0–30, 31–60, 61–90, over 90) and the overdue total. One query."""
    for row in receivables_queryset(user=user, as_of=as_of, filters=filters):
        yield with_overdue(row)


def receivables_summary(*, user, as_of: dt.date | None = None, filters: dict | None = None) -> dict:
    """Totals over all visible customers (filters: customer, region), the ageing buckets and
    DSO: DSO = open receivables ÷ net invoiced over the last 90 days × 90."""
    as_of = as_of or timezone.localdate()
    filters = filters or {}
    base = scoped(Invoice.objects.all(), user)
    if filters.get("customer"):
        base = base.filter(customer_id=filters["customer"])
    if filters.get("region"):
        base = base.filter(customer__region=filters["region"])
    totals = base.filter(kind=InvoiceKind.NORMAL, issue_date__lte=as_of).aggregate(
        open_amount=Coalesce(Sum(_open_amount()), Value(ZERO), output_field=DecimalField()),
        **_bucket_sums(as_of),
    )
    sales = base.filter(
        issue_date__gt=as_of - dt.timedelta(days=DSO_DAYS), issue_date__lte=as_of
    ).aggregate(s=Coalesce(Sum("total"), Value(ZERO), output_field=DecimalField()))["s"]
    totals["overdue"] = sum(
        (totals[key] for key, *_rest in AGEING_BUCKETS if key != "not_due"), ZERO
    )
    totals["sales_90_days"] = money(sales)
    totals["dso"] = (
        (Decimal(totals["open_amount"]) / Decimal(sales) * DSO_DAYS).quantize(Decimal("0.1"))
        if sales > 0
        else None
    )
    return totals


def customer_unallocated(customer: Customer) -> Decimal:
    total = Receipt.objects.filter(customer=customer).aggregate(
        s=Coalesce(Sum(F("amount") - F("allocated")), Value(ZERO), output_field=DecimalField())
    )["s"]
    return money(total)
