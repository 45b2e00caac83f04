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

The calendar is `gridcare.core.calendar` (entered year calendars, then chinese_calendar,
then the provisional rule of the 2025 law). Each measure takes one snapshot of it
(`work_calendar()`, one small query) and walks the days on that, so a walk over a month
costs one query, not thirty.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from gridcare.core import calendar
from gridcare.core.errors import DomainError
from gridcare.core.workdays import Deadline, WorkCalendar

CHINA_TZ = ZoneInfo("Asia/Shanghai")
ONE_DAY = dt.timedelta(days=1)
ZERO = dt.timedelta(0)
#: No SLA walks further than this (a guard against a loop on a broken calendar).
MAX_DAYS = 3660


# --- Calendar source ---


def calendar_now() -> WorkCalendar:
    """A snapshot of the working calendar for one computation."""
    return calendar.work_calendar()


def day_is_workday(day: dt.date, cal: WorkCalendar | None = None) -> tuple[bool, bool]:
    """(is a working day, decided by the provisional rule)."""
    cal = cal or calendar_now()
    return cal.is_workday(day), cal.is_provisional(day)


def working_deadline(*, accepted_at: dt.datetime, working_days: int) -> Deadline:
    """End (23:59:59 Beijing) of the `working_days`-th working day after acceptance."""
    return calendar.working_deadline(accepted_at=accepted_at, working_days=working_days)


def hours_deadline(*, start: dt.datetime, hours: float) -> Deadline:
    """`start` plus `hours` on the calendar clock; never provisional."""
    return calendar.hours_deadline(start=start, hours=hours)


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
    cal = calendar_now()
    day = beijing_date(start)
    for _ in range(MAX_DAYS):
        day_start = start_of_day(day)
        if day_start >= end:
            break
        lo, hi = max(start, day_start), min(end, start_of_day(day + ONE_DAY))
        working, guessed = day_is_workday(day, cal)
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
    cal = calendar_now()
    for _ in range(MAX_DAYS):
        day = beijing_date(moment)
        midnight = start_of_day(day + ONE_DAY)
        working, guessed = day_is_workday(day, cal)
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
    cal = calendar_now()
    for _ in range(MAX_DAYS):
        if cal.is_workday(day):
            opening = dt.datetime.combine(day, opens, tzinfo=CHINA_TZ)
            closing = dt.datetime.combine(day, closes, tzinfo=CHINA_TZ)
            if local < opening:
                return opening
            if local < closing:
                return local
        day += ONE_DAY
        local = start_of_day(day)
    raise DomainError("service.sla.calendar_runaway", "工作日历异常：找不到足够的工作日")
