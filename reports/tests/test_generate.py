"""Generating tracking reports: at most once per period (also with two concurrent runs on
PostgreSQL), "generate now" for a past period, the beat tasks building the right period, and
the distribution list told once."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core import mail
from django.db import connection

from core.errors import PermissionDenied, ValidationFailed
from core.models import Notification, OutboxMessage
from core.roles import Role
from reports.enums import ReportKind
from reports.models import TrackingReport
from reports.services.generate import due_period, report_generate, report_send
from reports.tests.tracking_world import at, weekly_world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = dt.date
WEEKLY, MONTHLY = ReportKind.WEEKLY, ReportKind.MONTHLY


@pytest.fixture
def distribution(sales_head, gm, production, warehouse, finance):
    return [sales_head, gm, production, warehouse, finance]


def test_twice_in_a_period_makes_one_report_sent_once(
    distribution, rep, admin_user, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(at(2026, 11, 6, 17, 0), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        first = report_generate(kind=WEEKLY, period_start=D(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):
        second = report_generate(kind=WEEKLY, period_start=D(2026, 11, 4))  # a day of the week

    assert (first.generated_now, second.generated_now) == (True, False)
    assert second.pk == first.pk
    assert TrackingReport.objects.count() == 1
    report = TrackingReport.objects.get()
    assert (report.period_start, report.period_end, report.generated_by) == (
        D(2026, 11, 2),
        D(2026, 11, 8),
        None,
    )
    assert report.data["as_of"] == "2026-11-06"
    assert OutboxMessage.objects.filter(task_name="reports.report_send").count() == 1
    # One notification per distribution user (not the rep, not the administrator).
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert notified == {u.pk for u in distribution}
    assert set(Notification.objects.values_list("link", flat=True)) == {
        f"/reports/tracking/{report.pk}/"
    }
    report_mails = [m for m in mail.outbox if m.attachments]
    assert sorted(m.to[0] for m in report_mails) == sorted(u.email for u in distribution)
    name, content, mimetype = report_mails[0].attachments[0]
    assert name.endswith(".xlsx") and mimetype.startswith("application/vnd.openxml")
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames[0] == "Summary"
    assert report_mails[0].alternatives[0][1] == "text/html"
    assert report.emailed_at is not None

    # A retried send task creates and mails nothing more.
    sent = len(mail.outbox)
    assert report_send(report_id=report.pk) == 0
    assert (Notification.objects.count(), len(mail.outbox)) == (5, sent)


def test_the_stored_report_has_html_data_and_a_file(
    rep, warehouse, finance, sales_head, time_machine
):
    world = weekly_world(
        time_machine, rep=rep, warehouse=warehouse, finance=finance, sales_head=sales_head
    )
    report = report_generate(kind=WEEKLY, period_start=D(2026, 11, 2))

    assert report.html.startswith("<!doctype html>")
    assert "<style>" in report.html and world["A"].number in report.html
    assert "Supplier late" in report.html
    assert report.file.name.startswith("reports/2026/weekly-20261102-20261108")
    assert [r["number"] for r in report.data["overdue"]] == [world["C"].number, world["A"].number]


def test_generate_now_for_a_past_period(sales_head, rep, time_machine):
    time_machine.move_to(at(2026, 11, 4, 10, 0), tick=False)  # a Wednesday

    report = report_generate(kind=WEEKLY, period_start=D(2026, 10, 28), actor=sales_head)

    assert report.generated_now and report.generated_by == sales_head
    assert (report.period_start, report.period_end) == (D(2026, 10, 26), D(2026, 11, 1))
    assert report.data["as_of"] == "2026-11-01"  # a past week is seen as of its last day
    again = report_generate(kind=WEEKLY, period_start=D(2026, 10, 26), actor=sales_head)
    assert (again.pk, again.generated_now) == (report.pk, False)


def test_generate_now_is_refused_before_the_scheduled_run_and_for_the_future(
    sales_head, time_machine
):
    time_machine.move_to(at(2026, 11, 6, 16, 59), tick=False)  # Friday, a minute early

    with pytest.raises(ValidationFailed) as early:
        report_generate(kind=WEEKLY, period_start=D(2026, 11, 2), actor=sales_head)
    with pytest.raises(ValidationFailed) as future:
        report_generate(kind=WEEKLY, period_start=D(2026, 11, 9), actor=sales_head)
    with pytest.raises(ValidationFailed) as month:
        report_generate(kind=MONTHLY, period_start=D(2026, 11, 6), actor=sales_head)

    assert "date" in early.value.fields and "date" in future.value.fields
    assert "date" in month.value.fields  # the 25th has not come yet
    assert not TrackingReport.objects.exists()
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("bad", [{"kind": "daily"}, {"period_start": "2026-11-02"}])
def test_bad_input_is_refused_and_changes_nothing(bad, sales_head, time_machine):
    time_machine.move_to(at(2026, 11, 6, 18, 0), tick=False)
    kwargs = {"kind": WEEKLY, "period_start": D(2026, 11, 2), "actor": sales_head, **bad}

    with pytest.raises(ValidationFailed):
        report_generate(**kwargs)

    assert not TrackingReport.objects.exists()


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.PRODUCTION, Role.WAREHOUSE, Role.FINANCE])
def test_only_sales_head_gm_and_admin_generate(role, time_machine):
    time_machine.move_to(at(2026, 11, 6, 18, 0), tick=False)
    user = UserFactory(roles=[role])

    with pytest.raises(PermissionDenied):
        report_generate(kind=WEEKLY, period_start=D(2026, 11, 2), actor=user)

    assert not TrackingReport.objects.exists()


def test_only_an_administrator_regenerates(
    sales_head,
    admin_user,
    rep,
    warehouse,
    finance,
    time_machine,
    django_capture_on_commit_callbacks,
):
    time_machine.move_to(at(2026, 11, 6, 17, 0), tick=False)
    report = report_generate(kind=WEEKLY, period_start=D(2026, 11, 2))
    old_file = report.file.name
    assert report.data["totals"]["orders"] == 0
    sends = OutboxMessage.objects.filter(task_name="reports.report_send")
    assert sends.count() == 1

    with pytest.raises(PermissionDenied):
        report_generate(kind=WEEKLY, period_start=D(2026, 11, 2), actor=sales_head, force=True)

    # Orders appear; the administrator rebuilds the week's report in place, not resent.
    time_machine.move_to(at(2026, 11, 7, 10, 0), tick=False)
    from reports.tests.tracking_world import many_orders

    many_orders(3, rep=rep)
    with django_capture_on_commit_callbacks(execute=True):
        fresh = report_generate(
            kind=WEEKLY, period_start=D(2026, 11, 2), actor=admin_user, force=True
        )

    assert (fresh.pk, fresh.generated_now, fresh.replaced) == (report.pk, True, True)
    assert TrackingReport.objects.count() == 1
    stored = TrackingReport.objects.get()
    assert stored.data["totals"]["orders"] == 3 and stored.generated_by == admin_user
    assert stored.data["as_of"] == "2026-11-07"
    assert not stored.file.storage.exists(old_file) and stored.file.storage.exists(stored.file.name)
    assert sends.count() == 1  # not sent again


@pytest.mark.parametrize(
    ("now", "kind", "period"),
    [
        (at(2026, 11, 6, 17, 0), WEEKLY, (D(2026, 11, 2), D(2026, 11, 8))),  # Friday 17:00
        (at(2026, 11, 6, 16, 30), WEEKLY, (D(2026, 11, 2), D(2026, 11, 8))),  # a bit early
        (at(2026, 11, 9, 8, 0), WEEKLY, (D(2026, 11, 2), D(2026, 11, 8))),  # late: Monday
        (at(2026, 11, 5, 10, 0), WEEKLY, (D(2026, 10, 26), D(2026, 11, 1))),
        (at(2026, 11, 25, 9, 0), MONTHLY, (D(2026, 10, 26), D(2026, 11, 25))),  # the 25th
        (at(2026, 11, 26, 8, 0), MONTHLY, (D(2026, 10, 26), D(2026, 11, 25))),  # late
        (at(2026, 11, 24, 9, 0), MONTHLY, (D(2026, 9, 26), D(2026, 10, 25))),
        (at(2026, 1, 25, 9, 0), MONTHLY, (D(2025, 12, 26), D(2026, 1, 25))),  # over the year
    ],
)
def test_due_period(now, kind, period):
    assert due_period(kind, now) == period


def test_beat_tasks_build_the_reports_of_the_right_periods(
    distribution, time_machine, django_capture_on_commit_callbacks
):
    from config.celery import app

    def run(name):
        with django_capture_on_commit_callbacks(execute=True):
            return app.tasks[name].apply().get()

    time_machine.move_to(at(2026, 11, 6, 17, 0), tick=False)
    weekly_id = run("reports.weekly_report")
    time_machine.move_to(at(2026, 11, 6, 17, 15), tick=False)
    assert run("reports.weekly_report") == weekly_id  # skipped: already made
    time_machine.move_to(at(2026, 11, 25, 9, 0), tick=False)
    monthly_id = run("reports.monthly_report")

    reports = {r.pk: r for r in TrackingReport.objects.all()}
    assert len(reports) == 2
    weekly, monthly = reports[weekly_id], reports[monthly_id]
    assert (weekly.kind, weekly.period_start, weekly.period_end) == (
        WEEKLY,
        D(2026, 11, 2),
        D(2026, 11, 8),
    )
    assert weekly.data["next_period"] == {"start": "2026-11-09", "end": "2026-11-15"}
    assert (monthly.kind, monthly.period_start, monthly.period_end) == (
        MONTHLY,
        D(2026, 10, 26),
        D(2026, 11, 25),
    )
    # Each report told each distribution user once.
    assert Notification.objects.count() == 2 * len(distribution)
    assert all(r.emailed_at for r in reports.values())


def test_beat_schedules_name_the_tasks():
    from django_celery_beat.models import PeriodicTask

    tasks = dict(
        PeriodicTask.objects.filter(
            task__in=["reports.weekly_report", "reports.monthly_report"]
        ).values_list("task", "crontab__day_of_week")
    )
    assert tasks == {"reports.weekly_report": "5", "reports.monthly_report": "*"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_make_one_report(time_machine, monkeypatch):
    import time

    from reports.services import generate
    from tests.test_concurrency import run_in_threads

    build = generate.report_build

    def slow_build(**kwargs):
        data = build(**kwargs)
        time.sleep(0.3)  # every run has looked for the report before any inserts it
        return data

    monkeypatch.setattr(generate, "report_build", slow_build)
    assert connection.vendor == "postgresql"
    time_machine.move_to(at(2026, 11, 6, 17, 0), tick=False)
    for role in (Role.SALES_HEAD, Role.GM):
        UserFactory(roles=[role])

    def run():
        return report_generate(kind=WEEKLY, period_start=D(2026, 11, 2)).pk

    results = run_in_threads([run, run])

    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert TrackingReport.objects.count() == 1
    assert OutboxMessage.objects.filter(task_name="reports.report_send").count() == 1
    assert Notification.objects.count() == 2
