"""Write one year of chinesecalendar's data as a GridCare year calendar file (TOML).

    .venv/bin/python scripts/calendar_from_chinese_calendar.py 2026 "国务院办公厅关于…的通知"

A starting point for a data file: compare it with the State Council notice before import
(docs/data-formats.md, "Year calendar").
"""

from __future__ import annotations

import datetime as dt
import sys
from itertools import groupby

from gridcare.core.workdays import chinese_calendar_year


def _ranges(days: list[dt.date]) -> list[str]:
    """Consecutive dates folded into "first..last" ranges."""
    runs = groupby(enumerate(sorted(days)), key=lambda pair: pair[1].toordinal() - pair[0])
    out = []
    for _, run in runs:
        dates = [day for _, day in run]
        first, last = dates[0], dates[-1]
        out.append(str(first) if first == last else f"{first}..{last}")
    return out


def render(year: int, source: str) -> str:
    found = chinese_calendar_year(year)
    if found is None:
        raise SystemExit(f"chinesecalendar has no data for {year}")
    lines = [
        f"# {year} 年部分节假日安排（GridCare 年度工作日历，格式见 docs/data-formats.md）",
        f"year = {year}",
        f'source = "{source}"',
    ]
    names = dict.fromkeys(found.holidays.values())
    for name in names:
        off = [d for d, n in found.holidays.items() if n == name]
        work = [d for d, n in found.makeup_workdays.items() if n == name]
        lines += ["", "[[holiday]]", f'name = "{name}"']
        lines.append("days_off = [" + ", ".join(f'"{r}"' for r in _ranges(off)) + "]")
        if work:
            lines.append("makeup_workdays = [" + ", ".join(f'"{d}"' for d in sorted(work)) + "]")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(int(sys.argv[1]), sys.argv[2]))
