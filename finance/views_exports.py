"""The settlement export page (ISSUE 6 item 6): the filter form, the workbook at once when it
is small, else a background job whose progress the page polls (htmx, every 2 s while it runs)
and whose file is downloaded from the list of the user's jobs."""

from __future__ import annotations

import os

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.web import found_or_404

from .enums import ExportStatus
from .exports.forms import SettlementFilterForm
from .exports.jobs import export_job_get, export_job_list, settlement_export
from .views.common import finance_page

JOBS_SHOWN = 10


@finance_page
@require_http_methods(["GET", "HEAD", "POST"])
def export_settlement_view(request):
    posted = request.method == "POST"
    form = SettlementFilterForm(request.POST if posted else None, user=request.user)
    if posted and form.is_valid():
        result = settlement_export(
            user=request.user, filters=form.filters(), description=form.describe()
        )
        if result.file is not None:
            return FileResponse(result.file, as_attachment=True, filename=result.filename)
        messages.info(
            request,
            _(
                "The export has %(rows)s rows: it is being prepared in the background. "
                "Download it from the list below when it is done."
            )
            % {"rows": f"{result.rows:,}"},
        )
        return redirect("finance:export_settlement")
    return render(
        request,
        "finance/export_settlement.html",
        {"form": form, "jobs": export_job_list(user=request.user)[:JOBS_SHOWN]},
        status=400 if posted else 200,
    )


@finance_page
@require_safe
def export_job_row_view(request, pk: int):
    """One job's row of the list (htmx polls it while the job runs)."""
    job = found_or_404(export_job_get, user=request.user, job_id=pk)
    return render(request, "finance/export_job_row.html", {"job": job})


@finance_page
@require_safe
def export_job_download_view(request, pk: int):
    job = found_or_404(export_job_get, user=request.user, job_id=pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404(_("The file is not ready."))
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=os.path.basename(job.file.name)
    )
