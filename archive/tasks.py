"""Celery tasks of the archive app."""

from celery import shared_task


@shared_task(name="archive.sweep", bind=True, max_retries=3, default_retry_delay=300)
def archive_sweep(self) -> int:
    """Daily (beat): archive the orders settled long enough ago (settings.ARCHIVE_AFTER_DAYS)."""
    from .services.archiving import archive_sweep as sweep

    try:
        return len(sweep())
    except Exception as exc:  # a database hiccup: retry; the next day's sweep catches up anyway
        raise self.retry(exc=exc) from exc
