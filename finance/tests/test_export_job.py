"""Large settlement exports run as a Celery job (ISSUE 6 item 6): over EXPORT_SYNC_MAX_ROWS rows
the API answers 202 with the job, the task (queued through the outbox, run eagerly here) writes
the file with progress, and the page lists the job, polls it while it runs and links the file."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.models import OutboxMessage
from finance.enums import ExportStatus
from finance.exports import jobs, settlement
from finance.exports.jobs import export_job_run, settlement_export
from finance.models import ExportJob

from .test_export_settlement import build_scenario, open_book, sheet_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(rep, other_rep, finance, warehouse):
    """Five detail rows: see test_export_settlement.build_scenario."""
    return build_scenario(rep, other_rep, finance, warehouse)


@pytest.fixture
def small_limit(settings, tmp_path):
    settings.EXPORT_SYNC_MAX_ROWS = 3
    settings.MEDIA_ROOT = tmp_path / "media"


def test_large_export_becomes_a_job(
    api, scenario, finance, small_limit, django_capture_on_commit_callbacks
):
    api.force_authenticate(finance)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.get(
            reverse("api:export-settlement"), {"status": "partially_shipped,shipped,ready_to_ship"}
        )
    assert response.status_code == 202
    body = response.json()
    job = ExportJob.objects.get(pk=body["id"])
    assert response["Location"] == body["status_url"] == f"/api/v1/exports/jobs/{job.pk}/"
    assert (body["status"], body["total_rows"]) == ("queued", 5)
    assert job.params["status"] == ["partially_shipped", "shipped", "ready_to_ship"]
    assert job.language == "en" and job.requested_by == finance
    # Sent through the outbox after commit; the eager worker ran it at once.
    assert len(callbacks) == 1
    message = OutboxMessage.objects.get(task_name="finance.settlement_export_run")
    assert message.kwargs == {"job_id": job.pk} and message.sent_at is not None
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert (job.done_rows, job.total_rows, job.percent) == (5, 5, 100)
    assert job.finished_at is not None and job.error == ""
    assert job.file.name.startswith("exports/") and job.file.name.endswith(".xlsx")

    status = api.get(body["status_url"]).json()
    assert status["status"] == "done" and status["percent"] == 100
    download = api.get(status["download_url"])
    assert download.status_code == 200
    book = open_book(download)
    assert len(sheet_rows(book["Detail"])) == 5 + 1


def test_the_job_is_sent_only_after_commit(api, scenario, finance, small_limit):
    """Without a commit (the test's transaction) the message waits in the outbox."""
    result = settlement_export(user=finance, filters={})
    assert result.file is None and result.rows == 5
    message = OutboxMessage.objects.get(task_name="finance.settlement_export_run")
    assert message.sent_at is None
    assert ExportJob.objects.get().status == ExportStatus.QUEUED


def test_task_reports_progress(scenario, finance, small_limit, monkeypatch):
    monkeypatch.setattr(settlement, "PROGRESS_EVERY", 2)
    job = settlement_export(user=finance, filters={}).job
    with CaptureQueriesContext(connection) as queries:
        export_job_run(job_id=job.pk)
    updates = [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "done_rows" in q["sql"]
    ]
    # running (0), after rows 2 and 4, then done
    assert len(updates) == 4
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.done_rows == 5
    assert load_workbook(job.file.path)["Summary"]["A1"].value == "Customer"
    # Idempotent: running it again leaves the finished job alone.
    name = job.file.name
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.file.name == name


def test_a_failing_job_records_its_error(scenario, finance, small_limit, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "write_settlement_workbook", broken)
    job = settlement_export(user=finance, filters={}).job
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error, bool(job.file)) == (ExportStatus.FAILED, "disk full", False)


def test_the_page_queues_polls_and_links_the_job(
    client, scenario, finance, small_limit, django_capture_on_commit_callbacks
):
    client.force_login(finance)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("finance:export_settlement"), {})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "in the background" in page
    row = f'id="export-job-{job.pk}"'
    assert row in page
    # Queued: the row polls itself every 2 s through htmx.
    assert f'hx-get="{reverse("finance:export_job", args=[job.pk])}"' in page
    assert 'hx-trigger="every 2s"' in page
    assert client.get(reverse("finance:export_job_download", args=[job.pk])).status_code == 404

    export_job_run(job_id=job.pk)
    fragment = client.get(reverse("finance:export_job", args=[job.pk])).content.decode()
    assert fragment.lstrip().startswith("<tr") and 'data-status="done"' in fragment
    assert "hx-trigger" not in fragment  # done: polling stops
    link = reverse("finance:export_job_download", args=[job.pk])
    assert link in fragment
    download = client.get(link)
    assert download.status_code == 200
    assert open_book(download).sheetnames == ["Summary", "Detail", "Receipts"]


def test_jobs_are_private(api, client, scenario, finance, admin_user, small_limit):
    job = settlement_export(user=finance, filters={}).job
    export_job_run(job_id=job.pk)
    client.force_login(admin_user)
    assert client.get(reverse("finance:export_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("finance:export_job_download", args=[job.pk])).status_code == 404
    api.force_authenticate(admin_user)
    assert api.get(f"/api/v1/exports/jobs/{job.pk}/").status_code == 404
    assert api.get(f"/api/v1/exports/jobs/{job.pk}/download/").status_code == 404


def test_download_before_done_is_a_conflict(api, scenario, finance, small_limit):
    job = settlement_export(user=finance, filters={}).job
    api.force_authenticate(finance)
    response = api.get(f"/api/v1/exports/jobs/{job.pk}/download/")
    assert response.status_code == 409
    assert response.json()["extra"]["status"] == "queued"
    assert api.get(f"/api/v1/exports/jobs/{job.pk}/").json()["download_url"] is None
