"""Writing the monthly service report's files, each export audited
(action `monitoring.report.export`: month, org, format, who).

1. `report_monthly_write` (the CLI): assemble the month's content once, write every format
   to the chosen directory, one audit row per file.
2. `report_monthly_file` (the console's download): the same file for one format, kept on
   disk under MONITORING_REPORT_DIR/cache keyed by month, org, language and when the facts
   were last built; the worker rebuilds today's facts every few minutes, so a cached file
   is at most that old (the open-complaints list included). Every download is audited, a
   cached one too.

A file is written under a temporary name and renamed, so a reader never gets half a file.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import get_language

from gridcare.core.audit import SYSTEM_ACTOR_LABEL, audit_record
from gridcare.core.models import OrgUnit, User
from gridcare.monitoring.selectors.facts import facts_built_until
from gridcare.monitoring.services.report_data import report_monthly_data
from gridcare.monitoring.services.report_model import MonthlyReport, report_file_stem
from gridcare.monitoring.services.report_pdf import report_pdf
from gridcare.monitoring.services.report_xlsx import report_xlsx

EXPORT_ACTION = "monitoring.report.export"
#: Every format the report is published in, with its writer (the console's URL accepts
#: these names).
WRITERS: dict[str, Callable[[MonthlyReport], bytes]] = {"pdf": report_pdf, "xlsx": report_xlsx}
FORMATS = tuple(WRITERS)


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(handle, "wb") as file:
        file.write(content)
    os.replace(temporary, path)


def _audit(
    *, month: dt.date, org_unit: OrgUnit | None, fmt: str, actor: User | None, ip: str | None
) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=EXPORT_ACTION,
            obj=org_unit,
            ip=ip,
            data={
                "month": month.strftime("%Y-%m"),
                "org": org_unit.code if org_unit is not None else "",
                "format": fmt,
                "who": actor.get_username() if actor is not None else SYSTEM_ACTOR_LABEL,
            },
        )


def report_monthly_write(
    *,
    month: dt.date,
    org_unit: OrgUnit | None,
    out_dir: Path,
    actor: User | None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the report of `month` for `org_unit` (None: the whole utility) into `out_dir`
    in every writable format; returns the paths. `actor` None is the CLI (the system)."""
    first = month.replace(day=1)
    if progress:
        progress("data")
    report = report_monthly_data(month=first, org_unit=org_unit)
    paths = []
    for fmt, render in WRITERS.items():
        if progress:
            progress(fmt)
        path = Path(out_dir) / f"{report.file_stem}.{fmt}"
        _write_atomically(path, render(report))
        _audit(month=first, org_unit=org_unit, fmt=fmt, actor=actor, ip=None)
        paths.append(path)
    return paths


def report_monthly_file(
    *, month: dt.date, org_unit: OrgUnit | None, fmt: str, actor: User, ip: str | None
) -> Path:
    """The report file of one format for a download, from the cache when the facts have
    not been rebuilt since it was written; the download is audited with the user and IP."""
    first = month.replace(day=1)
    built = facts_built_until()
    freshness = built.strftime("%Y%m%d%H%M%S") if built else "none"
    stem = report_file_stem(first, org_unit.code if org_unit is not None else "")
    language = (get_language() or settings.LANGUAGE_CODE).replace("-", "_")
    path = Path(settings.MONITORING_REPORT_DIR) / "cache" / f"{stem}-{language}-{freshness}.{fmt}"
    if not path.is_file():
        report = report_monthly_data(month=first, org_unit=org_unit)
        _write_atomically(path, WRITERS[fmt](report))
    _audit(month=first, org_unit=org_unit, fmt=fmt, actor=actor, ip=ip)
    return path
