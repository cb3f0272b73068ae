"""The order list: search, filters, sorting and pagination in the database."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.roles import sees_all_records
from core.web import ordering, paginate

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


@login_required
def order_list_view(request):
    filterset = OrderFilter(request.GET, queryset=order_list(user=request.user), request=request)
    queryset = filterset.qs if filterset.is_valid() else order_list(user=request.user).none()
    sort = request.GET.get("sort", "-order_date")
    page = paginate(request, queryset.order_by(*ordering(sort, SORTS, ["-order_date", "-id"])))
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
            "statuses": OrderStatus.choices,
            "selected_statuses": request.GET.getlist("status"),
        },
    )
