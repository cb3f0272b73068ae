"""The order list: search, filters, sorting and pagination in the database."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.roles import sees_all_records

from .. import permissions as perms
from ..enums import OrderStatus
from ..filters import OrderFilter
from ..selectors import order_list

# ?sort= values and the columns they order by (a leading "-" reverses).
SORTS = {
    "number": "number",
    "customer": "customer__name",
    "order_date": "order_date",
    "promised_date": "promised_date",
    "total": "total",
    "status": "status",
}
PAGE_SIZES = (25, 50, 100)
# Table columns: (sort key or "", heading)
COLUMNS = (
    ("number", _("Order number")),
    ("customer", _("Customer")),
    ("", _("Owner")),
    ("status", _("Status")),
    ("order_date", _("Order date")),
    ("promised_date", _("Promised date")),
    ("total", _("Total")),
)


def _ordering(sort: str) -> list[str]:
    key = sort.lstrip("-")
    if key not in SORTS:
        return ["-order_date", "-id"]
    prefix = "-" if sort.startswith("-") else ""
    return [f"{prefix}{SORTS[key]}", f"{prefix}id"]


@login_required
def order_list_view(request):
    filterset = OrderFilter(request.GET, queryset=order_list(user=request.user), request=request)
    queryset = filterset.qs if filterset.is_valid() else order_list(user=request.user).none()
    sort = request.GET.get("sort", "-order_date")
    try:
        page_size = int(request.GET.get("page_size", PAGE_SIZES[0]))
    except ValueError:
        page_size = PAGE_SIZES[0]
    page_size = page_size if page_size in PAGE_SIZES else PAGE_SIZES[0]
    paginator = Paginator(queryset.order_by(*_ordering(sort)), page_size)
    page = paginator.get_page(request.GET.get("page"))
    template = "orders/includes/order_results.html" if request.htmx else "orders/order_list.html"
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page": page,
            "orders": page.object_list,
            "sort": sort,
            "columns": COLUMNS,
            "can_create": perms.may_create(request.user),
            "show_owner": sees_all_records(request.user),
            "page_sizes": PAGE_SIZES,
            "statuses": OrderStatus.choices,
            "selected_statuses": request.GET.getlist("status"),
        },
    )
