"""Running the settlement export (ISSUE 6 item 6): small exports are written at once into a
temporary file that the response streams; exports over settings.EXPORT_SYNC_MAX_ROWS detail
rows become an ExportJob run by Celery (finance.tasks.settlement_export_run), queued through
the outbox so it is sent only after the job is committed and retried if the broker is down.
The job reports progress (done_rows) and keeps the finished file under MEDIA_ROOT.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from core.errors import NotFound, PermissionDenied
from core.outbox import enqueue

from ..enums import ExportStatus
from ..models import ExportJob
from ..permissions import may_read_finance
from .rows import filters_from_params, filters_to_params, settlement_row_count
from .settlement import write_settlement_workbook

logger = logging.getLogger(__name__)
SETTLEMENT = "settlement"
TASK = "finance.settlement_export_run"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class SettlementExport:
    """Either a finished file (a temporary file, deleted when closed) or a queued job."""

    rows: int
    file: object | None = None
    job: ExportJob | None = None
    filename: str = ""


def export_filename(prefix: str = "settlement") -> str:
    return f"{prefix}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"


def settlement_export(
    *, user, filters: dict, language: str | None = None, description: str = ""
) -> SettlementExport:
    """Export the settlement sheet for `filters` (cleaned by SettlementFilterForm). Counts the
    rows first: up to EXPORT_SYNC_MAX_ROWS the workbook is written now into a temporary file;
    beyond, a job is queued and returned. Finance, admin, GM, sales head: everything; a rep:
    their own orders; production and warehouse: refused."""
    if not may_read_finance(user):
        raise PermissionDenied()
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    rows = settlement_row_count(user=user, filters=filters)
    if rows > settings.EXPORT_SYNC_MAX_ROWS:
        with transaction.atomic():
            job = ExportJob.objects.create(
                kind=SETTLEMENT,
                params={**filters_to_params(filters), "description": description[:500]},
                language=language,
                total_rows=rows,
                requested_by=user,
            )
            enqueue(TASK, job_id=job.pk)
        return SettlementExport(rows=rows, job=job)
    target = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    try:
        write_settlement_workbook(target, user=user, filters=filters, language=language)
        target.seek(0)
    except BaseException:
        target.close()
        raise
    return SettlementExport(rows=rows, file=target, filename=export_filename())


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write a queued job's workbook (the Celery task calls this). Idempotent: a finished job
    is left alone; a job interrupted while running (worker lost) starts again."""
    job = ExportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or job.status == ExportStatus.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, done_rows=0, error="", finished_at=None
    )

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done_rows=rows)

    try:
        with tempfile.TemporaryFile(suffix=".xlsx") as target:
            rows = write_settlement_workbook(
                target,
                user=job.requested_by,
                filters=filters_from_params(job.params),
                language=job.language,
                progress=progress,
            )
            target.seek(0)
            job.file.save(export_filename(), File(target), save=False)
    except Exception as exc:
        logger.exception("settlement export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        file=job.file.name,
        done_rows=rows,
        total_rows=rows,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


# --- reads --------------------------------------------------------------------------------------
def export_job_list(*, user) -> QuerySet[ExportJob]:
    """The user's own export jobs, newest first."""
    return ExportJob.objects.filter(requested_by=user).order_by("-requested_at", "-id")


def export_job_get(*, user, job_id) -> ExportJob:
    job = export_job_list(user=user).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job
