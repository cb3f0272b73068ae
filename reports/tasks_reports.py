"""Celery tasks of the tracking reports (beat: reports/migrations/0002; imported by
ReportsConfig.ready() so that workers and the outbox find them). Thin wrappers over
reports.services.generate."""

from celery import shared_task

from .enums import ReportKind


def _generate(kind: str) -> int:
    from .services.generate import due_period, report_generate

    start, _end = due_period(kind)
    return report_generate(kind=kind, period_start=start).pk


@shared_task(name="reports.weekly_report", bind=True, max_retries=3, default_retry_delay=300)
def weekly_report(self) -> int:
    """Beat, Fridays 17:00: this week's tracking report (Monday–Sunday) with next week's
    planned shipments (000 D21); once per week, however often it runs."""
    try:
        return _generate(ReportKind.WEEKLY)
    except Exception as exc:  # a database hiccup: retry; a second run only skips
        raise self.retry(exc=exc) from exc


@shared_task(name="reports.monthly_report", bind=True, max_retries=3, default_retry_delay=300)
def monthly_report(self) -> int:
    """Beat, the 25th at 09:00: the execution report of the 26th of last month to the 25th."""
    try:
        return _generate(ReportKind.MONTHLY)
    except Exception as exc:
        raise self.retry(exc=exc) from exc


@shared_task(
    name="reports.report_send", bind=True, max_retries=5, default_retry_delay=120, acks_late=True
)
def report_send(self, report_id: int) -> int:
    """Notify and mail the distribution list about a new report (queued through the outbox)."""
    from .services.generate import report_send as send

    try:
        return send(report_id=report_id)
    except Exception as exc:
        raise self.retry(exc=exc) from exc
