"""The framework-free working calendar (core.workdays): sources, provisional rule, deadlines.

No database: entered years are built from the shipped data files through the file parser.
Expected dates are literals from the State Council notices (domain-facts §6) and from
published lunar calendars (Chinese New Year 2027 = 6 Feb, 2028 = 26 Jan).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gridcare.core.calendar_files import calendar_file_parse
from gridcare.core.workdays import (
    DayKind,
    WorkCalendar,
    YearCalendar,
    YearSource,
    hours_deadline,
    statutory_holidays,
)

D = dt.date
BEIJING = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).parents[2] / "src/gridcare/core/data/calendars"


def entered(year: int) -> YearCalendar:
    parsed = calendar_file_parse((DATA / f"{year}.toml").read_text(encoding="utf-8"))
    return YearCalendar(
        year=parsed.year,
        source=YearSource.OFFICIAL,
        holidays={d.date: d.name for d in parsed.days if d.kind == DayKind.HOLIDAY},
        makeup_workdays={d.date: d.name for d in parsed.days if d.kind == DayKind.MAKEUP_WORKDAY},
    )


@pytest.fixture(scope="module")
def official() -> WorkCalendar:
    return WorkCalendar(official={2025: entered(2025), 2026: entered(2026)})


# --- 2025 from the entered calendar ---


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(D(2025, 1, 26), True, id="make-up-sunday-26-jan"),
        pytest.param(D(2025, 2, 8), True, id="make-up-saturday-8-feb"),
        *[
            pytest.param(D(2025, 1, 28) + dt.timedelta(days=n), False, id=f"spring-festival-{n}")
            for n in range(8)
        ],
        pytest.param(D(2025, 2, 5), True, id="back-to-work-5-feb"),
        pytest.param(D(2025, 9, 28), True, id="make-up-sunday-28-sep"),
        *[pytest.param(D(2025, 10, n), False, id=f"national-day-{n}") for n in range(1, 9)],
        pytest.param(D(2025, 10, 9), True, id="back-to-work-9-oct"),
        pytest.param(D(2025, 10, 11), True, id="make-up-saturday-11-oct"),
        pytest.param(D(2025, 10, 12), False, id="ordinary-sunday-12-oct"),
    ],
)
def test_the_entered_2025_calendar_gives_holidays_and_make_up_days(
    official: WorkCalendar, day: dt.date, expected: bool
) -> None:
    assert official.year_source(2025) == YearSource.OFFICIAL
    assert official.is_workday(day) is expected


def test_an_entered_year_wins_over_chinese_calendar() -> None:
    # Suppose a local order made 12 Mar 2025 a rest day and Sat 15 Mar a working day.
    local = YearCalendar(
        year=2025,
        source=YearSource.OFFICIAL,
        holidays={D(2025, 3, 12): "停电检修日"},
        makeup_workdays={D(2025, 3, 15): "补班"},
    )
    calendar = WorkCalendar(official={2025: local})

    assert calendar.is_workday(D(2025, 3, 12)) is False
    assert calendar.is_workday(D(2025, 3, 15)) is True
    # The rest of the year is only what was entered: 1 Oct 2025 is a plain Wednesday now.
    assert calendar.is_workday(D(2025, 10, 1)) is True
    assert WorkCalendar().is_workday(D(2025, 10, 1)) is False


def test_years_fall_back_to_chinese_calendar_then_to_the_provisional_rule() -> None:
    calendar = WorkCalendar()
    assert calendar.year_source(2026) == YearSource.CHINESE_CALENDAR
    assert calendar.year_source(2027) == YearSource.PROVISIONAL
    assert calendar.is_provisional(D(2027, 3, 1))
    assert calendar.is_provisional(2027)
    assert not calendar.is_provisional(2026)


# --- The provisional rule (2025 law, no 调休) ---


@pytest.mark.parametrize(
    ("year", "festival", "expected"),
    [
        (2027, "春节", [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]),
        (2027, "清明节", [D(2027, 4, 5)]),
        (2027, "端午节", [D(2027, 6, 9)]),
        (2027, "中秋节", [D(2027, 9, 15)]),
        (2028, "春节", [D(2028, 1, 25), D(2028, 1, 26), D(2028, 1, 27), D(2028, 1, 28)]),
        (2028, "清明节", [D(2028, 4, 4)]),
        (2028, "端午节", [D(2028, 5, 28)]),
        (2028, "中秋节", [D(2028, 10, 3)]),
    ],
)
def test_the_provisional_rule_places_lunar_festivals_and_qingming(
    year: int, festival: str, expected: list[dt.date]
) -> None:
    days = statutory_holidays(year)
    assert [day for day, name in days.items() if festival in name] == expected


def test_the_provisional_rule_has_the_fixed_holidays_and_thirteen_days() -> None:
    days = statutory_holidays(2027)
    assert days[D(2027, 1, 1)] == "元旦"
    assert [d for d, n in days.items() if n == "劳动节"] == [D(2027, 5, 1), D(2027, 5, 2)]
    assert [d for d, n in days.items() if n == "国庆节"] == [D(2027, 10, n) for n in (1, 2, 3)]
    assert len(days) == 13


def test_a_mid_autumn_inside_national_day_leaves_twelve_distinct_days() -> None:
    # Mid-Autumn 2028 is 3 Oct, one of the National Day days.
    days = statutory_holidays(2028)
    assert days[D(2028, 10, 3)] == "国庆节、中秋节"
    assert len(days) == 12


def test_a_provisional_year_has_no_make_up_days_and_treats_weekends_as_rest() -> None:
    calendar = WorkCalendar()
    assert calendar.year(2027).makeup_workdays == {}
    assert calendar.is_workday(D(2027, 2, 5)) is False  # 除夕, a Friday
    assert calendar.is_workday(D(2027, 2, 9)) is True  # Tuesday after 初三
    assert calendar.is_workday(D(2027, 2, 13)) is False  # an ordinary Saturday


# --- Deadlines ---


def test_five_working_days_from_28_december_2026_end_in_january_2027_provisionally() -> None:
    # 29, 30, 31 Dec; 1 Jan is New Year; Mon 4 Jan, Tue 5 Jan.
    accepted = dt.datetime(2026, 12, 28, 10, 0, tzinfo=BEIJING)
    deadline = WorkCalendar().working_deadline(accepted, 5)
    assert deadline.at == dt.datetime(2027, 1, 5, 23, 59, 59, tzinfo=BEIJING)
    assert deadline.provisional is True


def test_an_evening_in_utc_on_30_december_is_31_december_in_beijing() -> None:
    # 20:00 UTC = 04:00 on the 31st in Beijing: that day is not counted, 1 Jan is a
    # holiday, 2–3 Jan a weekend: 4, 5, 6, 7, 8 Jan.
    accepted = dt.datetime(2026, 12, 30, 20, 0, tzinfo=dt.UTC)
    deadline = WorkCalendar().working_deadline(accepted, 5)
    assert deadline.at == dt.datetime(2027, 1, 8, 23, 59, 59, tzinfo=BEIJING)
    assert deadline.provisional is True


def test_a_deadline_inside_covered_years_is_not_provisional(official: WorkCalendar) -> None:
    # Fri 26 Sep 2025, 5 working days: 28 Sep (make-up Sunday), 29, 30 Sep, 9, 10 Oct.
    accepted = dt.datetime(2025, 9, 26, 16, 30, tzinfo=BEIJING)
    deadline = official.working_deadline(accepted, 5)
    assert deadline.at.isoformat() == "2025-10-10T23:59:59+08:00"
    assert deadline.provisional is False


def test_input_in_another_timezone_counts_from_its_beijing_day(official: WorkCalendar) -> None:
    # 2025-01-24T20:00-05:00 is 09:00 on Sat 25 Jan in Beijing; the first working day after
    # it is the make-up Sunday 26 Jan, the next Mon 27 Jan, then 5 Feb after the festival.
    accepted = dt.datetime.fromisoformat("2025-01-24T20:00:00-05:00")
    assert official.working_deadline(accepted, 1).at.date() == D(2025, 1, 26)
    assert official.working_deadline(accepted, 3).at.date() == D(2025, 2, 5)
    # Read as a Friday in its own zone it would have counted Sat 25 Jan as the start day.
    assert official.working_deadline(accepted, 1).at.tzinfo == BEIJING


def test_counting_the_acceptance_day_ends_one_working_day_earlier(
    official: WorkCalendar,
) -> None:
    wednesday = dt.datetime(2025, 3, 12, 9, 0, tzinfo=BEIJING)
    assert official.working_deadline(wednesday, 1).at.date() == D(2025, 3, 13)
    counted = official.working_deadline(wednesday, 1, count_acceptance_day=True)
    assert counted.at.date() == D(2025, 3, 12)
    # Accepted on a holiday: the day cannot count, the first working day after it does.
    holiday = dt.datetime(2025, 10, 3, 9, 0, tzinfo=BEIJING)
    counted = official.working_deadline(holiday, 1, count_acceptance_day=True)
    assert counted.at.date() == D(2025, 10, 9)


def test_a_deadline_is_the_last_second_of_its_day_in_beijing(official: WorkCalendar) -> None:
    deadline = official.working_deadline(dt.datetime(2025, 3, 12, 23, 0, tzinfo=BEIJING), 1)
    assert deadline.at == dt.datetime(2025, 3, 13, 23, 59, 59, tzinfo=BEIJING)
    assert deadline.at.astimezone(dt.UTC) == dt.datetime(2025, 3, 13, 15, 59, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("accepted", "days"),
    [
        pytest.param(dt.datetime(2025, 3, 12, 9, 0), 1, id="naive-datetime"),
        pytest.param(dt.datetime(2025, 3, 12, 9, 0, tzinfo=BEIJING), 0, id="zero-days"),
    ],
)
def test_a_naive_time_or_no_working_days_is_refused(accepted: dt.datetime, days: int) -> None:
    with pytest.raises(ValueError, match=r"timezone-aware|at least 1"):
        WorkCalendar().working_deadline(accepted, days)


def test_hours_run_on_the_calendar_clock_through_holidays() -> None:
    start = dt.datetime(2025, 9, 30, 22, 0, tzinfo=dt.UTC)  # 06:00 on 1 Oct in Beijing
    deadline = hours_deadline(start, 24)
    assert deadline.at == dt.datetime(2025, 10, 2, 6, 0, tzinfo=BEIJING)
    assert deadline.at.tzinfo == BEIJING
    assert deadline.provisional is False
    with pytest.raises(ValueError, match="positive"):
        hours_deadline(start, 0)
