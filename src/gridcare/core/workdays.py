"""Working-day calendar for SLA clocks: weekends, public holidays and 调休 make-up days.

Framework-free (no Django): the Django side (`core.calendar`) builds a `WorkCalendar` from
the year calendars administrators entered and passes it in. A day's status comes from the
first source that knows its year (domain-facts §6):

1. an entered year calendar (`YearSource.OFFICIAL`, the State Council notice as typed in);
2. the `chinese_calendar` package, for the years its data covers (`CHINESE_CALENDAR`);
3. the provisional rule (`PROVISIONAL`): weekends plus the 13 statutory holiday days of the
   2025 law, lunar dates and the Qingming solar term from `lunar_python`, no 调休 and no
   补休. A year without a calendar is therefore never an error, only provisional.

Deadlines (`WorkCalendar.working_deadline`) end at 23:59:59 Beijing time of the N-th working
day; a work order is overdue when `now > deadline.at`.

>>> cal = WorkCalendar()
>>> cal.is_workday(dt.date(2025, 1, 26))  # the make-up Sunday before the Spring Festival
True
>>> cal.year_source(2099)
<YearSource.PROVISIONAL: 'provisional'>
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as chinese_calendar_data
from lunar_python import Lunar, Solar

CHINA_TZ = ZoneInfo("Asia/Shanghai")
#: The last second of a working day: a deadline is this instant on its day, Beijing time.
END_OF_DAY = dt.time(23, 59, 59)
ONE_DAY = dt.timedelta(days=1)


class YearSource(StrEnum):
    """Where a year's holidays come from, most trusted first."""

    OFFICIAL = "official"
    CHINESE_CALENDAR = "chinese_calendar"
    PROVISIONAL = "provisional"


class DayKind(StrEnum):
    """The two kinds of exception to "Monday–Friday work, weekend rest"."""

    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"


def is_weekend(day: dt.date) -> bool:
    return day.weekday() >= 5


@dataclass(frozen=True)
class YearCalendar:
    """One year's exceptions to the weekend rule: named rest days and 调休 working days.

    `holidays` may list weekend days inside a holiday period (for their name); only
    `makeup_workdays` turn a weekend day into a working day.
    """

    year: int
    source: YearSource
    holidays: Mapping[dt.date, str] = field(default_factory=dict)
    makeup_workdays: Mapping[dt.date, str] = field(default_factory=dict)
    reference: str = ""

    @property
    def provisional(self) -> bool:
        return self.source == YearSource.PROVISIONAL

    def is_workday(self, day: dt.date) -> bool:
        if day in self.makeup_workdays:
            return True
        return not (day in self.holidays or is_weekend(day))


@dataclass(frozen=True)
class Deadline:
    """When an SLA runs out (aware, Asia/Shanghai) and whether a provisional year decided it."""

    at: dt.datetime
    provisional: bool


# --- The sources behind the entered years ---

#: chinese_calendar names its holidays in English; we show them as the notices do.
CHINESE_CALENDAR_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _name_zh(name: str) -> str:
    return CHINESE_CALENDAR_NAMES_ZH.get(name, name)


def _covered_by_chinese_calendar(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=256)
def chinese_calendar_year(year: int) -> YearCalendar | None:
    """The year as the `chinese_calendar` package publishes it; None outside its data."""
    if not _covered_by_chinese_calendar(year):
        return None
    holidays = {
        d: _name_zh(name) for d, name in chinese_calendar_data.holidays.items() if d.year == year
    }
    makeup = {
        d: _name_zh(name)
        for d, name in chinese_calendar_data.workdays.items()
        if d.year == year and is_weekend(d)
    }
    return YearCalendar(
        year=year,
        source=YearSource.CHINESE_CALENDAR,
        holidays=holidays,
        makeup_workdays=makeup,
        reference=f"chinesecalendar {chinese_calendar.__version__}",
    )


def _lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    # The lunar year that contains 1 April is `year` (the new year is always earlier), and
    # its solar-term table holds that spring's 清明.
    term = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    return dt.date(term.getYear(), term.getMonth(), term.getDay())


def _span(first: dt.date, days: int) -> list[dt.date]:
    return [first + ONE_DAY * offset for offset in range(days)]


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The 13 rest days of the 2025 law (《全国年节及纪念日放假办法》) that fall in `year`.

    除夕 through 初三 of the lunar new year that starts in `year`; Qingming is the solar
    term; Dragon Boat and Mid-Autumn are lunar 5/5 and 8/15. A Mid-Autumn that falls on a
    National Day day is one rest day with both names (2028: 12 days, not 13).
    """
    new_year = _lunar_to_solar(year, 1, 1)
    days: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    days |= {d: "春节" for d in _span(new_year - ONE_DAY, 4) if d.year == year}
    days |= {_qingming(year): "清明节"}
    days |= dict.fromkeys(_span(dt.date(year, 5, 1), 2), "劳动节")
    days |= {_lunar_to_solar(year, 5, 5): "端午节"}
    days |= dict.fromkeys(_span(dt.date(year, 10, 1), 3), "国庆节")
    mid_autumn = _lunar_to_solar(year, 8, 15)
    days[mid_autumn] = "国庆节、中秋节" if mid_autumn in days else "中秋节"
    return dict(sorted(days.items()))


@lru_cache(maxsize=256)
def provisional_year(year: int) -> YearCalendar:
    """Weekends plus the statutory holidays, no 调休: an estimate until the notice is out."""
    return YearCalendar(
        year=year,
        source=YearSource.PROVISIONAL,
        holidays=statutory_holidays(year),
        reference="provisional rule (2025 law)",
    )


def default_year(year: int) -> YearCalendar:
    """What decides `year` when nobody entered it: chinese_calendar, else provisional."""
    return chinese_calendar_year(year) or provisional_year(year)


# --- The calendar and its deadlines ---


def beijing_date(moment: dt.date | dt.datetime) -> dt.date:
    """The calendar day in China: an aware timestamp (stored in UTC) is converted first;
    a naive one is taken as already in Beijing time."""
    if isinstance(moment, dt.datetime):
        return moment.astimezone(CHINA_TZ).date() if moment.tzinfo else moment.date()
    return moment


def _require_aware(moment: dt.datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")


@dataclass(frozen=True)
class WorkCalendar:
    """Working days over any years: `official` holds the entered year calendars; every other
    year falls back to `default_year` (chinese_calendar, else provisional)."""

    official: Mapping[int, YearCalendar] = field(default_factory=dict)

    def year(self, year: int) -> YearCalendar:
        return self.official.get(year) or default_year(year)

    def year_source(self, year: int) -> YearSource:
        return self.year(year).source

    def is_provisional(self, day_or_year: dt.date | int) -> bool:
        year = day_or_year if isinstance(day_or_year, int) else day_or_year.year
        return self.year(year).provisional

    def is_workday(self, day: dt.date | dt.datetime) -> bool:
        """True on ordinary weekdays and 调休 make-up weekends; False on holidays and weekends."""
        date = beijing_date(day)
        return self.year(date.year).is_workday(date)

    def add_workdays(self, start: dt.date | dt.datetime, days: int) -> dt.date:
        """The `days`-th working day after `start` (the start day itself is not counted).

        `days=0` returns `start` if it is a working day, else the next working day, so a
        deadline never lands on a rest day. Negative values count backwards.
        """
        day = beijing_date(start)
        if days == 0:
            while not self.is_workday(day):
                day += ONE_DAY
            return day
        step = ONE_DAY if days > 0 else -ONE_DAY
        remaining = abs(days)
        while remaining:
            day += step
            remaining -= self.is_workday(day)
        return day

    def workdays_between(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        day, last = beijing_date(start) + ONE_DAY, beijing_date(end)
        count = 0
        while day <= last:
            count += self.is_workday(day)
            day += ONE_DAY
        return count

    def working_deadline(
        self, accepted_at: dt.datetime, working_days: int, *, count_acceptance_day: bool = False
    ) -> Deadline:
        """The end of the `working_days`-th working day, counted in Beijing time.

        1. The acceptance day is the Beijing calendar day of `accepted_at`, whatever zone
           the timestamp carries.
        2. By default (civil-law convention, domain-facts §6) that day is not counted: the
           first day counted is the next one. With `count_acceptance_day`, the acceptance
           day counts as day one if it is a working day.
        3. The deadline is 23:59:59 (Asia/Shanghai) of the last day counted; overdue means
           `now > at`.
        4. `provisional` is True when any day from the first counted to the deadline day
           lies in a provisional year.
        """
        _require_aware(accepted_at, "accepted_at")
        if working_days < 1:
            raise ValueError(f"working_days must be at least 1, got {working_days}")
        accepted_on = beijing_date(accepted_at)
        first = accepted_on if count_acceptance_day else accepted_on + ONE_DAY
        last = self.add_workdays(first - ONE_DAY, working_days)
        provisional = any(self.is_provisional(year) for year in range(first.year, last.year + 1))
        return Deadline(at=dt.datetime.combine(last, END_OF_DAY, CHINA_TZ), provisional=provisional)


def hours_deadline(start: dt.datetime, hours: float) -> Deadline:
    """`hours` on the calendar clock (24/7, as repair arrival SLAs run): never provisional."""
    _require_aware(start, "start")
    if hours <= 0:
        raise ValueError(f"hours must be positive, got {hours}")
    at = (start + dt.timedelta(hours=hours)).astimezone(CHINA_TZ)
    return Deadline(at=at, provisional=False)


# --- Module-level helpers on the default calendar (no entered years) ---

DEFAULT_CALENDAR = WorkCalendar()


def is_workday(day: dt.date | dt.datetime) -> bool:
    """`WorkCalendar.is_workday` on chinese_calendar data, provisional beyond it."""
    return DEFAULT_CALENDAR.is_workday(day)


def add_workdays(start: dt.date | dt.datetime, days: int) -> dt.date:
    """`WorkCalendar.add_workdays` on chinese_calendar data, provisional beyond it."""
    return DEFAULT_CALENDAR.add_workdays(start, days)


def workdays_between(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
    """`WorkCalendar.workdays_between` on chinese_calendar data, provisional beyond it."""
    return DEFAULT_CALENDAR.workdays_between(start, end)
