"""The working-day calendar behind every "N working days" SLA (domain-facts §6).

Expected dates are literals from the State Council schedules:

- 2025: Spring Festival off 28 Jan–4 Feb, make-up Sun 26 Jan and Sat 8 Feb; Labour Day off
  1–5 May, make-up Sun 27 Apr; National Day + Mid-Autumn off 1–8 Oct, make-up Sun 28 Sep and
  Sat 11 Oct.
- 2026: Spring Festival off 15–23 Feb, make-up Sat 14 Feb and Sat 28 Feb; National Day off
  1–7 Oct, make-up Sun 20 Sep and Sat 10 Oct.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.core.workdays import (
    DEFAULT_CALENDAR,
    YearSource,
    add_workdays,
    is_workday,
    workdays_between,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(D(2025, 3, 12), True, id="ordinary-wednesday"),
        pytest.param(D(2025, 3, 15), False, id="ordinary-saturday"),
        pytest.param(D(2025, 3, 16), False, id="ordinary-sunday"),
        pytest.param(D(2025, 1, 1), False, id="new-year-2025"),
        pytest.param(D(2025, 1, 28), False, id="spring-festival-eve-2025"),
        pytest.param(D(2025, 2, 4), False, id="last-day-of-spring-festival-2025"),
        pytest.param(D(2025, 1, 26), True, id="make-up-sunday-26-jan-2025"),
        pytest.param(D(2025, 2, 8), True, id="make-up-saturday-8-feb-2025"),
        pytest.param(D(2025, 4, 27), True, id="make-up-sunday-27-apr-2025"),
        pytest.param(D(2025, 5, 2), False, id="labour-day-second-day-2025"),
        pytest.param(D(2025, 9, 28), True, id="make-up-sunday-28-sep-2025"),
        pytest.param(D(2025, 10, 1), False, id="national-day-2025"),
        pytest.param(D(2025, 10, 8), False, id="last-day-of-national-day-2025"),
        pytest.param(D(2025, 10, 9), True, id="first-workday-after-national-day-2025"),
        pytest.param(D(2025, 10, 11), True, id="make-up-saturday-11-oct-2025"),
        pytest.param(D(2025, 10, 12), False, id="sunday-after-make-up-saturday-2025"),
        pytest.param(D(2026, 2, 14), True, id="make-up-saturday-14-feb-2026"),
        pytest.param(D(2026, 2, 23), False, id="last-day-of-spring-festival-2026"),
        pytest.param(D(2026, 9, 20), True, id="make-up-sunday-20-sep-2026"),
        pytest.param(D(2026, 10, 7), False, id="last-day-of-national-day-2026"),
    ],
)
def test_is_workday_follows_the_official_schedule(day: dt.date, expected: bool) -> None:
    assert is_workday(day) is expected


def test_is_workday_reduces_a_datetime_to_its_date() -> None:
    assert is_workday(dt.datetime(2025, 10, 1, 9, 30)) is False
    assert is_workday(dt.datetime(2025, 10, 11, 9, 30)) is True


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(D(2025, 3, 12), 1, D(2025, 3, 13), id="wednesday-plus-one"),
        pytest.param(D(2025, 3, 14), 1, D(2025, 3, 17), id="friday-plus-one-skips-weekend"),
        pytest.param(D(2025, 9, 30), 1, D(2025, 10, 9), id="skips-national-day-2025"),
        pytest.param(D(2025, 9, 30), 3, D(2025, 10, 11), id="lands-on-make-up-saturday"),
        pytest.param(D(2025, 9, 30), 4, D(2025, 10, 13), id="skips-sunday-after-make-up"),
        pytest.param(D(2025, 9, 26), 1, D(2025, 9, 28), id="counts-make-up-sunday-28-sep"),
        pytest.param(D(2025, 1, 24), 1, D(2025, 1, 26), id="counts-make-up-sunday-26-jan"),
        pytest.param(D(2025, 1, 27), 1, D(2025, 2, 5), id="skips-spring-festival-2025"),
        pytest.param(D(2025, 1, 27), 4, D(2025, 2, 8), id="lands-on-make-up-saturday-8-feb"),
        pytest.param(D(2025, 1, 27), 5, D(2025, 2, 10), id="spring-festival-plus-five"),
        pytest.param(D(2025, 4, 30), 1, D(2025, 5, 6), id="skips-labour-day-2025"),
        pytest.param(D(2025, 10, 1), 1, D(2025, 10, 9), id="accepted-on-a-holiday"),
        pytest.param(D(2026, 2, 13), 1, D(2026, 2, 14), id="counts-make-up-saturday-2026"),
        pytest.param(D(2026, 2, 14), 1, D(2026, 2, 24), id="skips-spring-festival-2026"),
        pytest.param(D(2026, 9, 30), 1, D(2026, 10, 8), id="skips-national-day-2026"),
        pytest.param(D(2025, 12, 31), 1, D(2026, 1, 4), id="new-year-2026-make-up-sunday"),
    ],
)
def test_add_workdays_does_not_count_the_start_day_and_skips_rest_days(
    start: dt.date, days: int, expected: dt.date
) -> None:
    assert add_workdays(start, days) == expected


def test_deadline_skips_national_day_and_counts_make_up_saturday() -> None:
    # A complaint accepted on Fri 26 Sep 2025 with a 5-working-day limit: 28 Sep (Sun, make-up),
    # 29 Sep, 30 Sep, 9 Oct, 10 Oct.
    assert add_workdays(D(2025, 9, 26), 5) == D(2025, 10, 10)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param(D(2025, 10, 1), D(2025, 10, 9), id="holiday-rolls-to-next-workday"),
        pytest.param(D(2025, 3, 15), D(2025, 3, 17), id="saturday-rolls-to-monday"),
        pytest.param(D(2025, 10, 11), D(2025, 10, 11), id="make-up-saturday-stays"),
        pytest.param(D(2025, 3, 12), D(2025, 3, 12), id="workday-stays"),
        pytest.param(D(2025, 1, 28), D(2025, 2, 5), id="spring-festival-eve-rolls-forward"),
    ],
)
def test_add_zero_workdays_rolls_a_rest_day_forward_to_the_next_workday(
    start: dt.date, expected: dt.date
) -> None:
    assert add_workdays(start, 0) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(D(2025, 10, 9), -1, D(2025, 9, 30), id="back-over-national-day"),
        pytest.param(D(2025, 10, 9), -2, D(2025, 9, 29), id="back-two"),
        pytest.param(D(2025, 10, 9), -3, D(2025, 9, 28), id="back-to-make-up-sunday"),
        pytest.param(D(2025, 10, 9), -4, D(2025, 9, 26), id="back-over-saturday"),
        pytest.param(D(2025, 2, 5), -1, D(2025, 1, 27), id="back-over-spring-festival"),
        pytest.param(D(2025, 3, 17), -1, D(2025, 3, 14), id="monday-minus-one-is-friday"),
    ],
)
def test_negative_workdays_count_backwards(start: dt.date, days: int, expected: dt.date) -> None:
    assert add_workdays(start, days) == expected


def test_add_workdays_accepts_a_naive_datetime_and_returns_a_date() -> None:
    result = add_workdays(dt.datetime(2025, 9, 30, 17, 45), 1)
    assert result == D(2025, 10, 9)
    assert type(result) is dt.date


def test_an_aware_utc_timestamp_counts_from_the_beijing_calendar_day() -> None:
    # 2025-10-08 23:30 UTC is 2025-10-09 07:30 in Beijing, the first workday after the holiday;
    # one working day later is Fri 10 Oct, not Thu 9 Oct.
    accepted = dt.datetime(2025, 10, 8, 23, 30, tzinfo=dt.UTC)
    assert accepted.astimezone(ZoneInfo("Asia/Shanghai")).date() == D(2025, 10, 9)
    assert add_workdays(accepted, 1) == D(2025, 10, 10)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(D(2025, 9, 30), D(2025, 10, 9), 1, id="over-national-day"),
        # 28, 29, 30 Sep; 9, 10, 11, 13 Oct
        pytest.param(D(2025, 9, 26), D(2025, 10, 13), 7, id="with-both-make-up-days"),
        pytest.param(D(2025, 10, 1), D(2025, 10, 8), 0, id="inside-the-holiday"),
        pytest.param(D(2025, 3, 10), D(2025, 3, 17), 5, id="ordinary-week"),
        # 26 Jan; 27 Jan; 5, 6, 7, 8 Feb
        pytest.param(D(2025, 1, 24), D(2025, 2, 9), 6, id="spring-festival-2025"),
        pytest.param(D(2025, 3, 12), D(2025, 3, 12), 0, id="same-day"),
        pytest.param(D(2025, 3, 17), D(2025, 3, 12), 0, id="end-before-start"),
    ],
)
def test_workdays_between_counts_workdays_after_start_up_to_and_including_end(
    start: dt.date, end: dt.date, expected: int
) -> None:
    assert workdays_between(start, end) == expected


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        # Mon 4 Jan 2100 is an ordinary working day under the provisional rule.
        pytest.param(lambda: is_workday(D(2100, 1, 4)), True, id="is_workday"),
        pytest.param(lambda: is_workday(D(2100, 1, 1)), False, id="new-year-2100"),
        pytest.param(lambda: add_workdays(D(2100, 1, 4), 3), D(2100, 1, 7), id="add_workdays"),
        pytest.param(lambda: add_workdays(D(2100, 1, 2), 0), D(2100, 1, 4), id="add_zero"),
        pytest.param(lambda: workdays_between(D(2100, 1, 1), D(2100, 1, 10)), 5, id="between"),
    ],
)
def test_a_year_the_calendar_does_not_cover_is_computed_provisionally_instead_of_raising(
    call: Callable[[], object], expected: object
) -> None:
    assert DEFAULT_CALENDAR.year_source(2100) == YearSource.PROVISIONAL
    assert call() == expected


# Keep start + 30 working days (about six calendar weeks) inside the covered years.
_covered_days = st.dates(min_value=D(2025, 1, 1), max_value=D(2026, 11, 1))


@settings(max_examples=200, deadline=None)
@given(start=_covered_days, days=st.integers(min_value=1, max_value=30))
def test_add_workdays_lands_on_a_later_workday_exactly_n_workdays_away(
    start: dt.date, days: int
) -> None:
    deadline = add_workdays(start, days)
    assert deadline > start
    assert is_workday(deadline)
    assert workdays_between(start, deadline) == days
    # Independent oracle: the library's own inclusive workday list after the start day.
    assert len(chinese_calendar.get_workdays(start + dt.timedelta(days=1), deadline)) == days


@settings(max_examples=100, deadline=None)
@given(start=_covered_days, days=st.integers(min_value=1, max_value=30))
def test_counting_back_from_a_deadline_returns_to_a_workday_start(
    start: dt.date, days: int
) -> None:
    start = add_workdays(start, 0)
    assert add_workdays(add_workdays(start, days), -days) == start
