"""`gridcare monitoring rollup [--from DATE] [--to DATE]`: rebuild the daily KPI facts.

Without dates it rebuilds the last 400 days through today (the first fill after an
install or a change of a KPI's definition); the worker keeps today and yesterday fresh on
its own. The range is rebuilt in chunks of `CHUNK_DAYS` days, each one transaction, so
memory stays bounded and a reader never sees half a chunk.
"""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import IO, Any, cast

from django.core.management.base import CommandError
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from gridcare.core.errors import DomainError
from gridcare.core.params import parse_date
from gridcare.monitoring.services.rollup import facts_rebuild
from gridcare.monitoring.services.sources import SOURCES

DEFAULT_DAYS = 400
CHUNK_DAYS = 31


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="start", help=f"first day, YYYY-MM-DD (default: {DEFAULT_DAYS - 1} "
        "days before --to)",
    )  # fmt: skip
    parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: today)")


def rollup_range(start_text: str | None, end_text: str | None) -> tuple[dt.date, dt.date]:
    """The days to rebuild; a bad, reversed or future date is a CommandError in Chinese."""
    today = timezone.localdate()
    try:
        end = parse_date(end_text, field="--to", default=today)
        assert end is not None
        start = parse_date(
            start_text, field="--from", default=end - dt.timedelta(days=DEFAULT_DAYS - 1)
        )
        assert start is not None
    except DomainError as exc:
        raise CommandError(f"{exc.code}: {exc.message}") from exc
    if end < start:
        raise CommandError(
            f"monitoring.rollup.reversed: 结束日期 {end} 早于开始日期 {start}，请交换 --from 与 --to"
        )
    if end > today:
        raise CommandError(
            f"monitoring.rollup.future: 结束日期 {end} 晚于今天 {today}，未来的日子还没有数据"
        )
    return start, end


def chunks(start: dt.date, end: dt.date, size: int = CHUNK_DAYS) -> list[tuple[dt.date, dt.date]]:
    """`start`…`end` cut into consecutive ranges of at most `size` days."""
    ranges = []
    first = start
    while first <= end:
        last = min(first + dt.timedelta(days=size - 1), end)
        ranges.append((first, last))
        first = last + dt.timedelta(days=1)
    return ranges


def handle(options: dict[str, Any], out: Any) -> None:
    start, end = rollup_range(options.get("start"), options.get("end"))
    parts = chunks(start, end)
    # rich writes partial lines; Django's OutputWrapper would end each with a newline.
    console = Console(file=cast(IO[str], getattr(out, "_out", out)), soft_wrap=True)
    written = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("rollup", total=len(parts) * len(SOURCES))
        for first, last in parts:
            started = False

            def step(name: str, first: dt.date = first, last: dt.date = last) -> None:
                nonlocal started
                if started:
                    progress.advance(task)
                started = True
                progress.update(task, description=f"{first}…{last} {name}")

            written += facts_rebuild(start=first, end=last, progress=step)
            progress.advance(task)
    console.print(f"{written} fact rows written for {start}…{end} ({len(parts)} chunks)")
