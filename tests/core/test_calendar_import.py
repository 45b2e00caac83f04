"""Entering year calendars: import (all or nothing, audited, replaces), the admin, the
`calendar_changed` signal, and what the public calendar functions then answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.checks import run_checks

from gridcare.core.calendar import (
    calendar_next_year_missing,
    hours_deadline,
    is_workday,
    working_deadline,
    year_status,
)
from gridcare.core.calendar_files import CalendarFileInvalid
from gridcare.core.calendar_services import calendar_year_import
from gridcare.core.models import AuditLog, CalendarDay, CalendarYear
from gridcare.core.signals import calendar_changed
from gridcare.testing.personas import World

BEIJING = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).parents[2] / "src/gridcare/core/data/calendars"
CALENDAR_2027 = """\
year = 2027
source = "测试用 2027 年通知"

[[holiday]]
name = "元旦"
days_off = ["2027-01-01..2027-01-03"]

[[holiday]]
name = "春节"
days_off = ["2027-02-05..2027-02-11"]
makeup_workdays = ["2027-02-13"]
"""


@pytest.fixture
def announced() -> Iterator[list[list[int]]]:
    """The `years` of every calendar_changed signal sent during the test."""
    received: list[list[int]] = []

    def receiver(sender: Any, years: list[int], **kwargs: Any) -> None:
        received.append(years)

    calendar_changed.connect(receiver, dispatch_uid="test-calendar-changed")
    yield received
    calendar_changed.disconnect(dispatch_uid="test-calendar-changed")


def text_of(year: int) -> str:
    return (DATA / f"{year}.toml").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_importing_2027_makes_a_january_2027_deadline_final_and_announces_it(
    announced: list[list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    accepted = dt.datetime(2026, 12, 28, 10, 0, tzinfo=BEIJING)
    before = working_deadline(accepted_at=accepted, working_days=5)
    assert (before.at.isoformat(), before.provisional) == ("2027-01-05T23:59:59+08:00", True)
    assert year_status(2027) == "provisional"

    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_import(actor=None, text=CALENDAR_2027, filename="2027.toml")

    after = working_deadline(accepted_at=accepted, working_days=5)
    assert (after.at.isoformat(), after.provisional) == ("2027-01-05T23:59:59+08:00", False)
    assert year_status(2027) == "official"
    assert announced == [[2027]]
    # The entered days now decide: 8–11 Feb were provisional working days, Sat 13 Feb rest.
    assert is_workday(dt.date(2027, 2, 10)) is False
    assert is_workday(dt.date(2027, 2, 13)) is True


@pytest.mark.django_db
def test_the_utc_evening_of_30_december_counts_from_31_december_in_beijing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    accepted = dt.datetime(2026, 12, 30, 20, 0, tzinfo=dt.UTC)
    assert working_deadline(accepted_at=accepted, working_days=5).provisional is True
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_import(actor=None, text=CALENDAR_2027)
    deadline = working_deadline(accepted_at=accepted, working_days=5)
    assert deadline.at == dt.datetime(2027, 1, 8, 23, 59, 59, tzinfo=BEIJING)
    assert deadline.provisional is False


@pytest.mark.django_db
def test_an_entered_calendar_wins_over_chinese_calendar(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # A correction entered for 2026: 2 Jan becomes a working day (a made-up local order).
    corrected = text_of(2026).replace('"2026-01-01..2026-01-03"', '"2026-01-01", "2026-01-03"')
    assert is_workday(dt.date(2026, 1, 2)) is False
    assert year_status(2026) == "chinese_calendar"
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_import(actor=None, text=corrected)
    assert year_status(2026) == "official"
    assert is_workday(dt.date(2026, 1, 2)) is True


@pytest.mark.django_db
def test_a_file_with_errors_stores_nothing_and_names_each_line(
    announced: list[list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    broken = CALENDAR_2027.replace('["2027-02-13"]', '["2027-02-13", "2027-02-15"]').replace(
        '"2027-01-01..2027-01-03"', '"2027-01-01..2027-01-03", "2027-02-30"'
    )
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CalendarFileInvalid) as e:
        calendar_year_import(actor=None, text=broken)

    assert [str(err) for err in e.value.errors] == [
        "第 6 行：2027-02-30 不是有效日期（应为 YYYY-MM-DD）",
        "第 11 行：2027-02-15 是星期一，调休上班日必须是周六或周日",
    ]
    assert CalendarYear.objects.count() == CalendarDay.objects.count() == 0
    assert AuditLog.objects.filter(action="core.calendar.import").count() == 0
    assert announced == []
    assert year_status(2027) == "provisional"


@pytest.mark.django_db
def test_importing_a_year_again_replaces_its_days_and_is_audited(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    admin = world.users["admin"]
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_import(actor=admin, text=CALENDAR_2027, filename="a.toml")
        shorter = CALENDAR_2027.replace('"2027-02-05..2027-02-11"', '"2027-02-05..2027-02-08"')
        calendar_year_import(actor=admin, text=shorter, filename="b.toml")

    row = CalendarYear.objects.get(year=2027)
    assert row.days.count() == 3 + 4 + 1
    assert row.imported_by == admin
    audits = AuditLog.objects.filter(action="core.calendar.import").order_by("id")
    assert [a.data["replaced"] for a in audits] == [False, True]
    assert [a.data["file"] for a in audits] == ["a.toml", "b.toml"]
    assert is_workday(dt.date(2027, 2, 9)) is True


@pytest.mark.django_db
def test_a_change_made_by_another_process_is_seen_at_the_next_call(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_import(actor=None, text=CALENDAR_2027)
    assert is_workday(dt.date(2027, 2, 13)) is True
    # Another process deletes the year: no callback runs here, the fingerprint changes.
    CalendarYear.objects.filter(year=2027).delete()
    assert is_workday(dt.date(2027, 2, 13)) is False
    assert year_status(2027) == "provisional"


def test_hours_deadlines_run_on_the_calendar_clock() -> None:
    start = dt.datetime(2025, 10, 1, 8, 0, tzinfo=BEIJING)
    deadline = hours_deadline(start=start, hours=2)
    assert (deadline.at.isoformat(), deadline.provisional) == ("2025-10-01T10:00:00+08:00", False)


@pytest.mark.django_db
def test_the_acceptance_day_counts_when_the_setting_says_so(settings: Any) -> None:
    wednesday = dt.datetime(2025, 3, 12, 9, 0, tzinfo=BEIJING)
    assert working_deadline(accepted_at=wednesday, working_days=2).at.date().day == 14
    settings.SLA_COUNT_ACCEPTANCE_DAY = True
    assert working_deadline(accepted_at=wednesday, working_days=2).at.date().day == 13


# --- The reminder: system check and banner ---


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "expected"),
    [
        pytest.param(dt.date(2026, 10, 31), None, id="october-no-warning-yet"),
        pytest.param(dt.date(2026, 11, 1), 2027, id="from-1-november"),
        pytest.param(dt.date(2026, 6, 1), None, id="covered-current-year"),
        pytest.param(dt.date(2027, 3, 1), 2027, id="current-year-provisional"),
    ],
)
def test_the_missing_calendar_is_reported_from_1_november(
    today: dt.date, expected: int | None
) -> None:
    assert calendar_next_year_missing(today) == expected


@pytest.mark.django_db
def test_an_entered_next_year_silences_the_reminder(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_import(actor=None, text=CALENDAR_2027)
    assert calendar_next_year_missing(dt.date(2026, 12, 1)) is None


@pytest.mark.django_db
def test_the_database_check_warns_while_a_year_is_missing() -> None:
    messages = run_checks(databases=["default"])
    warnings = [m for m in messages if m.id == "gridcare.W101"]
    missing = calendar_next_year_missing(dt.date.today())
    if missing is None:
        assert warnings == []
    else:
        assert len(warnings) == 1
        assert str(missing) in warnings[0].msg
        assert "gridcare calendar import" in (warnings[0].hint or "")
    assert not [m for m in run_checks() if m.id == "gridcare.W101"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "shown"),
    [("admin", True), ("manager", True), ("agent_s1", False), ("analyst", False)],
)
def test_the_console_shows_the_reminder_to_admins_and_managers_only(
    world: World, client_for: Any, persona: str, shown: bool
) -> None:
    missing = calendar_next_year_missing(dt.date.today())
    body = client_for(persona).get("/console/").content.decode()
    assert ("calendar-missing-banner" in body) is (shown and missing is not None)
    if shown and missing is not None:
        assert f"尚未录入 {missing} 年工作日历" in body


# --- The admin ---


def admin_form(year: int, days: list[tuple[str, str, str]], **extra: str) -> dict[str, str]:
    data = {
        "year": str(year),
        "source": "国务院办公厅通知",
        "note": "",
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, (date, kind, name) in enumerate(days):
        data |= {f"days-{i}-date": date, f"days-{i}-kind": kind, f"days-{i}-name": name}
    return data | extra


@pytest.mark.django_db
def test_the_admin_refuses_a_weekday_make_up_day_and_a_date_of_another_year_in_chinese(
    world: World, client_for: Any
) -> None:
    days = [("2027-02-15", "makeup_workday", "春节"), ("2026-12-31", "holiday", "元旦")]
    response = client_for("admin").post("/admin/core/calendaryear/add/", admin_form(2027, days))

    assert response.status_code == 200
    body = response.content.decode()
    assert "2027-02-15 是工作日：调休上班日必须是周六或周日。" in body
    assert "2026-12-31 不在 2027 年内：请录入到该年的日历中。" in body
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_a_year_entered_in_the_admin_is_audited_announced_and_applied(
    world: World,
    client_for: Any,
    announced: list[list[int]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    days = [("2027-01-01", "holiday", "元旦"), ("2027-02-13", "makeup_workday", "春节")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("admin").post("/admin/core/calendaryear/add/", admin_form(2027, days))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert announced == [[2027]]
    assert AuditLog.objects.filter(action="core.calendar.edit").get().actor == world.users["admin"]
    assert is_workday(dt.date(2027, 2, 13)) is True
    assert year_status(2027) == "official"
