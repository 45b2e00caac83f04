"""Year calendar files (docs/data-formats.md): the shipped files, and every refusal names
its line and reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gridcare.core.calendar_files import CalendarFileInvalid, calendar_file_parse
from gridcare.core.workdays import DayKind, chinese_calendar_year

DATA = Path(__file__).parents[2] / "src/gridcare/core/data/calendars"

GOOD = """\
# 2027 test calendar
year = 2027
source = "测试通知"

[[holiday]]
name = "元旦"
days_off = ["2027-01-01..2027-01-03"]

[[holiday]]
name = "春节"
days_off = ["2027-02-05..2027-02-12"]
makeup_workdays = ["2027-02-13"]
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(CalendarFileInvalid) as excinfo:
        calendar_file_parse(text)
    assert excinfo.value.code == "core.calendar.file_invalid"
    return [str(error) for error in excinfo.value.errors]


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_shipped_files_agree_with_the_published_schedule(year: int) -> None:
    parsed = calendar_file_parse((DATA / f"{year}.toml").read_text(encoding="utf-8"))
    published = chinese_calendar_year(year)
    assert published is not None
    assert parsed.year == year
    assert {d.date for d in parsed.days if d.kind == DayKind.HOLIDAY} == set(published.holidays)
    makeup = {d.date for d in parsed.days if d.kind == DayKind.MAKEUP_WORKDAY}
    assert makeup == set(published.makeup_workdays)


def test_the_2025_file_has_the_spring_festival_and_national_day_of_the_notice() -> None:
    parsed = calendar_file_parse((DATA / "2025.toml").read_text(encoding="utf-8"))
    kinds = {d.date: d.kind for d in parsed.days}
    assert kinds[dt.date(2025, 1, 26)] == kinds[dt.date(2025, 2, 8)] == DayKind.MAKEUP_WORKDAY
    assert all(kinds[dt.date(2025, 10, n)] == DayKind.HOLIDAY for n in range(1, 9))
    assert kinds[dt.date(2025, 9, 28)] == kinds[dt.date(2025, 10, 11)] == DayKind.MAKEUP_WORKDAY
    assert "2025" in parsed.source


def test_ranges_expand_to_every_day_and_keep_their_holiday_name() -> None:
    parsed = calendar_file_parse(GOOD)
    spring = [d for d in parsed.days if d.name == "春节"]
    assert [d.date.day for d in spring if d.kind == DayKind.HOLIDAY] == list(range(5, 13))
    assert [d.line for d in spring][-1] == 12


def test_an_impossible_date_is_reported_with_its_line() -> None:
    text = GOOD.replace('"2027-02-05..2027-02-12"', '"2027-02-05..2027-02-12", "2027-02-30"')
    assert errors_of(text) == ["第 11 行：2027-02-30 不是有效日期（应为 YYYY-MM-DD）"]


def test_an_unquoted_impossible_date_is_reported_with_its_line() -> None:
    text = GOOD.replace('["2027-01-01..2027-01-03"]', "[2027-02-30]")
    assert errors_of(text) == [
        '第 7 行：不是有效日期（日期请写成带引号的 "YYYY-MM-DD"）',
    ]


def test_every_problem_is_listed_in_line_order() -> None:
    text = GOOD.replace('"2027-01-01..2027-01-03"', '"2027-01-03..2027-01-01"').replace(
        'makeup_workdays = ["2027-02-13"]',
        'makeup_workdays = ["2027-02-15", "2026-12-27", "2027-02-06"]',
    )
    assert errors_of(text) == [
        "第 7 行：2027-01-03..2027-01-01：结束日期早于开始日期",
        "第 12 行：2027-02-15 是星期一，调休上班日必须是周六或周日",
        "第 12 行：2026-12-27 不在 2027 年内（跨年的日期请录入到该年的日历文件）",
        "第 12 行：2027-02-06 重复出现（第 11 行已列出）",
    ]


def test_a_date_listed_twice_names_both_lines() -> None:
    text = GOOD + '\n[[holiday]]\nname = "补充"\ndays_off = ["2027-01-02"]\n'
    assert errors_of(text) == ["第 16 行：2027-01-02 重复出现（第 7 行已列出）"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            GOOD.replace("year = 2027", "year = 1999"),
            "第 2 行：年份必须是 2000–2100 之间的整数",
            id="year-out-of-range",
        ),
        pytest.param(
            GOOD.replace('source = "测试通知"', 'source = ""'),
            "第 3 行：source 必须是不超过 300 字的文字，不能为空",
            id="empty-source",
        ),
        pytest.param(
            GOOD.replace('name = "元旦"', 'titel = "元旦"'),
            "第 6 行：未知的字段 titel（可用：name、days_off、makeup_workdays）",
            id="misspelt-key",
        ),
        pytest.param(
            GOOD.replace("[[holiday]]\nname", "[[holiday]]\nnom", 1).split("[[holiday]]\nname")[0],
            "第 5 行：节日需要名称 name（不超过 50 字）",
            id="holiday-without-name",
        ),
        pytest.param(
            'year = 2027\nsource = "x"\n',
            "第 1 行：至少需要一个 [[holiday]]（节日）",
            id="no-holidays",
        ),
        pytest.param(
            'year = 2027\nsource = "x\n',
            "第 2 行：TOML 格式错误",
            id="broken-toml",
        ),
    ],
)
def test_each_kind_of_problem_names_its_line(text: str, expected: str) -> None:
    assert any(error.startswith(expected) for error in errors_of(text)), errors_of(text)
