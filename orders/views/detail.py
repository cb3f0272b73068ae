"""The order page, its transitions and the confirmation letter. Placeholder."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def order_detail_view(request, pk):
    return HttpResponse(status=501)


order_print_view = order_transition_view = order_detail_view
