"""Who may read and generate tracking reports, and the reads for pages and the API.

Tracking reports cover every order and customer, so they are for the roles that see all
records and act on them (REQUIREMENTS §9: distributed to the sales head, the general manager,
production, the warehouse and finance) and administrators. A sales rep is refused (403): the
rep's own orders are on the order list and the dashboards.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.errors import NotFound, PermissionDenied
from core.roles import Role, has_role

from ..enums import ReportKind
from ..models import TrackingReport

READERS = (Role.SALES_HEAD, Role.GM, Role.PRODUCTION, Role.WAREHOUSE, Role.FINANCE, Role.ADMIN)
# The distribution list: who is sent each report (administrators are not).
DISTRIBUTION = (Role.SALES_HEAD, Role.GM, Role.PRODUCTION, Role.WAREHOUSE, Role.FINANCE)
GENERATORS = (Role.SALES_HEAD, Role.GM, Role.ADMIN)


def may_view_reports(user) -> bool:
    return has_role(user, *READERS)


def may_generate_report(user) -> bool:
    """ "Generate now" for a period whose report is missing."""
    return has_role(user, *GENERATORS)


def may_regenerate_report(user) -> bool:
    """Replace a stored report with a fresh one (force): administrators only."""
    return has_role(user, Role.ADMIN)


def tracking_report_list(*, user, filters: dict | None = None) -> QuerySet[TrackingReport]:
    """Stored reports, newest period first; filter: kind."""
    if not may_view_reports(user):
        raise PermissionDenied()
    filters = filters or {}
    qs = TrackingReport.objects.select_related("generated_by").defer("data", "html")
    if filters.get("kind") in ReportKind.values:
        qs = qs.filter(kind=filters["kind"])
    return qs.order_by("-period_start", "kind", "-id")


def tracking_report_get(*, user, report_id) -> TrackingReport:
    if not may_view_reports(user):
        raise PermissionDenied()
    try:
        report_id = int(report_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    report = (
        TrackingReport.objects.select_related("generated_by").filter(pk=report_id).first()
        if 0 < report_id < 2**63
        else None
    )
    if report is None:
        raise NotFound()
    return report


def tracking_report_file_open(*, report: TrackingReport):
    """The report's xlsx, open for reading; NotFound when it has none or storage has lost it."""
    if not report.file:
        raise NotFound(_("This report has no xlsx file."))
    try:
        return report.file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("The file is missing from storage.")) from exc


def attachment_name(report: TrackingReport, extension: str) -> str:
    """The download name of a report's file, e.g. weekly-20261102-20261108.xlsx."""
    return f"{report.kind}-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}.{extension}"
