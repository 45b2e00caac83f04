"""Year calendar files (docs/data-formats.md, "Year calendar"): parse and validate.

Framework-free. A file is TOML: `year`, `source` (the notice), optional `note`, and one
`[[holiday]]` table per holiday with `name`, `days_off` and optional `makeup_workdays`, each
a list of "YYYY-MM-DD" dates or "YYYY-MM-DD..YYYY-MM-DD" ranges. Every problem is reported
with its line number and a Chinese reason; a file with any problem yields nothing.

>>> parsed = calendar_file_parse('year = 2027\\nsource = "通知"\\n[[holiday]]\\nname = "元旦"\\n'
...                              'days_off = ["2027-01-01..2027-01-03"]\\n')
>>> [(d.date.isoformat(), d.kind.value) for d in parsed.days]
[('2027-01-01', 'holiday'), ('2027-01-02', 'holiday'), ('2027-01-03', 'holiday')]
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from gridcare.core.errors import DomainError
from gridcare.core.workdays import DayKind, is_weekend

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_NAME = 50
TOP_LEVEL_KEYS = {"year", "source", "note", "holiday"}
HOLIDAY_KEYS = {"name", "days_off", "makeup_workdays"}
WEEKDAYS_ZH = "一二三四五六日"


@dataclass(frozen=True)
class ParsedDay:
    date: dt.date
    kind: DayKind
    name: str
    line: int


@dataclass(frozen=True)
class ParsedCalendar:
    year: int
    source: str
    note: str
    days: tuple[ParsedDay, ...]


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.reason}"


class CalendarFileInvalid(DomainError):
    """The file has problems; `errors` lists each with its line, nothing was stored."""

    def __init__(self, errors: list[LineError]) -> None:
        ordered = sorted(errors, key=lambda e: e.line)
        super().__init__(
            "core.calendar.file_invalid",
            "；".join(str(error) for error in ordered),
            errors=[{"line": e.line, "reason": e.reason} for e in ordered],
        )
        self.errors = ordered


class _Lines:
    """Where things are in the file: tomllib keeps no positions, so we look them up."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        headers = [i for i, line in enumerate(self.lines) if re.match(r"\s*\[", line)]
        self.first_header = headers[0] if headers else len(self.lines)
        self.blocks = [
            (start, next((h for h in headers if h > start), len(self.lines)))
            for start in headers
            if re.match(r"\s*\[\[\s*holiday\s*\]\]", self.lines[start])
        ]
        self.mentions: dict[tuple[int, str, str], int] = {}

    def key(self, key: str, block: int | None = None) -> int:
        start, end = (0, self.first_header) if block is None else self.blocks[block]
        pattern = re.compile(rf"\s*\"?{re.escape(key)}\"?\s*=")
        found = next((i for i in range(start, end) if pattern.match(self.lines[i])), start)
        return found + 1

    def value(self, text: str, block: int, after_key: str) -> int:
        """The line of the n-th mention of `text` under `after_key`, n counting calls, so
        a date listed twice is found at each of its lines."""
        start, end = self.blocks[block]
        key_line = self.key(after_key, block) - 1
        nth = self.mentions.get((block, after_key, text), 0)
        self.mentions[(block, after_key, text)] = nth + 1
        found = [i for i in range(max(start, key_line), end) if text in self.lines[i]]
        return found[min(nth, len(found) - 1)] + 1 if found else key_line + 1


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        if "date" in str(exc).lower():
            reason = '不是有效日期（日期请写成带引号的 "YYYY-MM-DD"）'
        else:
            reason = f"TOML 格式错误（{exc}）"
        raise CalendarFileInvalid([LineError(line, reason)]) from exc


def _parse_date(raw: object) -> dt.date | None:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _expand(raw: object) -> list[dt.date] | str:
    """The dates an entry names, or the reason it names none."""
    text = str(raw).strip()
    first_raw, _, last_raw = text.partition("..")
    first, last = _parse_date(raw if not last_raw else first_raw), _parse_date(last_raw)
    if first is None:
        return f"{first_raw.strip() or text} 不是有效日期（应为 YYYY-MM-DD）"
    if not last_raw:
        return [first]
    if last is None:
        return f"{last_raw.strip()} 不是有效日期（应为 YYYY-MM-DD）"
    if last < first:
        return f"{text}：结束日期早于开始日期"
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


class _Parser:
    def __init__(self, text: str) -> None:
        self.data = _toml(text)
        self.where = _Lines(text)
        self.errors: list[LineError] = []
        self.seen: dict[dt.date, int] = {}

    def fail(self, line: int, reason: str) -> None:
        self.errors.append(LineError(line, reason))

    def run(self) -> ParsedCalendar:
        for key in sorted(set(self.data) - TOP_LEVEL_KEYS):
            self.fail(self.where.key(key), f"未知的字段 {key}（可用：year、source、note、holiday）")
        year = self.year()
        source = self.text("source", required=True, limit=300)
        note = self.text("note", required=False, limit=2000)
        days = self.holidays(year)
        if self.errors:
            raise CalendarFileInvalid(self.errors)
        return ParsedCalendar(year=year, source=source, note=note, days=tuple(days))

    def year(self) -> int:
        year = self.data.get("year")
        if isinstance(year, int) and not isinstance(year, bool) and MIN_YEAR <= year <= MAX_YEAR:
            return year
        reason = (
            "缺少 year（年份）" if year is None else f"年份必须是 {MIN_YEAR}–{MAX_YEAR} 之间的整数"
        )
        self.fail(self.where.key("year"), reason)
        return 0

    def text(self, key: str, *, required: bool, limit: int) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
            self.fail(
                self.where.key(key),
                f"{key} 必须是不超过 {limit} 字的文字" + ("，不能为空" if required else ""),
            )
            return ""
        return value.strip()

    def holidays(self, year: int) -> list[ParsedDay]:
        tables = self.data.get("holiday")
        if not isinstance(tables, list) or not tables:
            self.fail(self.where.key("holiday"), "至少需要一个 [[holiday]]（节日）")
            return []
        days: list[ParsedDay] = []
        for index, table in enumerate(tables):
            days += self.holiday(year, index, table)
        return sorted(days, key=lambda day: day.date)

    def holiday(self, year: int, index: int, table: dict[str, Any]) -> list[ParsedDay]:
        header = self.where.blocks[index][0] + 1 if index < len(self.where.blocks) else 1
        for key in sorted(set(table) - HOLIDAY_KEYS):
            self.fail(
                self.where.key(key, index),
                f"未知的字段 {key}（可用：name、days_off、makeup_workdays）",
            )
        name = table.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            self.fail(
                self.where.key("name", index) if name else header,
                f"节日需要名称 name（不超过 {MAX_NAME} 字）",
            )
            name = ""
        if not table.get("days_off"):
            self.fail(header, f"节日“{name}”缺少 days_off（放假日期）")
        days = self.entries(year, index, table, "days_off", DayKind.HOLIDAY, name)
        return days + self.entries(
            year, index, table, "makeup_workdays", DayKind.MAKEUP_WORKDAY, name
        )

    def entries(
        self, year: int, index: int, table: dict[str, Any], key: str, kind: DayKind, name: str
    ) -> list[ParsedDay]:
        raw = table.get(key, [])
        if not isinstance(raw, list):
            self.fail(self.where.key(key, index), f'{key} 必须是日期列表，如 ["{year}-01-01"]')
            return []
        days = []
        for entry in raw:
            line = self.where.value(str(entry), index, key)
            dates = _expand(entry)
            if isinstance(dates, str):
                self.fail(line, dates)
                continue
            days += [
                ParsedDay(d, kind, name, line) for d in dates if self.day_ok(year, d, kind, line)
            ]
        return days

    def day_ok(self, year: int, day: dt.date, kind: DayKind, line: int) -> bool:
        if year and day.year != year:
            self.fail(line, f"{day} 不在 {year} 年内（跨年的日期请录入到该年的日历文件）")
            return False
        if kind == DayKind.MAKEUP_WORKDAY and not is_weekend(day):
            self.fail(line, f"{day} 是星期{WEEKDAYS_ZH[day.weekday()]}，调休上班日必须是周六或周日")
            return False
        if day in self.seen:
            self.fail(line, f"{day} 重复出现（第 {self.seen[day]} 行已列出）")
            return False
        self.seen[day] = line
        return True


def calendar_file_parse(text: str) -> ParsedCalendar:
    """The calendar a file describes; raises `CalendarFileInvalid` listing every problem."""
    return _Parser(text).run()
