"""Tracking-report pages: who may see them, the report page from its stored data, the files,
"generate now" with its refusals, fixed query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from core.roles import Role
from reports.models import TrackingReport
from reports.services.generate import report_generate
from reports.tests.tracking_world import at, weekly_world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = dt.date
LIST = reverse("reports:tracking_list")
GENERATE = reverse("reports:tracking_generate")
READERS = [Role.SALES_HEAD, Role.GM, Role.PRODUCTION, Role.WAREHOUSE, Role.FINANCE, Role.ADMIN]


def signed_in(client, role):
    user = UserFactory(roles=[role], is_staff=role == Role.ADMIN)
    client.force_login(user)
    return user


@pytest.mark.parametrize("role", READERS)
def test_readers_see_the_list_the_page_and_the_files(client, role, report):
    signed_in(client, role)

    listing = client.get(LIST)
    page = client.get(reverse("reports:tracking_detail", args=[report.pk]))
    xlsx = client.get(reverse("reports:tracking_xlsx", args=[report.pk]))
    html = client.get(reverse("reports:tracking_html", args=[report.pk]))

    assert listing.status_code == page.status_code == xlsx.status_code == html.status_code == 200
    assert reverse("reports:tracking_detail", args=[report.pk]) in listing.content.decode()
    assert "Weekly tracking report 2026-11-02 – 2026-11-08" in page.content.decode()
    assert xlsx["Content-Disposition"].startswith('attachment; filename="weekly-20261102')
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
    assert html["Content-Disposition"].startswith("attachment")
    assert html.content.decode() == report.html
    can_generate = role in (Role.SALES_HEAD, Role.GM, Role.ADMIN)
    assert ('data-testid="tracking-generate"' in listing.content.decode()) is can_generate


def test_a_rep_is_refused_everywhere(client, report):
    signed_in(client, Role.SALES_REP)

    urls = [
        LIST,
        reverse("reports:tracking_detail", args=[report.pk]),
        reverse("reports:tracking_xlsx", args=[report.pk]),
        reverse("reports:tracking_html", args=[report.pk]),
    ]
    assert [client.get(url).status_code for url in urls] == [403] * 4
    assert client.post(GENERATE, {"kind": "weekly", "date": "2026-10-28"}).status_code == 403


def test_signed_out_goes_to_the_sign_in_page(client, report):
    response = client.get(reverse("reports:tracking_detail", args=[report.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_report_is_404(client, report):
    signed_in(client, Role.GM)
    assert client.get(reverse("reports:tracking_detail", args=[report.pk + 99])).status_code == 404
    assert client.get(reverse("reports:tracking_xlsx", args=[report.pk + 99])).status_code == 404


def test_the_reports_home_leads_to_the_list(client):
    signed_in(client, Role.GM)
    response = client.get(reverse("reports:home"))
    assert response.status_code == 302 and response["Location"] == LIST


def test_the_page_shows_the_stored_data_in_the_readers_language(
    client, rep, warehouse, finance, sales_head, time_machine
):
    world = weekly_world(
        time_machine, rep=rep, warehouse=warehouse, finance=finance, sales_head=sales_head
    )
    report = report_generate(kind="weekly", period_start=D(2026, 11, 2))
    client.force_login(sales_head)
    url = reverse("reports:tracking_detail", args=[report.pk])

    english = client.get(url).content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    for body in (english, chinese):
        for key in "ABCDFH":
            assert world[key].number in body
        assert world["E"].number not in body
    assert "Delivery delay: Supplier late" in english
    assert "25.0%" in english and "12.5%" in english
    assert "客户要求暂缓发货" in english
    assert '<html lang="zh-hans">' in chinese


def test_generate_now_for_a_past_week(client, sales_head, time_machine):
    time_machine.move_to(at(2026, 11, 4, 10, 0), tick=False)
    client.force_login(sales_head)

    response = client.post(GENERATE, {"kind": "weekly", "date": "2026-10-28"})

    report = TrackingReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:tracking_detail", args=[report.pk])
    assert (report.period_start, report.generated_by) == (D(2026, 10, 26), sales_head)
    again = client.post(GENERATE, {"kind": "weekly", "date": "2026-10-26"}, follow=True)
    assert "already exists" in again.content.decode()
    assert TrackingReport.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "weekly", "date": "2026-13-01"}, "Enter the date as YYYY-MM-DD."),
        ({"kind": "weekly", "date": ""}, "Enter a day of the period."),
        ({"kind": "daily", "date": "2026-10-28"}, "Choose the weekly or the monthly report."),
        ({"kind": "weekly", "date": "2026-11-04"}, "generated automatically on"),
        ({"kind": "weekly", "date": "2026-12-01"}, "This period has not started yet."),
        ({"kind": "monthly", "date": "2026-11-04"}, "generated automatically on"),
    ],
)
def test_generate_now_refuses_bad_input_with_a_message(client, gm, time_machine, data, message):
    time_machine.move_to(at(2026, 11, 4, 10, 0), tick=False)
    client.force_login(gm)

    response = client.post(GENERATE, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TrackingReport.objects.exists()


@pytest.mark.parametrize("role", [Role.PRODUCTION, Role.WAREHOUSE, Role.FINANCE])
def test_readers_who_may_not_generate_are_refused(client, role, time_machine):
    time_machine.move_to(at(2026, 11, 4, 10, 0), tick=False)
    signed_in(client, role)

    response = client.post(GENERATE, {"kind": "weekly", "date": "2026-10-28"})

    assert response.status_code == 403
    assert not TrackingReport.objects.exists()


def test_only_the_administrator_may_force(client, sales_head, admin_user, report):
    client.force_login(sales_head)
    page = client.get(reverse("reports:tracking_detail", args=[report.pk])).content.decode()
    assert "Regenerate" not in page
    forced = client.post(GENERATE, {"kind": "weekly", "date": "2026-11-02", "force": "on"})
    # The sales head's form has no "force" field: the stored report is shown as it is.
    assert forced.status_code == 302
    assert TrackingReport.objects.get().generated_by is None

    client.force_login(admin_user)
    page = client.get(reverse("reports:tracking_detail", args=[report.pk])).content.decode()
    assert "Regenerate" in page
    response = client.post(GENERATE, {"kind": "weekly", "date": "2026-11-02", "force": "on"})
    assert response.status_code == 302
    assert TrackingReport.objects.get().generated_by == admin_user


def test_list_queries_do_not_grow_with_the_number_of_reports(
    client, gm, time_machine, django_assert_max_num_queries
):
    time_machine.move_to(at(2026, 11, 6, 18, 0), tick=False)
    client.force_login(gm)

    def make(n, start):
        for i in range(start, start + n):
            TrackingReport.objects.create(
                kind="weekly",
                period_start=D(2025, 1, 6) + dt.timedelta(weeks=i),
                period_end=D(2025, 1, 12) + dt.timedelta(weeks=i),
                generated_by=gm if i % 2 else None,
            )

    make(2, 0)
    with django_assert_max_num_queries(12) as small:
        assert client.get(LIST).status_code == 200
    make(20, 2)
    with django_assert_max_num_queries(12) as large:
        assert client.get(LIST).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_report_without_contents_still_has_a_page(client, gm):
    empty = TrackingReport.objects.create(
        kind="monthly", period_start=D(2026, 9, 26), period_end=D(2026, 10, 25)
    )
    client.force_login(gm)

    response = client.get(reverse("reports:tracking_detail", args=[empty.pk]))

    assert response.status_code == 200
    assert "This report has no contents." in response.content.decode()
    assert client.get(reverse("reports:tracking_xlsx", args=[empty.pk])).status_code == 404
