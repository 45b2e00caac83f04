"""`gridcare report monthly --month 2026-11 [--org CODE] [--out DIR]`: the monthly service
report of the whole utility (or one org unit's subtree) written as files, one line per
path; each file is an audited export by the system."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from rich.console import Console

from gridcare.core.errors import DomainError
from gridcare.monitoring.selectors.reports import report_month_parse, report_org_unit
from gridcare.monitoring.services.reports import report_monthly_write

STEPS = {"data": "正在汇总指标…", "pdf": "正在生成 PDF…", "xlsx": "正在生成 Excel…"}


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--org", help="org unit code (default: the whole utility)")
    parser.add_argument("--out", help="directory (default: MONITORING_REPORT_DIR)")


def handle(options: dict[str, Any], out: Any) -> None:
    try:
        month = report_month_parse(options["month"], today=timezone.localdate())
        unit = report_org_unit(code=options["org"], user=None) if options.get("org") else None
    except DomainError as exc:
        raise CommandError(f"{exc.code}: {exc.message}") from exc
    directory = Path(options.get("out") or settings.MONITORING_REPORT_DIR)
    stream = cast(IO[str], getattr(out, "_out", out))
    console = Console(file=stream, soft_wrap=True, highlight=False)
    with console.status(STEPS["data"]) as status:
        paths = report_monthly_write(
            month=month,
            org_unit=unit,
            out_dir=directory,
            actor=None,
            progress=lambda step: status.update(STEPS.get(step, step)),
        )
    for path in paths:
        out.write(str(path))
