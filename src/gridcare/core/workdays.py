"""Working-day calendar for SLA clocks: weekends, public holidays and 调休 make-up days.

Built on `chinese_calendar` (domain-facts §6). Its data is published yearly; a date outside
the covered years raises `core.workdays.year_not_covered` instead of silently falling back to
Monday–Friday, because a wrong deadline is worse than a loud one.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar

from gridcare.core.errors import DomainError


class CalendarNotCovered(DomainError):
    pass


CHINA_TZ = ZoneInfo("Asia/Shanghai")


def _as_date(day: dt.date | dt.datetime) -> dt.date:
    """The calendar day in China: an aware timestamp (stored in UTC) is converted first."""
    if isinstance(day, dt.datetime):
        return day.astimezone(CHINA_TZ).date() if day.tzinfo else day.date()
    return day


def _checked(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarNotCovered(
            "core.workdays.year_not_covered",
            f"工作日历尚未覆盖 {day.year} 年，请升级 chinesecalendar 数据",
            year=day.year,
        ) from exc


def is_workday(day: dt.date | dt.datetime) -> bool:
    """True on normal weekdays and on 调休 make-up weekends; False on holidays and weekends."""
    return _checked(_as_date(day))


def add_workdays(start: dt.date | dt.datetime, days: int) -> dt.date:
    """The `days`-th working day after `start` (the start day itself is not counted).

    `days=0` returns `start` if it is a working day, else the next working day, so a
    deadline never lands on a rest day. Negative values count backwards.
    """
    day = _as_date(start)
    if days == 0:
        while not _checked(day):
            day += dt.timedelta(days=1)
        return day
    step = dt.timedelta(days=1 if days > 0 else -1)
    remaining = abs(days)
    while remaining:
        day += step
        if _checked(day):
            remaining -= 1
    return day


def workdays_between(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    first, last = _as_date(start), _as_date(end)
    count = 0
    day = first + dt.timedelta(days=1)
    while day <= last:
        count += _checked(day)
        day += dt.timedelta(days=1)
    return count
