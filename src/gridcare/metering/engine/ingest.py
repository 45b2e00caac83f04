"""The ingestion pipeline: parse → validate → de-duplicate → flag spikes → merge into the day
partitions (last write wins, edit log) → estimate short gaps → `IngestReport`.

One code path for every source: `ingest_files` (CSV or Parquet, long or wide, see `parse`)
and `ingest_records` (an Arrow table or a list of dicts with keys meter, ts, kwh, quality?,
e.g. from the batch HTTP API) stage their rows into the same DuckDB tables and share
everything after that. All heavy work is DuckDB SQL on one connection (the caller's, or a
new in-memory one); Python loops only over files and days, never over rows.

How (tables are temporary, named per import):

1. per source: typed fields, the meter index (a cast to an ENUM of the known meters) and
   the first failing rule. A long CSV goes straight into `stage` from the parallel reader,
   its record order surviving as the stage's rowid (which gives the line number; the
   rejected rows move to `rejects` once all files are read); other sources go through a
   `parsed` table that is split into `stage` (accepted readings: meter index, ts µs, kWh,
   quality, a sequence number ordering file/line/point) and `rejects`;
2. `groups`: the batch per meter and Beijing day (count, bitmap of the 96 slots, largest
   actual kWh, first/last ts). Duplicates are where count > slots set (only those meter-days
   are de-duplicated, last write wins); complete days (96 slots) need no gap search, so
   only incomplete days and the edges of complete days feed the window function;
3. under the store's lock: stored readings of the batch meters around the batch (spike
   history, gap ends, old values), spike flags, merge, gap estimates, then every changed day
   partition is rewritten (sorted, zstd) together with its edit-log part and published by
   rename (`io.Transaction`).

Semantics (units and columns: `schema`):

- A rejected reading never blocks the others; every rejection is reported with source, line,
  meter, code, Chinese message and the offending value (`vee` lists the rules).
- Within a batch the last line wins (files in the order given, then line order). Against the
  store the new value replaces the old one; if the value differs, the old one goes to the
  edit log (`io`). A reading whose value is already stored is `unchanged` and keeps its
  stored row (and batch id) unless its quality changes; re-importing a file therefore
  rewrites nothing.
- Spikes become quality `S` and short gaps are filled with quality `E` (`vee`).
- A whole-file problem raises `FileFormatError` before anything is written; a failure while
  writing leaves the store as it was (temporary files are removed).

>>> import tempfile, datetime as dt
>>> store = Store(Path(tempfile.mkdtemp()))
>>> report = ingest_records(
...     [{"meter": "M1", "ts": "2024-05-01 00:15", "kwh": 1.0},
...      {"meter": "M1", "ts": "2024-05-01 00:45", "kwh": 2.0},
...      {"meter": "M2", "ts": "2024-05-01 00:15", "kwh": -1}],
...     store=store, meters=["M1"], now=dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
...     batch_id="b1")
>>> report.accepted, report.rejected, report.estimated, report.by_code
(2, 1, 1, {'metering.vee.unknown_meter': 1})
>>> [str(d) for d in report.days]
['2024-05-01']
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from gridcare.metering.engine.io import Store
from gridcare.metering.engine.merge import Batch
from gridcare.metering.engine.parse import FileFormatError
from gridcare.metering.engine.report import (
    IngestReport,
    Progress,
    Rejection,
)
from gridcare.metering.engine.vee import VeeThresholds

__all__ = [
    "FileFormatError",
    "IngestReport",
    "Progress",
    "Rejection",
    "VeeThresholds",
    "ingest_files",
    "ingest_records",
]


def ingest_files(
    paths: Sequence[str | os.PathLike[str]],
    *,
    store: Store,
    meters: Sequence[str],
    now: datetime,
    batch_id: str,
    thresholds: VeeThresholds = VeeThresholds(),  # noqa: B008 (frozen)
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Progress | None = None,
    reject_report: str | os.PathLike[str] | None = None,
) -> IngestReport:
    """Import CSV/Parquet files (long or wide, see `parse`) into `store`.

    `meters`: the known meter ids (asset numbers); `now`: aware datetime, later readings are
    rejected; `batch_id`: stored with every value this import writes and names its edit-log
    parts (letters, digits, `_.-`). `reject_report`: path of a CSV with every rejection
    (`source,line,meter_id,code,message,value`). Raises `FileFormatError` (nothing stored)
    if a file as a whole cannot be read.
    """
    sources = [Path(p) for p in paths]
    with Batch(store, meters, now, batch_id, thresholds, con, progress) as run:
        for i, path in enumerate(sources):
            run.report_progress("parse", i, len(sources))
            run.stage_file(i, path)
        run.report_progress("parse", len(sources), len(sources))
        return run.finish(reject_report)


def ingest_records(
    records: pa.Table | Sequence[Mapping[str, Any]],
    *,
    store: Store,
    meters: Sequence[str],
    now: datetime,
    batch_id: str,
    thresholds: VeeThresholds = VeeThresholds(),  # noqa: B008 (frozen)
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Progress | None = None,
    reject_report: str | os.PathLike[str] | None = None,
    source: str = "records",
) -> IngestReport:
    """Import long-format records (meter, ts, kwh, quality?) into `store`.

    `records` is an Arrow table (ts as text or timestamp, kwh as text or number; naive
    timestamps are Beijing time) or a list of dicts (`meter_id` is accepted for `meter`;
    other keys are ignored; a missing value is rejected as unparseable). `line` in the report
    is the 1-based record number; `source` names the batch in the report. Other arguments as
    `ingest_files`.
    """
    table = records if isinstance(records, pa.Table) else _records_table(records)
    with Batch(store, meters, now, batch_id, thresholds, con, progress) as run:
        run.report_progress("parse", 0, 1)
        run.stage_arrow(0, table, source)
        run.report_progress("parse", 1, 1)
        return run.finish(reject_report)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _records_table(records: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Dicts → an all-text Arrow table (API-sized batches; per-record Python is fine here)."""
    columns: dict[str, list[str | None]] = {"meter": [], "ts": [], "kwh": [], "quality": []}
    for record in records:
        meter = record.get("meter", record.get("meter_id"))
        columns["meter"].append(_text(meter))
        columns["ts"].append(_text(record.get("ts")))
        columns["kwh"].append(_text(record.get("kwh")))
        columns["quality"].append(_text(record.get("quality")))
    return pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})
