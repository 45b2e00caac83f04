"""`gridcare calendar import FILE | show YEAR | deadline --from … | export YEAR`: the
working calendar from the command line (docs/data-formats.md, "Year calendar")."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from gridcare.core.calendar import (
    calendar_year,
    calendar_year_entered,
    hours_deadline,
    working_deadline,
)
from gridcare.core.calendar_files import CalendarFileInvalid
from gridcare.core.calendar_ical import year_to_ical
from gridcare.core.calendar_services import calendar_year_import
from gridcare.core.models import CALENDAR_MAX_YEAR, CALENDAR_MIN_YEAR
from gridcare.core.workdays import CHINA_TZ, Deadline, YearCalendar

SOURCE_ZH = {
    "official": "已录入的官方日历",
    "chinese_calendar": "chinesecalendar 数据",
    "provisional": "暂定规则",
}
WEEKDAYS_ZH = "一二三四五六日"


def _year(raw: str) -> int:
    try:
        year = int(raw)
    except ValueError:
        year = 0
    if not CALENDAR_MIN_YEAR <= year <= CALENDAR_MAX_YEAR:
        raise CommandError(
            f"年份 {raw!r} 无效：应为 {CALENDAR_MIN_YEAR}–{CALENDAR_MAX_YEAR} 之间的整数"
        )
    return year


def _moment(raw: str) -> dt.datetime:
    """An ISO 8601 date-time; without an offset it is Beijing time."""
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(
            f"--from {raw!r} 不是有效的 ISO 日期时间（例：2025-01-24T20:00:00+08:00）"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


class Command(BaseCommand):
    help = "Year calendars (holidays, 调休): import, show, deadline, export as iCalendar."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="store a year calendar file (replaces that year)")
        imp.add_argument("file", type=Path)
        show = sub.add_parser("show", help="print a year: holidays, make-up days, source")
        show.add_argument("year")
        deadline = sub.add_parser("deadline", help="when an SLA started at --from runs out")
        deadline.add_argument("--from", dest="start", required=True, help="ISO 8601 date-time")
        limit = deadline.add_mutually_exclusive_group(required=True)
        limit.add_argument("--working-days", type=int)
        limit.add_argument("--hours", type=float)
        deadline.add_argument("--json", action="store_true", help="one JSON line")
        export = sub.add_parser("export", help="write a year as iCalendar (.ics)")
        export.add_argument("year")
        export.add_argument("--output", type=Path, help="file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._import(options["file"])
        elif action == "show":
            # OutputWrapper writes like a text file (and call_command's stdout= reaches it).
            _show(Console(file=cast(IO[str], self.stdout)), _year(options["year"]))
        elif action == "deadline":
            self._deadline(options)
        else:
            self._export(_year(options["year"]), options["output"])

    def _import(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 {path}：{exc}") from exc
        try:
            row = calendar_year_import(actor=None, text=text, filename=path.name)
        except CalendarFileInvalid as exc:
            for error in exc.errors:
                self.stderr.write(f"{path}: {error}")
            raise CommandError(f"{path} 有 {len(exc.errors)} 处错误，未导入任何内容") from exc
        days = calendar_year(row.year)
        self.stdout.write(
            f"已导入 {row.year} 年日历：{len(days.holidays)} 个放假日，"
            f"{len(days.makeup_workdays)} 个调休上班日"
        )

    def _deadline(self, options: dict[str, Any]) -> None:
        start = _moment(options["start"])
        try:
            if options["hours"] is not None:
                deadline = hours_deadline(start=start, hours=options["hours"])
            else:
                deadline = working_deadline(accepted_at=start, working_days=options["working_days"])
        except ValueError as exc:
            raise CommandError(f"无法计算时限：{_limit_reason(options)}") from exc
        self.stdout.write(_deadline_text(deadline, as_json=options["json"]))

    def _export(self, year: int, output: Path | None) -> None:
        data = year_to_ical(calendar_year(year), now=timezone.now())
        if output is None:
            self.stdout.write(data.decode(), ending="")
            return
        output.write_bytes(data)
        self.stdout.write(f"已写入 {output}")


def _limit_reason(options: dict[str, Any]) -> str:
    if options["hours"] is not None:
        return f"--hours 必须大于 0（收到 {options['hours']}）"
    return f"--working-days 必须至少为 1（收到 {options['working_days']}）"


def _deadline_text(deadline: Deadline, *, as_json: bool) -> str:
    at = deadline.at.isoformat()
    if as_json:
        return json.dumps({"deadline": at, "provisional": deadline.provisional})
    return at + ("（暂定：涉及尚未录入日历的年份）" if deadline.provisional else "")


def _show(console: Console, year: int) -> None:
    days = calendar_year(year)
    entered = calendar_year_entered(year)
    console.print(f"[bold]{year} 年工作日历[/bold]  来源：{SOURCE_ZH[days.source.value]}")
    if days.provisional:
        console.print(
            "[yellow]暂定：按法定节假日推算，未含调休，请尽快录入国务院办公厅通知[/yellow]"
        )
    if entered is not None:
        console.print(f"依据：{entered.source}")
        console.print(f"导入：{timezone.localtime(entered.imported_at):%Y-%m-%d %H:%M}")
        if entered.note:
            console.print(f"备注：{entered.note}")
    console.print(_days_table(days))


def _days_table(days: YearCalendar) -> Table:
    table = Table(title=f"{days.year} 年节假日与调休")
    for column in ("日期", "星期", "类别", "名称"):
        table.add_column(column)
    rows = [(d, "放假", n) for d, n in days.holidays.items()]
    rows += [(d, "调休上班", n) for d, n in days.makeup_workdays.items()]
    for day, kind, name in sorted(rows):
        table.add_row(day.isoformat(), f"星期{WEEKDAYS_ZH[day.weekday()]}", kind, name)
    return table
