"""Working-day calendar (DESIGN §3): holidays, make-up workdays, fallback years, cache, admin."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from chinese_calendar.constants import holidays as package_holidays
from chinese_calendar.constants import workdays as package_workdays
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import calendar as working_calendar
from core.calendar import (
    add_working_days,
    add_working_hours,
    calendar_warning,
    is_working_day,
    next_working_day,
    seed_from_package,
    working_days_between,
    working_hours_between,
    years_without_data,
)
from core.models import CalendarDay, CalendarDayKind, CalendarYear, OutboxMessage

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def days(first, last):
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.fixture
def cold_cache():
    """Start from an empty process cache (as a fresh worker would)."""
    working_calendar._cache.clear()


# --- The package's data and the seeded table -----------------------------------------------


def test_package_data_for_2026_is_what_the_tests_assume():
    spring = [d for d, name in package_holidays.items() if name == "Spring Festival"]
    national = [d for d, name in package_holidays.items() if name == "National Day"]
    assert sorted(d for d in spring if d.year == 2026) == days(D(2026, 2, 15), D(2026, 2, 23))
    assert sorted(d for d in national if d.year == 2026) == days(D(2026, 10, 1), D(2026, 10, 7))
    assert sorted(d for d in package_workdays if d.year == 2026) == [
        D(2026, 1, 4),  # Sunday
        D(2026, 2, 14),  # Saturday
        D(2026, 2, 28),  # Saturday
        D(2026, 5, 9),  # Saturday
        D(2026, 9, 20),  # Sunday (not a Saturday)
        D(2026, 10, 10),  # Saturday
    ]


def test_migration_seeded_every_year_the_package_covers():
    assert list(CalendarYear.objects.values_list("year", flat=True)) == list(range(2004, 2027))
    assert CalendarYear.objects.get(year=2026).source == "chinese-calendar"
    makeup = CalendarDay.objects.get(date=D(2026, 2, 14))
    assert (makeup.kind, makeup.name, makeup.source) == ("workday", "春节调休", "chinese-calendar")
    holiday = CalendarDay.objects.get(date=D(2026, 2, 21))  # a Saturday inside the holiday
    assert (holiday.kind, holiday.name) == ("holiday", "春节")
    assert CalendarDay.objects.filter(date__year=2026).count() == 33 + 6


# --- Working days --------------------------------------------------------------------------


def test_spring_festival_2026():
    assert is_working_day(D(2026, 2, 13)) is True  # Friday
    assert is_working_day(D(2026, 2, 14)) is True  # make-up Saturday
    assert [is_working_day(d) for d in days(D(2026, 2, 15), D(2026, 2, 23))] == [False] * 9
    assert is_working_day(D(2026, 2, 24)) is True
    assert is_working_day(D(2026, 2, 28)) is True  # make-up Saturday
    assert is_working_day(D(2026, 3, 1)) is False  # ordinary Sunday


def test_national_day_2026():
    assert is_working_day(D(2026, 9, 20)) is True  # make-up Sunday
    assert is_working_day(D(2026, 9, 25)) is False  # Mid-autumn, a Friday
    assert [is_working_day(d) for d in days(D(2026, 10, 1), D(2026, 10, 7))] == [False] * 7
    assert is_working_day(D(2026, 10, 8)) is True
    assert is_working_day(D(2026, 10, 10)) is True  # make-up Saturday
    assert is_working_day(D(2026, 10, 11)) is False


def test_a_make_up_saturday_counts_as_a_working_day():
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 14)) == 1
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert next_working_day(D(2026, 2, 13)) == D(2026, 2, 14)


def test_add_working_days_across_spring_festival():
    assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 12), 3) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 18), 1) == D(2026, 2, 24)  # from inside the holiday
    assert add_working_days(D(2026, 2, 18), -1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 24), -2) == D(2026, 2, 13)
    assert add_working_days(D(2026, 2, 24), 4) == D(2026, 2, 28)


def test_add_working_days_across_national_day():
    assert add_working_days(D(2026, 9, 24), 1) == D(2026, 9, 28)  # over Mid-autumn
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)


def test_add_zero_working_days_returns_the_day_itself():
    assert add_working_days(D(2026, 2, 18), 0) == D(2026, 2, 18)
    assert add_working_days(D(2026, 2, 24), 0) == D(2026, 2, 24)


def test_add_working_days_across_a_year_end():
    # 2026-12-31 is a Thursday; 2027 has no data and falls back to Monday–Friday.
    assert add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 4)
    assert add_working_days(D(2027, 1, 4), -2) == D(2026, 12, 31)


def test_working_days_between_across_the_holidays():
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert working_days_between(D(2026, 2, 24), D(2026, 2, 13)) == -2
    assert working_days_between(D(2026, 2, 1), D(2026, 2, 28)) == 16
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert working_days_between(D(2026, 9, 18), D(2026, 10, 12)) == 12
    assert working_days_between(D(2026, 10, 3), D(2026, 10, 3)) == 0
    assert working_days_between(D(2026, 10, 2), D(2026, 10, 7)) == 0


def test_working_days_between_matches_a_day_by_day_count():
    start = D(2025, 12, 20)
    for end in days(D(2025, 12, 1), D(2027, 1, 20)):
        if start <= end:
            expected = sum(is_working_day(d) for d in days(start, end)[1:])
        else:
            expected = -sum(is_working_day(d) for d in days(end, start)[:-1])
        assert working_days_between(start, end) == expected, end


def test_add_working_days_is_inverted_by_working_days_between():
    for start in days(D(2026, 2, 10), D(2026, 3, 2)) + days(D(2026, 9, 18), D(2026, 10, 12)):
        for n in range(-12, 13):
            assert working_days_between(start, add_working_days(start, n)) == n, (start, n)


def test_next_working_day_from_a_holiday():
    assert next_working_day(D(2026, 2, 15)) == D(2026, 2, 24)
    assert next_working_day(D(2026, 2, 18), include_today=True) == D(2026, 2, 24)
    assert next_working_day(D(2026, 2, 24), include_today=True) == D(2026, 2, 24)
    assert next_working_day(D(2026, 2, 24)) == D(2026, 2, 25)
    assert next_working_day(D(2026, 9, 30)) == D(2026, 10, 8)


def test_an_aware_datetime_counts_as_its_shanghai_date():
    # 2026-02-13 17:00 UTC is already Saturday 14 Feb in Shanghai, a make-up workday.
    moment = dt.datetime(2026, 2, 13, 17, 0, tzinfo=dt.UTC)
    assert next_working_day(moment, include_today=True) == D(2026, 2, 14)


# --- Years without data --------------------------------------------------------------------


def test_a_year_without_data_falls_back_to_monday_to_friday():
    assert not CalendarYear.objects.filter(year=2031).exists()
    week = days(D(2030, 12, 29), D(2031, 1, 4))  # Sunday .. Saturday; 1 January is a Wednesday
    assert [is_working_day(d) for d in week] == [False, True, True, True, True, True, False]
    assert add_working_days(D(2031, 1, 3), 1) == D(2031, 1, 6)
    assert working_days_between(D(2031, 1, 1), D(2031, 1, 31)) == 22


def test_years_without_data_and_the_warning_name_the_missing_years():
    assert years_without_data([2031, 2026, 2027]) == [2027, 2031]
    assert calendar_warning(today=D(2031, 6, 1)) == (
        "Working days for 2031, 2032 fall back to Monday–Friday: enter the official holidays."
    )
    assert calendar_warning(today=D(2026, 6, 1)) == (
        "Working days for 2027 fall back to Monday–Friday: enter the official holidays."
    )
    CalendarYear.objects.create(year=2027)
    assert calendar_warning(today=D(2026, 6, 1)) is None


def test_an_admin_entered_day_takes_effect_immediately(client, admin_user):
    assert is_working_day(D(2031, 1, 1)) is True  # cached as Monday–Friday
    assert is_working_day(D(2031, 1, 4)) is False
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:core_calendarday_add"),
        {"date": "2031-01-01", "kind": "holiday", "name": "元旦", "source": "manual"},
    )
    assert response.status_code == 302
    assert is_working_day(D(2031, 1, 1)) is False
    assert add_working_days(D(2030, 12, 31), 1) == D(2031, 1, 2)

    CalendarDay.objects.create(date=D(2031, 1, 4), kind=CalendarDayKind.WORKDAY, name="元旦调休")
    assert is_working_day(D(2031, 1, 4)) is True

    day = CalendarDay.objects.get(date=D(2031, 1, 1))
    response = client.post(reverse("admin:core_calendarday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert is_working_day(D(2031, 1, 1)) is True


def test_a_rolled_back_edit_leaves_nothing_stale():
    assert is_working_day(D(2032, 1, 1)) is True
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=D(2032, 1, 1), kind=CalendarDayKind.HOLIDAY)
        assert is_working_day(D(2032, 1, 1)) is False
        raise RuntimeError
    assert is_working_day(D(2032, 1, 1)) is True


def test_exceptions_are_read_once_per_year_and_cached(cold_cache, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert working_days_between(D(2040, 1, 1), D(2041, 12, 31)) == 522
    with django_assert_num_queries(0):
        assert is_working_day(D(2041, 5, 1)) is True
        assert add_working_days(D(2040, 3, 1), 30) == D(2040, 4, 12)
        assert add_working_hours(at(2040, 3, 2, 17), 2) == at(2040, 3, 5, 10)


def test_a_committed_edit_bumps_the_version_other_processes_check(
    django_capture_on_commit_callbacks,
):
    before = cache.get("core:calendar:version") or 0
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(date=D(2033, 1, 3), kind=CalendarDayKind.HOLIDAY)
    assert cache.get("core:calendar:version") == before + 1
    assert is_working_day(D(2033, 1, 3)) is False


# --- Working hours -------------------------------------------------------------------------


def test_add_working_hours_over_a_night_a_weekend_and_a_holiday():
    assert add_working_hours(at(2026, 11, 24, 16), 4) == at(2026, 11, 25, 11)  # night
    assert add_working_hours(at(2026, 11, 20, 17), 4) == at(2026, 11, 23, 12)  # Fri → Mon
    assert add_working_hours(at(2026, 9, 30, 16), 4) == at(2026, 10, 8, 11)  # National Day
    assert add_working_hours(at(2026, 2, 13, 17), 2) == at(2026, 2, 14, 10)  # make-up Sat
    assert add_working_hours(at(2026, 2, 14, 17), 2) == at(2026, 2, 24, 10)  # Spring Festival
    assert add_working_hours(at(2026, 11, 23, 9), 27) == at(2026, 11, 25, 18)


def test_add_working_hours_rolls_a_start_outside_working_time():
    assert add_working_hours(at(2026, 11, 23, 7), 1) == at(2026, 11, 23, 10)  # before opening
    assert add_working_hours(at(2026, 11, 23, 19), 1) == at(2026, 11, 24, 10)  # after closing
    assert add_working_hours(at(2026, 11, 23, 18), 1) == at(2026, 11, 24, 10)  # at closing
    assert add_working_hours(at(2026, 11, 21, 10), 1) == at(2026, 11, 23, 10)  # Saturday
    assert add_working_hours(at(2026, 11, 21, 10), 0) == at(2026, 11, 23, 9)
    assert add_working_hours(at(2026, 11, 20, 14), 4) == at(2026, 11, 20, 18)  # ends at close
    assert add_working_hours(at(2026, 11, 20, 14, 30), 0.5) == at(2026, 11, 20, 15)


def test_add_working_hours_works_in_shanghai_time_whatever_the_input_zone():
    friday_5pm_shanghai = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    result = add_working_hours(friday_5pm_shanghai, 4)
    assert result == dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC)
    assert result.tzinfo == timezone.get_default_timezone()


def test_working_hours_come_from_settings(settings):
    settings.WORKING_HOURS_START = "08:30"
    settings.WORKING_HOURS_END = "17:30"
    assert add_working_hours(at(2026, 11, 20, 17), 1) == at(2026, 11, 23, 9)
    assert working_hours_between(at(2026, 11, 23, 0), at(2026, 11, 24, 0)) == 9.0


def test_add_working_hours_rejects_bad_input():
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 11, 23, 9), -1)
    with pytest.raises(ValueError):
        add_working_hours(dt.datetime(2026, 11, 23, 9), 1)


def test_working_hours_between():
    assert working_hours_between(at(2026, 11, 20, 17), at(2026, 11, 23, 12)) == 4.0
    assert working_hours_between(at(2026, 11, 23, 12), at(2026, 11, 20, 17)) == -4.0
    assert working_hours_between(at(2026, 11, 23, 10), at(2026, 11, 23, 11, 30)) == 1.5
    assert working_hours_between(at(2026, 11, 21, 8), at(2026, 11, 22, 20)) == 0.0
    assert working_hours_between(at(2026, 11, 23, 0), at(2026, 11, 27, 23)) == 45.0
    assert working_hours_between(at(2026, 9, 30, 16), at(2026, 10, 8, 11)) == 4.0
    assert working_hours_between(at(2026, 2, 13, 9), at(2026, 2, 24, 18)) == 27.0


def test_working_hours_between_inverts_add_working_hours():
    for start in [at(2026, 2, 13, 10), at(2026, 9, 29, 17, 15), at(2026, 11, 20, 9)]:
        for hours in [0, 0.25, 1, 8.5, 9, 30, 100]:
            end = add_working_hours(start, hours)
            assert working_hours_between(start, end) == hours, (start, hours)


# --- Seeding -------------------------------------------------------------------------------


def test_seeding_twice_creates_no_duplicates():
    CalendarDay.objects.filter(date__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()

    first = seed_from_package(years=[2026])
    second = seed_from_package(years=[2026])

    assert (first["created"], first["years_created"]) == (39, 1)
    assert {k: second[k] for k in ["created", "updated", "deleted", "years_created"]} == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "years_created": 0,
    }
    assert CalendarDay.objects.filter(date__year=2026).count() == 39
    assert CalendarYear.objects.filter(year=2026).count() == 1
    assert is_working_day(D(2026, 2, 28)) is True


def test_seeding_keeps_manual_rows_and_removes_package_rows_it_no_longer_lists():
    CalendarDay.objects.filter(date=D(2026, 10, 7)).update(source="manual", name="国庆 (人工)")
    CalendarDay.objects.create(
        date=D(2026, 3, 2), kind=CalendarDayKind.HOLIDAY, source="chinese-calendar"
    )

    result = seed_from_package(years=[2026, 2031])

    assert (result["kept_manual"], result["deleted"], result["created"]) == (1, 1, 0)
    assert result["years"] == [2026]
    assert result["skipped_years"] == [2031]
    assert CalendarDay.objects.get(date=D(2026, 10, 7)).name == "国庆 (人工)"
    assert not CalendarDay.objects.filter(date=D(2026, 3, 2)).exists()
    assert not CalendarYear.objects.filter(year=2031).exists()
    assert is_working_day(D(2026, 3, 2)) is True


def test_seed_calendar_command(capsys):
    CalendarDay.objects.filter(date__year=2025).delete()

    call_command("seed_calendar", "--year", "2025", "--year", "2031")

    out, err = capsys.readouterr()
    assert "years 2025–2025: 33 created" in out
    assert "has no data for 2031" in err
    assert CalendarDay.objects.filter(date__year=2025).count() == 33


# --- Admin ---------------------------------------------------------------------------------


def test_calendar_admin_warns_about_missing_years(client, admin_user):
    this_year = timezone.localdate().year
    CalendarYear.objects.filter(year__in=[this_year, this_year + 1]).delete()
    client.force_login(admin_user)

    response = client.get(reverse("admin:core_calendarday_changelist"))

    assert response.status_code == 200
    expected = (
        f"Working days for {this_year}, {this_year + 1} fall back to Monday–Friday: "
        "enter the official holidays."
    )
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert expected in response.content.decode()


def test_calendar_admin_is_quiet_when_both_years_are_loaded(client, admin_user):
    this_year = timezone.localdate().year
    for year in [this_year, this_year + 1]:
        CalendarYear.objects.get_or_create(year=year)
    client.force_login(admin_user)

    for name in ["admin:core_calendarday_changelist", "admin:core_calendaryear_changelist"]:
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert list(response.context["messages"]) == []


def test_calendar_year_admin_counts_the_days(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("admin:core_calendaryear_changelist"))

    assert response.status_code == 200
    row = next(r for r in response.context["cl"].result_list if r.year == 2026)
    assert row.day_count == 39


def test_outbox_admin_send_now(client, admin_user):
    good = OutboxMessage.objects.create(task_name="core.notifications_retry")
    bad = OutboxMessage.objects.create(task_name="core.no_such_task")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:core_outboxmessage_changelist"),
        {"action": "send_now", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "1 message sent.",
        "1 message not sent: see its last error.",
    ]
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.sent_at is not None
    assert (bad.sent_at, bad.attempts) == (None, 1)


def test_outbox_and_notification_admin_are_read_only_lists(client, admin_user):
    client.force_login(admin_user)
    for name in ["outboxmessage", "notification"]:
        response = client.get(reverse(f"admin:core_{name}_changelist"))
        assert response.status_code == 200
        assert client.get(reverse(f"admin:core_{name}_add")).status_code == 403
