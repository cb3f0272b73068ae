"""Tracking reports API: list, detail with data and links, xlsx, "generate now"; the same
permission matrix as the pages; the error body for bad input."""

import datetime as dt
import io

import openpyxl
import pytest

from core.roles import Role
from reports.models import TrackingReport
from reports.services.generate import report_generate
from reports.tests.tracking_world import at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = dt.date
READERS = [Role.SALES_HEAD, Role.GM, Role.PRODUCTION, Role.WAREHOUSE, Role.FINANCE, Role.ADMIN]
GENERATE = "/api/v1/reports/generate/"


def as_role(api, role):
    user = UserFactory(roles=[role])
    api.force_authenticate(user)
    return user


@pytest.mark.parametrize("role", READERS)
def test_readers_list_and_read_reports(api, role, report):
    as_role(api, role)

    listing = api.get("/api/v1/reports/")
    detail = api.get(f"/api/v1/reports/{report.pk}/")
    xlsx = api.get(f"/api/v1/reports/{report.pk}/xlsx/")

    assert listing.status_code == detail.status_code == xlsx.status_code == 200
    row = listing.json()["results"][0]
    assert (row["id"], row["kind"], row["period_start"], row["period_end"]) == (
        report.pk,
        "weekly",
        "2026-11-02",
        "2026-11-08",
    )
    assert row["links"] == {
        "self": f"http://testserver/api/v1/reports/{report.pk}/",
        "xlsx": f"http://testserver/api/v1/reports/{report.pk}/xlsx/",
        "page": f"http://testserver/reports/tracking/{report.pk}/",
        "html": f"http://testserver/reports/tracking/{report.pk}/html/",
    }
    assert "data" not in row
    assert detail.json()["data"] == report.data
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.sheetnames[1] == "Orders in execution"


def test_a_rep_is_refused(api, report):
    as_role(api, Role.SALES_REP)

    for url in ("/api/v1/reports/", f"/api/v1/reports/{report.pk}/"):
        response = api.get(url)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert api.post(GENERATE, {"kind": "weekly", "date": "2026-10-28"}).status_code == 403


def test_signed_out_is_401(api, report):
    assert api.get("/api/v1/reports/").status_code == 401


def test_unknown_report_is_404(api, report):
    as_role(api, Role.GM)
    response = api.get(f"/api/v1/reports/{report.pk + 7}/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_list_filters_by_kind(api, report, time_machine):
    time_machine.move_to(at(2026, 11, 25, 9, 0), tick=False)
    report_generate(kind="monthly", period_start=D(2026, 11, 25))
    as_role(api, Role.FINANCE)

    assert [r["kind"] for r in api.get("/api/v1/reports/?kind=monthly").json()["results"]] == [
        "monthly"
    ]
    assert len(api.get("/api/v1/reports/").json()["results"]) == 2
    bad = api.get("/api/v1/reports/?kind=daily")
    assert (bad.status_code, bad.json()["code"]) == (400, "validation_error")


def test_generate_now_creates_then_returns_the_stored_report(api, time_machine):
    time_machine.move_to(at(2026, 11, 26, 10, 0), tick=False)
    head = as_role(api, Role.SALES_HEAD)

    created = api.post(GENERATE, {"kind": "monthly", "date": "2026-11-01"}, format="json")
    again = api.post(GENERATE, {"kind": "monthly", "date": "2026-11-25"}, format="json")

    assert (created.status_code, again.status_code) == (201, 200)
    body = created.json()
    assert (body["period_start"], body["period_end"], body["kind"]) == (
        "2026-10-26",
        "2026-11-25",
        "monthly",
    )
    assert body["data"]["kpi"]["collection"]["rate"] is None  # nothing invoiced
    assert again.json()["id"] == body["id"]
    assert TrackingReport.objects.get().generated_by == head


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "weekly", "date": "2026-02-30"}, "date"),
        ({"kind": "weekly"}, "date"),
        ({"kind": "yearly", "date": "2026-10-28"}, "kind"),
        ({"kind": "weekly", "date": "2026-12-01"}, "date"),  # not started
        ({"kind": "weekly", "date": "2026-11-04"}, "date"),  # before Friday 17:00
    ],
)
def test_generate_now_bad_input(api, time_machine, data, field):
    time_machine.move_to(at(2026, 11, 4, 10, 0), tick=False)
    as_role(api, Role.GM)

    response = api.post(GENERATE, data, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["extra"]["fields"]
    assert not TrackingReport.objects.exists()


@pytest.mark.parametrize("role", [Role.PRODUCTION, Role.WAREHOUSE, Role.FINANCE])
def test_generate_is_for_sales_head_gm_and_admin(api, time_machine, role):
    time_machine.move_to(at(2026, 11, 4, 10, 0), tick=False)
    as_role(api, role)
    response = api.post(GENERATE, {"kind": "weekly", "date": "2026-10-28"}, format="json")
    assert response.status_code == 403
    assert not TrackingReport.objects.exists()


def test_force_is_for_administrators(api, report):
    as_role(api, Role.GM)
    refused = api.post(
        GENERATE, {"kind": "weekly", "date": "2026-11-02", "force": True}, format="json"
    )
    assert refused.status_code == 403

    admin = as_role(api, Role.ADMIN)
    replaced = api.post(
        GENERATE, {"kind": "weekly", "date": "2026-11-02", "force": True}, format="json"
    )
    assert (replaced.status_code, replaced.json()["id"]) == (200, report.pk)
    assert replaced.json()["generated_by"] == admin.username


def test_list_query_count_is_fixed(api, gm, django_assert_max_num_queries):
    api.force_authenticate(gm)
    for i in range(3):
        TrackingReport.objects.create(
            kind="weekly", period_start=D(2025, 1, 6) + dt.timedelta(weeks=i),
            period_end=D(2025, 1, 12) + dt.timedelta(weeks=i), generated_by=gm,
        )  # fmt: skip
    with django_assert_max_num_queries(6) as few:
        api.get("/api/v1/reports/")
    for i in range(3, 30):
        TrackingReport.objects.create(
            kind="weekly", period_start=D(2025, 1, 6) + dt.timedelta(weeks=i),
            period_end=D(2025, 1, 12) + dt.timedelta(weeks=i), generated_by=gm,
        )  # fmt: skip
    with django_assert_max_num_queries(6) as many:
        assert len(api.get("/api/v1/reports/").json()["results"]) == 30
    assert len(many.captured_queries) <= len(few.captured_queries)  # roles cached after the first
