"""Working-day calendar (DESIGN §3): official holidays and make-up workdays (调休).

Rule: a date is a working day when a `CalendarDay` says "workday" (a make-up Saturday or
Sunday), not when it says "holiday", and otherwise when it falls Monday–Friday. Rows always
apply; a `CalendarYear` row only records that a year's official holidays are complete, and a
year without one is what the admin warns about (it falls back to Monday–Friday).

Seeding from the `chinesecalendar` package stores every official holiday day, weekend days
included (so the admin shows whole holiday periods, as the State Council notice lists them),
and the make-up workdays. Rows entered by hand (source "manual") are never overwritten.

Caching: the exceptions of a year are read in one query and kept per process. A write through
the ORM (admin, seeding) clears this process's copy at once and, on commit, bumps a version in
Django's cache that other processes check every few seconds; copies also expire after five
minutes, so a per-process cache (LocMem) converges too. While the current transaction holds
uncommitted calendar writes, lookups bypass the cache, so a rollback leaves nothing stale.
Writers that bypass signals (`bulk_create`, `update()`, raw SQL) call `calendar_cache_clear()`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarDay, CalendarDayKind, CalendarYear

logger = logging.getLogger(__name__)

PACKAGE_SOURCE = "chinese-calendar"
ONE_DAY = dt.timedelta(days=1)

# --- Cache -------------------------------------------------------------------------------

_VERSION_KEY = "core:calendar:version"
_VERSION_CHECK_SECONDS = 2.0
_MAX_AGE_SECONDS = 300.0

YearExceptions = dict[dt.date, bool]  # date -> is a working day, only for dates with a row


class _ProcessCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.years: dict[int, YearExceptions] = {}
        self.generation = 0  # bumped on every clear; a load started before a clear is dropped
        self.loaded_at = time.monotonic()
        self.checked_at = 0.0
        self.version: object = None

    def clear(self) -> None:
        with self.lock:
            self.years = {}
            self.generation += 1
            self.loaded_at = time.monotonic()

    def drop_if_stale(self) -> None:
        now = time.monotonic()
        if now - self.loaded_at > _MAX_AGE_SECONDS:
            self.clear()
        if now - self.checked_at < _VERSION_CHECK_SECONDS:
            return
        self.checked_at = now
        try:
            version = cache.get(_VERSION_KEY)
        except Exception:  # cache server down: the max age still bounds staleness
            logger.warning("calendar: cannot read the cache version", exc_info=True)
            return
        if version != self.version:
            self.version = version
            self.clear()


_cache = _ProcessCache()
_local = threading.local()  # .dirty_block: outermost atomic block holding calendar writes


def calendar_cache_clear() -> None:
    """Forget this process's copy and tell other processes (after commit) to do the same."""
    _cache.clear()
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        _local.dirty_block = connection.atomic_blocks[0]
    transaction.on_commit(_after_commit)


def _after_commit() -> None:
    if not transaction.get_connection().in_atomic_block:
        _local.dirty_block = None
    _cache.clear()
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:  # no version yet
        cache.set(_VERSION_KEY, 1, timeout=None)
    except Exception:
        logger.warning("calendar: cannot bump the cache version", exc_info=True)


def _in_dirty_transaction() -> bool:
    block = getattr(_local, "dirty_block", None)
    if block is None:
        return False
    connection = transaction.get_connection()
    if connection.atomic_blocks and connection.atomic_blocks[0] is block:
        return True
    # The transaction that wrote calendar rows has ended; if it rolled back, what this
    # process cached meanwhile may be wrong.
    _local.dirty_block = None
    _cache.clear()
    return False


@receiver(post_save, sender=CalendarDay, dispatch_uid="calendar_day_saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="calendar_day_deleted")
@receiver(post_save, sender=CalendarYear, dispatch_uid="calendar_year_saved")
@receiver(post_delete, sender=CalendarYear, dispatch_uid="calendar_year_deleted")
def _calendar_changed(**kwargs) -> None:
    calendar_cache_clear()


@receiver(post_migrate, dispatch_uid="calendar_post_migrate")
def _tables_reset(**kwargs) -> None:
    # Migrations and `flush` (TransactionTestCase) change rows without model signals.
    _local.dirty_block = None
    _cache.clear()


def _query_years(first: int, last: int) -> dict[int, YearExceptions]:
    years: dict[int, YearExceptions] = {year: {} for year in range(first, last + 1)}
    rows = CalendarDay.objects.filter(
        date__gte=dt.date(first, 1, 1), date__lte=dt.date(last, 12, 31)
    ).values_list("date", "kind")
    for day, kind in rows:
        years[day.year][day] = kind == CalendarDayKind.WORKDAY
    return years


def _exceptions(first: int, last: int) -> dict[int, YearExceptions]:
    """The exceptions of years first..last, reading the missing years in one query."""
    if _in_dirty_transaction():
        return _query_years(first, last)
    _cache.drop_if_stale()
    with _cache.lock:
        found = {
            year: _cache.years[year] for year in range(first, last + 1) if year in _cache.years
        }
        generation = _cache.generation
    missing = [year for year in range(first, last + 1) if year not in found]
    if missing:
        loaded = _query_years(min(missing), max(missing))
        with _cache.lock:
            if _cache.generation == generation:
                _cache.years.update(loaded)
        found.update(loaded)
    return found


class _Days:
    """Answers for a span of years loaded together; years outside it are read on demand."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.years = _exceptions(min(first, last).year, max(first, last).year)

    def year(self, year: int) -> YearExceptions:
        if year not in self.years:
            self.years.update(_exceptions(year, year))
        return self.years[year]

    def is_working(self, day: dt.date) -> bool:
        return self.year(day.year).get(day, day.weekday() < 5)

    def count(self, first: dt.date, last: dt.date) -> int:
        """Working days in [first, last]: Mon–Fri by arithmetic, then the exceptions."""
        if first > last:
            return 0
        weeks, rest = divmod((last - first).days + 1, 7)
        total = weeks * 5 + sum((first.weekday() + i) % 7 < 5 for i in range(rest))
        for year in range(first.year, last.year + 1):
            for day, working in self.year(year).items():
                if first <= day <= last and working != (day.weekday() < 5):
                    total += 1 if working else -1
        return total


def _as_date(day: dt.date) -> dt.date:
    if isinstance(day, dt.datetime):
        if timezone.is_naive(day):
            raise ValueError("a naive datetime has no calendar date: pass a date")
        return day.astimezone(timezone.get_default_timezone()).date()
    return day


# --- Working days ------------------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    """True for a make-up workday, False for a holiday, otherwise Monday–Friday."""
    day = _as_date(day)
    return _Days(day, day).is_working(day)


def next_working_day(day: dt.date, include_today: bool = False) -> dt.date:
    """The first working day after `day` (or `day` itself when include_today and it works)."""
    day = _as_date(day)
    days = _Days(day, day + dt.timedelta(days=31))
    if include_today and days.is_working(day):
        return day
    day += ONE_DAY
    while not days.is_working(day):
        day += ONE_DAY
    return day


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (before it when n < 0); n == 0 returns `day` as is.

    `day` itself is never counted, whether or not it is a working day: from Friday or from
    Saturday, +1 is Monday; from Monday or from Sunday, -1 is the Friday before.
    """
    day = _as_date(day)
    if n == 0:
        return day
    step = ONE_DAY if n > 0 else -ONE_DAY
    estimate = day + step * (abs(n) * 7 // 5 + 20)  # one query covers a typical span
    days = _Days(day, estimate)
    remaining = abs(n)
    while remaining:
        day += step
        remaining -= days.is_working(day)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days stepped on walking from `start` to `end`, `start` excluded, `end` included.

    For start <= end: the working days d with start < d <= end (Friday→Monday is 1, a day to
    itself is 0). For start > end the count is negative: minus the working days d with
    end <= d < start. So `working_days_between(d, add_working_days(d, n)) == n` for every n.
    """
    start, end = _as_date(start), _as_date(end)
    days = _Days(start, end)
    if start <= end:
        return days.count(start + ONE_DAY, end)
    return -days.count(end, start - ONE_DAY)


# --- Working hours -----------------------------------------------------------------------


def _working_hours() -> tuple[dt.time, dt.time]:
    try:
        start = dt.time.fromisoformat(settings.WORKING_HOURS_START)
        end = dt.time.fromisoformat(settings.WORKING_HOURS_END)
    except ValueError as exc:
        raise ImproperlyConfigured(f"WORKING_HOURS_START/END must be HH:MM: {exc}") from exc
    if start >= end:
        raise ImproperlyConfigured("WORKING_HOURS_START must be before WORKING_HOURS_END")
    return start, end


def _period(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The working period of a (working) day as aware datetimes in settings.TIME_ZONE."""
    tz = timezone.get_default_timezone()
    start, end = _working_hours()
    return dt.datetime.combine(day, start, tz), dt.datetime.combine(day, end, tz)


def _in_tz(moment: dt.datetime) -> dt.datetime:
    if timezone.is_naive(moment):
        raise ValueError("working hours need an aware datetime")
    return moment.astimezone(timezone.get_default_timezone())


def add_working_hours(moment: dt.datetime, hours: float) -> dt.datetime:
    """The moment `hours` working hours after `moment` (hours >= 0), in settings.TIME_ZONE.

    Working time is WORKING_HOURS_START–END on working days. A start outside working time
    rolls to the next working period (so 0 hours from Saturday is Monday 09:00); a deadline
    that uses up a period exactly is that period's end (Friday 14:00 + 4 h = Friday 18:00).
    """
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = dt.timedelta(hours=hours)
    moment = _in_tz(moment)
    day = moment.date()
    days = _Days(day, day + dt.timedelta(days=int(hours) // 6 + 31))
    cursor: dt.datetime | None = None
    if days.is_working(day):
        period_start, period_end = _period(day)
        if moment < period_end:
            cursor = max(moment, period_start)
    while True:
        if cursor is None:
            day += ONE_DAY
            while not days.is_working(day):
                day += ONE_DAY
            cursor = _period(day)[0]
        available = _period(day)[1] - cursor
        if remaining <= available:
            return cursor + remaining
        remaining -= available
        cursor = None


def working_hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Working hours in [start, end] as a float; negative when start > end.

    `working_hours_between(t, add_working_hours(t, h)) == h` when t is in working time.
    """
    start, end = _in_tz(start), _in_tz(end)
    if start > end:
        return -working_hours_between(end, start)
    days = _Days(start.date(), end.date())

    def overlap(day: dt.date, lower: dt.datetime, upper: dt.datetime) -> dt.timedelta:
        if not days.is_working(day):
            return dt.timedelta(0)
        period_start, period_end = _period(day)
        return max(dt.timedelta(0), min(upper, period_end) - max(lower, period_start))

    first, last = start.date(), end.date()
    if first == last:
        total = overlap(first, start, end)
    else:
        period_start, period_end = _period(first)
        full_days = days.count(first + ONE_DAY, last - ONE_DAY)
        total = (
            overlap(first, start, period_end)
            + full_days * (period_end - period_start)
            + overlap(last, _period(last)[0], end)
        )
    return total.total_seconds() / 3600


# --- Coverage warnings -------------------------------------------------------------------


def years_without_data(years: Iterable[int]) -> list[int]:
    """The given years, sorted, that have no CalendarYear row (they fall back to Mon–Fri)."""
    wanted = set(years)
    known = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return sorted(wanted - known)


def calendar_warning(today: dt.date | None = None) -> str | None:
    """The admin warning when the current or next year has no official holidays, else None."""
    today = today or timezone.localdate()
    missing = years_without_data([today.year, today.year + 1])
    if not missing:
        return None
    return _(
        "Working days for %(years)s fall back to Monday–Friday: enter the official holidays."
    ) % {"years": ", ".join(str(year) for year in missing)}


# --- Seeding from the chinesecalendar package --------------------------------------------


def _package_days() -> dict[dt.date, tuple[str, str]]:
    """date -> (kind, name) for every holiday and make-up workday the package knows."""
    from chinese_calendar.constants import Holiday, holidays, workdays

    def chinese(english: str) -> str:
        return Holiday(english).chinese

    days = {day: (CalendarDayKind.HOLIDAY.value, chinese(name)) for day, name in holidays.items()}
    for day, name in workdays.items():
        days[day] = (CalendarDayKind.WORKDAY.value, f"{chinese(name)}调休")
    return days


def seed_models(day_model, year_model, years: Iterable[int] | None = None) -> dict:
    """Upsert the package's days into the given models (real or historical, for migrations).

    Only years the package covers are written; rows whose source is not the package are left
    alone (a manual correction wins); package rows the package no longer lists are deleted.
    """
    import chinese_calendar

    package = _package_days()
    covered = sorted({day.year for day in package})
    wanted = covered if years is None else sorted(set(years))
    seeded = [year for year in wanted if year in covered]
    result = {
        "package_version": chinese_calendar.__version__,
        "years": seeded,
        "skipped_years": [year for year in wanted if year not in covered],
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "kept_manual": 0,
        "years_created": 0,
    }
    if not seeded:
        return result
    wanted_days = {day: value for day, value in package.items() if day.year in seeded}
    existing = {
        row.date: row
        for row in day_model.objects.filter(
            date__gte=dt.date(seeded[0], 1, 1), date__lte=dt.date(seeded[-1], 12, 31)
        )
        if row.date.year in seeded
    }
    to_create, to_update = [], []
    for day, (kind, name) in sorted(wanted_days.items()):
        row = existing.get(day)
        if row is None:
            to_create.append(day_model(date=day, kind=kind, name=name, source=PACKAGE_SOURCE))
        elif row.source != PACKAGE_SOURCE:
            result["kept_manual"] += 1
        elif (row.kind, row.name) != (kind, name):
            row.kind, row.name = kind, name
            to_update.append(row)
    stale = [
        row.pk
        for day, row in existing.items()
        if row.source == PACKAGE_SOURCE and day not in wanted_days
    ]
    note = f"chinesecalendar {chinese_calendar.__version__}"
    with transaction.atomic():
        day_model.objects.bulk_create(to_create)
        day_model.objects.bulk_update(to_update, ["kind", "name"])
        result["deleted"], _deleted = day_model.objects.filter(pk__in=stale).delete()
        for year in seeded:
            _row, created = year_model.objects.get_or_create(
                year=year, defaults={"source": PACKAGE_SOURCE, "note": note}
            )
            result["years_created"] += created
    result["created"], result["updated"] = len(to_create), len(to_update)
    return result


def seed_from_package(years: Iterable[int] | None = None) -> dict:
    """Load official holidays and make-up workdays from `chinesecalendar`; idempotent.

    Returns counts: created, updated, deleted, kept_manual, years_created, and the years
    seeded and skipped (not covered by the installed package version).
    """
    result = seed_models(CalendarDay, CalendarYear, years)
    calendar_cache_clear()  # bulk writes send no model signals
    return result
