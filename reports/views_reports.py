"""Pages of the tracking reports (ISSUE 7 item 3): the list of stored reports with "generate
now", a report's page, its xlsx and its stored HTML (as mailed).

The report page renders the stored data (not the live database) in the reader's language;
the stored HTML and the xlsx are in the distribution language, as they were sent.
"""

from __future__ import annotations

import datetime as dt
import os

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from core.web import apply_service_errors, forbid_unless, found_or_404, paginate

from .enums import ReportKind
from .services.generate import report_generate
from .tracking.render import body_context
from .tracking.selectors import (
    attachment_name,
    may_generate_report,
    may_regenerate_report,
    may_view_reports,
    tracking_report_file_open,
    tracking_report_get,
    tracking_report_list,
)

LAST_WEEK = dt.timedelta(days=7)  # the form suggests a day of last week: its report is due


class ReportGenerateForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Report"),
        choices=ReportKind.choices,
        error_messages={"invalid_choice": gettext_lazy("Choose the weekly or the monthly report.")},
    )
    date = forms.DateField(
        label=gettext_lazy("A day in the period"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": gettext_lazy("Enter the date as YYYY-MM-DD."),
            "required": gettext_lazy("Enter a day of the period."),
        },
    )
    force = forms.BooleanField(label=gettext_lazy("Replace the stored report"), required=False)

    def __init__(self, *args, allow_force: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_force:
            del self.fields["force"]
        for name, field in self.fields.items():
            if name == "force":
                field.widget.attrs.setdefault("class", "form-check-input")
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def _list_page(request, form=None, status: int = 200):
    kind = request.GET.get("kind", "")
    page = paginate(request, tracking_report_list(user=request.user, filters={"kind": kind}))
    if form is None and may_generate_report(request.user):
        form = ReportGenerateForm(
            initial={"kind": ReportKind.WEEKLY, "date": timezone.localdate() - LAST_WEEK},
            allow_force=may_regenerate_report(request.user),
        )
    return render(
        request,
        "reports/tracking_list.html",
        {
            "page": page,
            "reports": page.object_list,
            "kind": kind,
            "kinds": ReportKind.choices,
            "form": form,
        },
        status=status,
    )


@login_required
@require_GET
def tracking_list_view(request):
    forbid_unless(may_view_reports(request.user))
    return _list_page(request)


@login_required
@require_POST
def tracking_generate_view(request):
    """ "Generate now": the report of the period containing the chosen day."""
    forbid_unless(may_generate_report(request.user))
    form = ReportGenerateForm(request.POST, allow_force=may_regenerate_report(request.user))
    if not form.is_valid():
        return _list_page(request, form=form, status=400)
    try:
        report = report_generate(
            kind=form.cleaned_data["kind"],
            period_start=form.cleaned_data["date"],
            actor=request.user,
            force=form.cleaned_data.get("force", False),
        )
    except ApplicationError as exc:
        apply_service_errors(exc, form)
        return _list_page(request, form=form, status=exc.status_code)
    if report.generated_now:
        messages.success(request, _("The report has been generated."))
    else:
        messages.info(request, _("The report of this period already exists; here it is."))
    return redirect("reports:tracking_detail", pk=report.pk)


@login_required
@require_GET
def tracking_detail_view(request, pk: int):
    forbid_unless(may_view_reports(request.user))
    report = found_or_404(tracking_report_get, user=request.user, report_id=pk)
    context = body_context(report)
    context["may_regenerate"] = may_regenerate_report(request.user)
    return render(request, "reports/tracking_detail.html", context)


@login_required
@require_GET
def tracking_xlsx_view(request, pk: int):
    forbid_unless(may_view_reports(request.user))
    report = found_or_404(tracking_report_get, user=request.user, report_id=pk)
    handle = found_or_404(tracking_report_file_open, report=report)
    name = attachment_name(report, os.path.splitext(report.file.name)[1].lstrip(".") or "xlsx")
    return FileResponse(handle, as_attachment=True, filename=name)


@login_required
@require_GET
def tracking_html_view(request, pk: int):
    """The stored HTML as it was mailed, as a download (its own styles are inline in the
    document, which the site's content security policy would not apply on a page)."""
    forbid_unless(may_view_reports(request.user))
    report = found_or_404(tracking_report_get, user=request.user, report_id=pk)
    response = HttpResponse(report.html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{attachment_name(report, "html")}"'
    return response
