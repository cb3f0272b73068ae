"""Celery tasks of the finance app: thin wrappers taking ids (queued through core.outbox)."""

from celery import shared_task


@shared_task(name="finance.settlement_export_run")
def settlement_export_run(job_id: int) -> str:
    """Write a large settlement export (ExportJob) and keep the file; returns its status."""
    from .exports.jobs import export_job_run

    job = export_job_run(job_id=job_id)
    return job.status if job is not None else "missing"
