"""Order entry (create, edit while draft or rejected) with htmx line items. Placeholder."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def order_create_view(request):
    return HttpResponse(status=501)


order_edit_view = line_row_view = totals_view = order_create_view
customer_lookup_view = customer_details_view = product_lookup_view = order_create_view
