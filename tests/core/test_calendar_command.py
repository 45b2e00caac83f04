"""`gridcare calendar`: import, show, deadline (--json is one line), export (iCalendar)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import icalendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridcare.core.models import CalendarYear

DATA = Path(__file__).parents[2] / "src/gridcare/core/data/calendars"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("calendar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_deadline_json_is_exactly_one_line_with_the_deadline_and_provisional_flag() -> None:
    out, _ = run("deadline", "--from", "2026-12-28T10:00:00+08:00", "--working-days", "5", "--json")
    assert out.count("\n") == 1
    assert json.loads(out) == {"deadline": "2027-01-05T23:59:59+08:00", "provisional": True}


@pytest.mark.django_db
def test_deadline_in_hours_and_for_input_in_another_zone() -> None:
    out, _ = run("deadline", "--from", "2025-01-24T20:00:00-05:00", "--hours", "4", "--json")
    assert json.loads(out) == {"deadline": "2025-01-25T13:00:00+08:00", "provisional": False}
    out, _ = run("deadline", "--from", "2025-01-24T20:00:00-05:00", "--working-days", "1", "--json")
    # 25 Jan in Beijing (a Saturday): the next working day is the make-up Sunday 26 Jan.
    assert json.loads(out)["deadline"] == "2025-01-26T23:59:59+08:00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-02-30T10:00", "--working-days", "5"], "不是有效的 ISO 日期时间"),
        (["--from", "2025-03-12T10:00", "--working-days", "0"], "--working-days 必须至少为 1"),
        (["--from", "2025-03-12T10:00", "--hours", "-2"], "--hours 必须大于 0"),
    ],
)
def test_bad_deadline_input_is_a_clear_error(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("deadline", *args, "--json")


def test_bad_input_exits_non_zero_with_one_error_line() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GRIDCARE_DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "gridcare", "calendar", "deadline", "--from", "yesterday",
         "--working-days", "3", "--json"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "CommandError: --from 'yesterday' 不是有效的 ISO 日期时间（例：2025-01-24T20:00:00+08:00）"
    ]


@pytest.mark.django_db
def test_import_then_show_prints_the_year_with_its_source(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run("import", str(DATA / "2025.toml"))
    assert out.strip() == "已导入 2025 年日历：28 个放假日，5 个调休上班日"

    out, _ = run("show", "2025")
    assert "来源：已录入的官方日历" in out
    assert "国务院办公厅关于2025年部分节假日安排的通知" in out
    assert "2025-01-26 │ 星期日 │ 调休上班" in out
    assert "暂定" not in out


@pytest.mark.django_db
def test_show_says_a_year_without_calendar_is_provisional() -> None:
    out, _ = run("show", "2027")
    assert "来源：暂定规则" in out
    assert "2027-02-06 │ 星期六 │ 放假 │ 春节" in out


@pytest.mark.django_db
def test_a_bad_file_is_refused_line_by_line_and_nothing_is_stored(tmp_path: Path) -> None:
    bad = tmp_path / "2027.toml"
    bad.write_text(
        'year = 2027\nsource = "x"\n[[holiday]]\nname = "元旦"\ndays_off = ["2027-02-30"]\n',
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="有 1 处错误，未导入任何内容") as excinfo:
        call_command("calendar", "import", str(bad), stderr=(err := io.StringIO()))
    assert f"{bad}: 第 5 行：2027-02-30 不是有效日期" in err.getvalue()
    assert excinfo.value.returncode == 1
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_export_writes_icalendar_that_parses_back_with_the_year_s_events(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run("import", str(DATA / "2025.toml"))
    target = tmp_path / "2025.ics"
    run("export", "2025", "--output", str(target))

    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    assert str(calendar["X-WR-CALNAME"]) == "GridCare 工作日历 2025"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//GridCare//Working calendar//ZH"
    events = {
        (str(e["SUMMARY"]), e.decoded("DTSTART"), e.decoded("DTEND"))
        for e in calendar.walk("VEVENT")
    }
    assert ("春节（放假）", dt.date(2025, 1, 28), dt.date(2025, 2, 5)) in events
    assert ("调休上班（春节）", dt.date(2025, 1, 26), dt.date(2025, 1, 27)) in events
    assert ("国庆节、中秋节（放假）", dt.date(2025, 10, 1), dt.date(2025, 10, 9)) in events
    assert len(events) == 6 + 5
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert all(e.get("DTSTAMP") is not None for e in calendar.walk("VEVENT"))


@pytest.mark.django_db
def test_export_of_a_provisional_year_says_so_in_its_name() -> None:
    out, _ = run("export", "2027")
    calendar = icalendar.Calendar.from_ical(out)
    assert str(calendar["X-WR-CALNAME"]) == "GridCare 工作日历 2027（暂定）"
    assert not [e for e in calendar.walk("VEVENT") if "调休上班" in str(e["SUMMARY"])]
