"""The working calendar on the Django side: what other apps call for SLA deadlines.

Builds the framework-free `core.workdays.WorkCalendar` from the year calendars in the
database (which win over chinese_calendar and the provisional rule) and keeps it per
process. Before each use it compares a cheap fingerprint of `CalendarYear` (row count,
highest id, latest `updated_at`) with the one it was built from, so a calendar imported by
another process (the CLI, another web worker) is picked up at the next call.

Public API (stable names): `working_deadline`, `hours_deadline`, `is_workday`,
`year_status`, plus `work_calendar()` for bulk computations and `calendar_next_year_missing`
for the admin banner and the system check.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from gridcare.core.choices import CalendarDayKind
from gridcare.core.models import CalendarYear
from gridcare.core.workdays import Deadline, WorkCalendar, YearCalendar, YearSource
from gridcare.core.workdays import hours_deadline as _hours_deadline

#: Month from which a missing calendar for next year is reported (the State Council
#: publishes it "around November", domain-facts §6).
WARN_FROM_MONTH = 11

_lock = threading.Lock()
_cached: tuple[Any, WorkCalendar] | None = None


def _fingerprint() -> tuple[Any, ...]:
    found = CalendarYear.objects.aggregate(n=Count("id"), last=Max("id"), at=Max("updated_at"))
    return (found["n"], found["last"], found["at"])


def _year_calendar(row: CalendarYear) -> YearCalendar:
    days = list(row.days.all())
    return YearCalendar(
        year=row.year,
        source=YearSource.OFFICIAL,
        holidays={d.date: d.name for d in days if d.kind == CalendarDayKind.HOLIDAY},
        makeup_workdays={d.date: d.name for d in days if d.kind == CalendarDayKind.MAKEUP_WORKDAY},
        reference=row.source,
    )


def work_calendar() -> WorkCalendar:
    """The current calendar: entered years, then chinese_calendar, then provisional.

    One aggregate query when nothing changed; the years are loaded again when the
    fingerprint differs. For many deadlines at once, call it once and use its methods.
    """
    global _cached
    key = _fingerprint()
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    rows = CalendarYear.objects.prefetch_related("days")
    calendar = WorkCalendar(official={row.year: _year_calendar(row) for row in rows})
    with _lock:
        _cached = (key, calendar)
    return calendar


def forget_cached_calendar() -> None:
    """Drop this process's copy (after a change it made itself; others see the fingerprint)."""
    global _cached
    with _lock:
        _cached = None


def working_deadline(*, accepted_at: dt.datetime, working_days: int) -> Deadline:
    """End (23:59:59 Beijing time) of the `working_days`-th working day after acceptance.

    Whether the acceptance day counts is the `SLA_COUNT_ACCEPTANCE_DAY` setting
    (GRIDCARE_SLA_COUNT_ACCEPTANCE_DAY, default false: it does not, as the civil-law
    convention has it). `provisional` says a year without an entered or published
    calendar decided it. Overdue means `now > deadline.at`.
    """
    return work_calendar().working_deadline(
        accepted_at, working_days, count_acceptance_day=settings.SLA_COUNT_ACCEPTANCE_DAY
    )


def hours_deadline(*, start: dt.datetime, hours: float) -> Deadline:
    """`start` plus `hours` on the calendar clock (24/7); never provisional."""
    return _hours_deadline(start, hours)


def is_workday(day: dt.date | dt.datetime) -> bool:
    """Whether `day` (an aware datetime is taken in Beijing time) is a working day."""
    return work_calendar().is_workday(day)


def year_status(year: int) -> str:
    """ "official" (entered here), "chinese_calendar" or "provisional"."""
    return str(work_calendar().year_source(year))


def calendar_year(year: int) -> YearCalendar:
    """The year as it is applied, whichever source decides it (CLI show, API, export)."""
    return work_calendar().year(year)


def calendar_year_entered(year: int) -> CalendarYear | None:
    """The entered calendar row of `year` (its note, who imported it and when), if any."""
    return CalendarYear.objects.select_related("imported_by").filter(year=year).first()


def calendar_next_year_missing(today: dt.date) -> int | None:
    """The year an administrator must enter a calendar for, or None.

    The current year while it is provisional; from 1 November also next year while it is
    provisional (neither entered nor covered by chinese_calendar's data).
    """
    calendar = work_calendar()
    if calendar.is_provisional(today.year):
        return today.year
    if today.month >= WARN_FROM_MONTH and calendar.is_provisional(today.year + 1):
        return today.year + 1
    return None
