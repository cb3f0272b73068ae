"""The periods of the tracking reports.

Weekly: Monday to Sunday; beat builds it on the Friday at 17:00 (000 D21: every Friday the
next week's shipments are announced), so "next week" is the following Monday to Sunday.

Monthly: from the 26th of the previous month to the 25th — the company's monthly cut-off
(the report runs on the 25th, 000 D6), not the calendar month, so that the report built on the
25th covers a whole period rather than five sixths of one; "next month" is the following 26th
to 25th. A report built on the 25th at 09:00 sees the 25th only up to then.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ..enums import ReportKind

ONE_DAY = dt.timedelta(days=1)
# When beat builds each report (reports/migrations/0002): the period's report cannot be made
# by hand before, or beat would then find it made and skip it.
WEEKLY_RUN = (4, dt.time(17, 0))  # Friday of the week (Monday + 4 days), 17:00
MONTHLY_RUN = dt.time(9, 0)  # the 25th (the period's last day), 09:00


def _add_month(day: dt.date) -> dt.date:
    return day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)


def period_of(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of `kind` containing `day`, as (first day, last day)."""
    if kind == ReportKind.WEEKLY:
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    if kind == ReportKind.MONTHLY:
        if day.day >= 26:
            start = day.replace(day=26)
        else:
            first = day.replace(day=1) - ONE_DAY  # last day of the previous month
            start = first.replace(day=26)
        return start, _add_month(start).replace(day=25)
    raise ValueError(f"unknown report kind {kind!r}")


def is_period_start(kind: str, day: dt.date) -> bool:
    return period_of(kind, day)[0] == day


def next_period(kind: str, start: dt.date) -> tuple[dt.date, dt.date]:
    return period_of(kind, period_of(kind, start)[1] + ONE_DAY)


def scheduled_at(kind: str, start: dt.date) -> dt.datetime:
    """When beat builds the report of the period starting on `start` (local time)."""
    tz = timezone.get_default_timezone()
    if kind == ReportKind.WEEKLY:
        days, at = WEEKLY_RUN
        return dt.datetime.combine(start + dt.timedelta(days=days), at, tz)
    return dt.datetime.combine(period_of(kind, start)[1], MONTHLY_RUN, tz)


def bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) as aware local datetimes, for timestamps."""
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time(0, 0), tz),
        dt.datetime.combine(end + ONE_DAY, dt.time(0, 0), tz),
    )
