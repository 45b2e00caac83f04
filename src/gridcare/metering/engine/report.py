"""What an import reports: counts, the days it rewrote, and every rejected reading."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from gridcare.metering.engine import vee
from gridcare.metering.engine.io import sql_str
from gridcare.metering.engine.workspace import Workspace

Progress = Callable[[str, int, int], None]
"""`progress(stage, done, total)`: stages `parse` (per file), `validate`, `merge`, `write`
(per day); `done == total` marks a stage finished."""

REJECTIONS_IN_MEMORY: Final = 1000


@dataclass(frozen=True)
class Rejection:
    """One rejected reading (or wide line): where it is, why, and the value at fault."""

    source: str
    line: int
    meter_id: str | None
    code: str
    message: str
    value: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rejection:
        return cls(
            source=str(data["source"]),
            line=int(data["line"]),
            meter_id=data.get("meter_id"),
            code=str(data["code"]),
            message=str(data["message"]),
            value=data.get("value"),
        )


@dataclass
class IngestReport:
    """What an import did. Counts are readings unless stated otherwise.

    - `files`: sources in order; `rows_read`: data rows read (CSV lines other than the header
      and blank lines, Parquet rows, records), a wide row holding up to 96 readings;
    - `accepted`: readings that passed validation (including `duplicates`, readings replaced
      by a later line of the same batch); `rejected`: report lines (`rejections`, all of them
      in `reject_report`), by finding code in `by_code`;
    - of the distinct accepted readings (accepted − duplicates): `inserted` (new), `unchanged`
      (the same kWh already stored; its row is kept, or only its quality updated), `edited`
      (a different kWh was stored: replaced, the old value is in the edit log); `suspect`:
      how many of them are stored as `S`;
    - `estimated`: gap values written with quality `E` (new, or re-estimated because a
      neighbour changed; a changed estimate is also logged in the edit log);
    - `days`: Beijing days whose partition this import rewrote (refresh exactly those);
      `added_only`: those of them where it only added readings (replaced, re-estimated or
      re-flagged none): a sum over readings can add this batch's rows of such a day
      instead of summing the day again (`materialize.refresh(additions=report.additions)`).
    """

    batch_id: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    inserted: int = 0
    unchanged: int = 0
    edited: int = 0
    estimated: int = 0
    suspect: int = 0
    days: list[date] = field(default_factory=list)
    added_only: list[date] = field(default_factory=list)
    by_code: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    reject_report: str | None = None

    @property
    def additions(self) -> dict[date, str]:
        """`added_only` as `materialize.refresh` takes it: each day with this batch id."""
        return dict.fromkeys(self.added_only, self.batch_id)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["days"] = [d.isoformat() for d in self.days]
        data["added_only"] = [d.isoformat() for d in self.added_only]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IngestReport:
        values = dict(data)
        values["days"] = [date.fromisoformat(d) for d in values.get("days", [])]
        values["added_only"] = [date.fromisoformat(d) for d in values.get("added_only", [])]
        values["rejections"] = [Rejection.from_dict(r) for r in values.get("rejections", [])]
        return cls(**values)


def report_rejections(
    ws: Workspace,
    report: IngestReport,
    *,
    rejects: str,
    files: list[str],
    batch_id: str,
    path: Path | None,
) -> None:
    """Fill `report`'s rejections (the first `REJECTIONS_IN_MEMORY`), `by_code` and
    `rejected` from the `rejects` table (file_id, line, point, code, meter, value), and
    write all of them to the CSV at `path` (atomically) if one is given."""
    names = files or [""]  # VALUES needs a row; no file, no rejection anyway
    sources = ", ".join(f"({i}, {sql_str(name)})" for i, name in enumerate(names))
    findings = vee.findings_values_sql()
    query = (
        "SELECT files.source, r.line, r.meter AS meter_id, findings.code,"
        " findings.message, r.value"
        f" FROM {rejects} r JOIN (VALUES {sources}) AS files(file_id, source) USING (file_id)"
        f" JOIN {findings} ON r.code = findings.number ORDER BY r.file_id, r.line, r.point"
    )
    rows = ws.con.execute(f"{query} LIMIT {REJECTIONS_IN_MEMORY}").fetchall()
    report.rejections = [Rejection(*row) for row in rows]
    by_code = ws.con.execute(
        f"SELECT findings.code, count(*) FROM {rejects} r JOIN {findings}"
        " ON r.code = findings.number GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    report.by_code = {str(code): int(n) for code, n in by_code}
    report.rejected = sum(report.by_code.values())
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{batch_id}.tmp")
    try:
        ws.con.execute(f"COPY ({query}) TO {sql_str(temp)} (FORMAT csv, HEADER true)")
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    report.reject_report = str(path)
