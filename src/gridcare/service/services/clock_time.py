"""Time for SLA clocks: the ONE module of the service app that asks the working calendar.

Two measures (docs/architecture.md, "SLA clocks"):

- **Natural time** (minutes, hours): the calendar clock, 24/7. Repair arrival and
  restoration run on it (domain-facts §6).
- **Working time** (working days): every Beijing calendar day that is a working day
  (weekdays, and 调休 make-up weekends) counts whole, 00:00–24:00; rest days count zero.
  A deadline of N working days is 23:59:59 (Beijing) of the N-th working day after the
  acceptance day. A pause is credited with the working time it covered, so a pause from
  Friday 17:00 to Monday 09:00 costs Friday's last 7 hours and Monday's first 9, and the
  weekend nothing.

The calendar itself comes from the three functions under "Calendar source" below. Today
they use `gridcare.core.workdays` (chinese_calendar, 2025–2026); a year it does not cover
is decided by weekends only and marked provisional. When `gridcare.core.calendar` lands,
their bodies become (plus `from gridcare.core import calendar`)::

    day_is_workday:   w = calendar.work_calendar()
                      return w.is_workday(day), w.is_provisional(day.year)
    working_deadline: return calendar.working_deadline(accepted_at=accepted_at, working_days=working_days)
    hours_deadline:   return calendar.hours_deadline(start=start, hours=hours)

(`core.calendar.Deadline` has the same `at` and `provisional` as `Deadline` here.) Then
the `_fallback_*` functions can go. `day_is_workday` is called once per day a walk covers;
`work_calendar()` costs one small query each time, so a per-call cache may be worth it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from gridcare.core import workdays
from gridcare.core.errors import DomainError

CHINA_TZ = ZoneInfo("Asia/Shanghai")
ONE_DAY = dt.timedelta(days=1)
ZERO = dt.timedelta(0)
#: No SLA walks further than this (a guard against a loop on a broken calendar).
MAX_DAYS = 3660


@dataclass(frozen=True)
class Deadline:
    """When a clock runs out (aware, Beijing) and whether a provisional year decided it."""

    at: dt.datetime
    provisional: bool


# --- Calendar source (the lead swaps these three bodies for gridcare.core.calendar) ---


def day_is_workday(day: dt.date) -> tuple[bool, bool]:
    """(is a working day, decided by the provisional rule)."""
    return _fallback_is_workday(day)


def working_deadline(*, accepted_at: dt.datetime, working_days: int) -> Deadline:
    """End (23:59:59 Beijing) of the `working_days`-th working day after acceptance."""
    return _fallback_working_deadline(accepted_at, working_days)


def hours_deadline(*, start: dt.datetime, hours: float) -> Deadline:
    """`start` plus `hours` on the calendar clock; never provisional."""
    return Deadline(at=(start + dt.timedelta(hours=hours)).astimezone(CHINA_TZ), provisional=False)


# --- Fallbacks on gridcare.core.workdays (until the year calendars land) ---


@lru_cache(maxsize=4096)
def _fallback_is_workday(day: dt.date) -> tuple[bool, bool]:
    try:
        return workdays.is_workday(day), False
    except DomainError:  # core.workdays.year_not_covered: weekends only, provisional
        return day.weekday() < 5, True


def _fallback_working_deadline(accepted_at: dt.datetime, working_days: int) -> Deadline:
    """The acceptance day is not counted (civil-law convention, domain-facts §6)."""
    day = beijing_date(accepted_at)
    provisional = False
    remaining = working_days
    for _ in range(MAX_DAYS):
        if remaining <= 0:
            break
        day += ONE_DAY
        working, guessed = day_is_workday(day)
        provisional |= guessed
        remaining -= working
    return Deadline(at=end_of_day(day), provisional=provisional)


# --- Measures on top of the calendar source ---


def beijing_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA_TZ).date()


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=CHINA_TZ)


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 Beijing: a working-day deadline, overdue from the next second."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=CHINA_TZ)


def working_time_between(start: dt.datetime, end: dt.datetime) -> tuple[dt.timedelta, bool]:
    """The working time from `start` to `end` (zero if end <= start), and whether a
    provisional year decided part of it."""
    total, provisional = ZERO, False
    if end <= start:
        return total, provisional
    day = beijing_date(start)
    for _ in range(MAX_DAYS):
        day_start = start_of_day(day)
        if day_start >= end:
            break
        lo, hi = max(start, day_start), min(end, start_of_day(day + ONE_DAY))
        working, guessed = day_is_workday(day)
        provisional |= guessed
        if working and hi > lo:
            total += hi - lo
        day += ONE_DAY
    return total, provisional


def add_working_time(start: dt.datetime, amount: dt.timedelta) -> tuple[dt.datetime, bool]:
    """The moment `amount` of working time after `start` (rest days are skipped)."""
    moment, provisional = start.astimezone(CHINA_TZ), False
    if amount <= ZERO:
        return moment, provisional
    remaining = amount
    for _ in range(MAX_DAYS):
        day = beijing_date(moment)
        midnight = start_of_day(day + ONE_DAY)
        working, guessed = day_is_workday(day)
        provisional |= guessed
        if working:
            if remaining <= midnight - moment:
                return moment + remaining, provisional
            remaining -= midnight - moment
        moment = midnight
    raise DomainError("service.sla.calendar_runaway", "工作日历异常：找不到足够的工作日")


def office_time(moment: dt.datetime, *, opens: dt.time, closes: dt.time) -> dt.datetime:
    """The first moment from `moment` on that lies inside office hours of a working day:
    `moment` itself, or the opening of that day or of the next working day (a notice due
    at midnight or on a Sunday goes out when the office opens)."""
    local = moment.astimezone(CHINA_TZ)
    day = local.date()
    for _ in range(MAX_DAYS):
        if day_is_workday(day)[0]:
            opening = dt.datetime.combine(day, opens, tzinfo=CHINA_TZ)
            closing = dt.datetime.combine(day, closes, tzinfo=CHINA_TZ)
            if local < opening:
                return opening
            if local < closing:
                return local
        day += ONE_DAY
        local = start_of_day(day)
    raise DomainError("service.sla.calendar_runaway", "工作日历异常：找不到足够的工作日")
