"""Receivables (应收账款, REQUIREMENTS §7): per customer the open amount and its ageing by days
past the due date (not due, 0–30, 31–60, 61–90, over 90), the totals and DSO."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from core.money import ZERO

from ..enums import AGEING_BUCKETS
from ..forms import ReceivablesFilterForm, visible_customers
from ..selectors import receivables_by_customer, receivables_summary
from .common import finance_page


@finance_page
@require_safe
def receivables_view(request):
    regions = (
        visible_customers(request.user)
        .exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )
    form = ReceivablesFilterForm(request.GET or None, regions=list(regions))
    filters = form.filters()
    keys = [key for key, *_rest in AGEING_BUCKETS]
    rows = list(receivables_by_customer(user=request.user, filters=filters))
    invoices = reverse("finance:invoice_list")
    for row in rows:
        row["buckets"] = [row[key] for key in keys]
        row["invoices_url"] = f"{invoices}?customer={row['customer']}&open=1"
    totals = {
        "open_amount": sum((row["open_amount"] for row in rows), ZERO),
        "overdue": sum((row["overdue"] for row in rows), ZERO),
        "buckets": [sum((row[key] for row in rows), ZERO) for key in keys],
    }
    return render(
        request,
        "finance/receivables.html",
        {
            "form": form,
            "rows": rows,
            "totals": totals,
            "labels": [label for _key, label, *_rest in AGEING_BUCKETS],
            "summary": receivables_summary(user=request.user),
            "filtered": bool(filters),
        },
    )
