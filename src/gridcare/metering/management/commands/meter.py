"""`gridcare meter import PATH...`, `gridcare meter refresh` and `gridcare meter recover`
(mark imports that died as failed, remove their temporary files): meter data from the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gridcare.core.errors import DomainError
from gridcare.metering.models import ImportBatch
from gridcare.metering.services import (
    aggregates_rebuild,
    imports_recover,
    readings_import_files,
)


class Command(BaseCommand):
    help = "Import smart-meter readings (CSV/Parquet, long or 96-point wide) or refresh aggregates."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="validate and store readings files")
        imp.add_argument("paths", nargs="+", type=Path)
        imp.add_argument(
            "--report",
            type=Path,
            help="CSV listing every rejected row (default: <first file>.rejected.csv)",
        )
        ref = sub.add_parser("refresh", help="recompute aggregates")
        ref.add_argument("--day", action="append", type=dt.date.fromisoformat, default=[])
        sub.add_parser(
            "recover",
            help="mark imports that died as failed and remove their temporary files"
            " (every import does this first)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console()
        if options["action"] == "recover":
            failed = imports_recover(actor=None)
            console.print(f"Interrupted imports marked failed: {failed}")
            return
        with _progress(console) as progress:
            tasks: dict[str, Any] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=max(total, 1))
                progress.update(tasks[stage], completed=done, total=max(total, 1))

            try:
                if options["action"] == "import":
                    batch = self._import(options, report)
                else:
                    aggregates_rebuild(days=options["day"] or None, progress=report)
                    console.print("[green]Aggregates refreshed.[/green]")
                    return
            except DomainError as exc:
                line = exc.data.get("line")
                where = f" (line {line})" if line else ""
                raise CommandError(f"{exc.code}: {exc.message}{where}") from exc
        _print_summary(console, batch)

    def _import(self, options: dict[str, Any], report: Any) -> ImportBatch:
        paths: list[Path] = options["paths"]
        reject_report = options["report"] or paths[0].with_suffix(".rejected.csv")
        return readings_import_files(
            actor=None, paths=paths, reject_report=reject_report, progress=report
        )


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _print_summary(console: Console, batch: ImportBatch) -> None:
    report = batch.report
    table = Table(title=f"Import {batch.pk}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("rows_read", "accepted", "rejected", "unchanged", "edited", "estimated", "suspect"):
        if key in report:
            table.add_row(key, f"{report[key]:,}")
    console.print(table)
    for rejection in report.get("rejections", [])[:20]:
        console.print(
            f"[yellow]{rejection.get('source')}:{rejection.get('line')}[/yellow] "
            f"{rejection.get('code')} {rejection.get('message')}"
        )
    if report.get("reject_report"):
        console.print(f"Every rejected row: {report['reject_report']}")
