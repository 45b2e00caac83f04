"""Helpers shared by `tests/engine/test_ingest_*.py`: fixture paths, the fixed clock, and
readers of a store that use pyarrow only (never the engine), so expectations stay independent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from gridcare.metering.engine.ingest import IngestReport, ingest_files, ingest_records
from gridcare.metering.engine.io import Store

DATA = Path(__file__).resolve().parent
BEIJING = timezone(timedelta(hours=8))
NOW = datetime(2024, 5, 2, 0, 30, tzinfo=BEIJING)
METERS = ("M1", "M2", "M3")


def bj(day: int, hh: int, mm: int, month: int = 5) -> datetime:
    """UTC instant of Beijing wall-clock 2024-<month>-<day> hh:mm (hh may be 24)."""
    return datetime(2024, month, day, tzinfo=BEIJING).astimezone(UTC) + timedelta(
        hours=hh, minutes=mm
    )


def run(paths: list[Path] | Path, store: Store, **kwargs: Any) -> IngestReport:
    """`ingest_files` with the test defaults (NOW, METERS, batch b1)."""
    kwargs.setdefault("meters", METERS)
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("batch_id", "b1")
    return ingest_files(paths if isinstance(paths, list) else [paths], store=store, **kwargs)


def put(records: list[dict[str, Any]], store: Store, **kwargs: Any) -> IngestReport:
    """`ingest_records` with the test defaults."""
    kwargs.setdefault("meters", METERS)
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("batch_id", "b1")
    return ingest_records(records, store=store, **kwargs)


def series(meter: str, start: datetime, values: list[float | None]) -> list[dict[str, Any]]:
    """Records every 15 minutes from `start` (a None value leaves that interval out)."""
    step = timedelta(minutes=15)
    return [
        {"meter": meter, "ts": (start + i * step).isoformat(), "kwh": v}
        for i, v in enumerate(values)
        if v is not None
    ]


def stored(store: Store) -> list[tuple[Any, ...]]:
    """Every stored reading as (day, meter_id, ts UTC, kwh, quality, batch_id), in file order."""
    out = []
    for path in sorted(store.root.glob("readings/day=*/data.parquet")):
        day = date.fromisoformat(path.parent.name.removeprefix("day="))
        for row in pq.read_table(path).to_pylist():
            out.append(
                (day, row["meter_id"], row["ts"], row["kwh"], row["quality"], row["batch_id"])
            )
    return out


def values(store: Store) -> dict[tuple[str, datetime], tuple[float, str]]:
    """{(meter_id, ts): (kwh, quality)} of the store."""
    return {(m, ts): (kwh, q) for _, m, ts, kwh, q, _ in stored(store)}


def edits(store: Store) -> list[dict[str, Any]]:
    out = []
    for path in sorted(store.root.glob("edits/day=*/part-*.parquet")):
        out.extend(pq.read_table(path).to_pylist())
    return out


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` (relative path → bytes), the lock file excepted."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def rejected(report: IngestReport) -> list[tuple[str, int, str]]:
    """(source, line, code) of every rejection, in report order."""
    return [(r.source, r.line, r.code) for r in report.rejections]


def stray_files(root: Path) -> list[str]:
    """Temporary files left behind (names ending in .tmp)."""
    return [str(p) for p in root.rglob("*") if p.name.endswith(".tmp")] if root.exists() else []


def sorted_by_meter_ts(path: Path) -> bool:
    table = pq.read_table(path)
    keys = list(
        zip(table.column("meter_id").to_pylist(), table.column("ts").to_pylist(), strict=True)
    )
    return keys == sorted(keys)
