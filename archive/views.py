"""Archive pages (REQUIREMENTS §8): search, one frozen record, its download bundle, and
archiving a settled order by hand. Finance, the general manager and the administrator read
the archive; finance and the administrator archive."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.errors import ApplicationError
from core.web import forbid_unless, found_or_404, paginate
from orders.enums import OrderType
from orders.models import Order

from .bundle import bundle_build, bundle_filename
from .display import label, snapshot_view
from .forms import ArchiveSearchForm
from .permissions import may_archive, may_read_archive
from .selectors import archive_get, archive_search
from .services.archiving import archive_order


@login_required
@require_safe
def archive_search_view(request):
    forbid_unless(may_read_archive(request.user))
    form = ArchiveSearchForm(request.GET)
    if not form.is_valid():
        return render(
            request, "archive/search.html", {"form": form, "page": None, "records": []}, status=400
        )
    page = paginate(request, archive_search(user=request.user, filters=form.cleaned_data))
    for record in page.object_list:
        record.category_label = label(OrderType, record.category)
    return render(
        request, "archive/search.html", {"form": form, "page": page, "records": page.object_list}
    )


@login_required
@require_safe
def archive_record_view(request, pk):
    forbid_unless(may_read_archive(request.user))
    record = found_or_404(archive_get, user=request.user, record_id=pk)
    return render(
        request,
        "archive/record.html",
        {
            "record": record,
            "purged": record.purged_at is not None,
            **snapshot_view(record.snapshot),
        },
    )


@login_required
@require_safe
def archive_bundle_view(request, pk):
    forbid_unless(may_read_archive(request.user))
    record = found_or_404(archive_get, user=request.user, record_id=pk)
    response = HttpResponse(bundle_build(record), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bundle_filename(record)}"'
    return response


@login_required
@require_POST
def archive_now_view(request, order_pk):
    forbid_unless(may_archive(request.user))
    order = get_object_or_404(Order, pk=order_pk)
    try:
        record = archive_order(order=order, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("orders:detail", order.pk)
    messages.success(request, _("Order %(number)s was archived.") % {"number": record.order_number})
    return redirect("archive:record", record.pk)
