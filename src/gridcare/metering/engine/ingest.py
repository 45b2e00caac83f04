"""The ingestion pipeline: parse → validate → de-duplicate → flag spikes → merge into the day
partitions (last write wins, edit log) → estimate short gaps → `IngestReport`.

One code path for every source: `ingest_files` (CSV or Parquet, long or wide, see `parse`)
and `ingest_records` (an Arrow table or a list of dicts with keys meter, ts, kwh, quality?,
e.g. from the batch HTTP API) stage their rows into the same DuckDB tables and share
everything after that. All heavy work is DuckDB SQL on one connection (the caller's, or a
new in-memory one); Python loops only over files and days, never over rows.

The steps, in `_run`'s order; each is a function with plain inputs (a `Workspace`, table
names, parameters) and says what it guarantees:

1. `staging.open_staging`, then `sources.stage_file`/`stage_arrow` per source: fields
   parsed, the row rules of `vee` (the first failing one is a reading's code), accepted
   readings into `stage`, rejected ones into `rejects` with their line; `staging.settle`;
2. `vee.over_capacity_sql`: readings above what the meter can measure are rejected;
   `report.report_rejections` reports every rejection;
3. `merge.group` (per meter and Beijing day: count, bitmap of the 96 slots, …) and
   `merge.drop_superseded` (last line wins within the batch);
4. under the store's lock: `merge.read_neighbourhood` (stored readings around the batch),
   `vee.flag_spikes`, `merge.diff_with_store` (last write wins against the store),
   `vee.fill_gaps`, and `write.write_days` (every changed day rewritten with its edit-log
   part, published together).

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
from typing import Any, TypeAlias

import duckdb
import pyarrow as pa

from gridcare.metering.engine import merge, sources, staging, vee
from gridcare.metering.engine.io import Store, check_batch_id, fetch_one
from gridcare.metering.engine.parse import FileFormatError, epoch_us
from gridcare.metering.engine.report import (
    IngestReport,
    Progress,
    Rejection,
    report_rejections,
)
from gridcare.metering.engine.vee import VeeThresholds
from gridcare.metering.engine.workspace import Workspace
from gridcare.metering.engine.write import write_days

__all__ = [
    "FileFormatError",
    "IngestReport",
    "Progress",
    "Rejection",
    "VeeThresholds",
    "ingest_files",
    "ingest_records",
]

Meters: TypeAlias = Sequence[str] | pa.Table
"""The known meters: their ids, or a table with meter_id and optionally capacity_kva (kVA,
for `vee.over_capacity_sql`) and multiplier (the meters dimension of `schema`)."""


def ingest_files(
    paths: Sequence[str | os.PathLike[str]],
    *,
    store: Store,
    meters: Meters,
    now: datetime,
    batch_id: str,
    thresholds: VeeThresholds = VeeThresholds(),  # noqa: B008 (frozen)
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Progress | None = None,
    reject_report: str | os.PathLike[str] | None = None,
) -> IngestReport:
    """Import CSV/Parquet files (long or wide, see `parse`) into `store`.

    `meters`: the known meters (`Meters`); `now`: aware datetime, later readings are
    rejected; `batch_id`: stored with every value this import writes and names its edit-log
    parts (letters, digits, `_.-`). `reject_report`: path of a CSV with every rejection
    (`source,line,meter_id,code,message,value`). Raises `FileFormatError` (nothing stored)
    if a file as a whole cannot be read.
    """
    files = [Path(p) for p in paths]
    now_us, batch_id = epoch_us(now), check_batch_id(batch_id)
    with Workspace.open(con) as ws:
        st = staging.open_staging(ws, meters, now_us)
        for i, path in enumerate(files):
            _progress(progress, "parse", i, len(files))
            sources.stage_file(st, i, path)
        _progress(progress, "parse", len(files), len(files))
        return _run(st, store, batch_id, thresholds, progress, reject_report)


def ingest_records(
    records: pa.Table | Sequence[Mapping[str, Any]],
    *,
    store: Store,
    meters: Meters,
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
    now_us, batch_id = epoch_us(now), check_batch_id(batch_id)
    with Workspace.open(con) as ws:
        st = staging.open_staging(ws, meters, now_us)
        _progress(progress, "parse", 0, 1)
        sources.stage_arrow(st, 0, table, source)
        _progress(progress, "parse", 1, 1)
        return _run(st, store, batch_id, thresholds, progress, reject_report)


def _run(
    st: staging.Staging,
    store: Store,
    batch_id: str,
    thresholds: VeeThresholds,
    progress: Progress | None,
    reject_report: str | os.PathLike[str] | None,
) -> IngestReport:
    """Steps 1 (end) to 4 of the module doc, on a staged batch."""
    report = IngestReport(batch_id=batch_id, files=list(st.files), rows_read=st.rows_read)
    _progress(progress, "validate", 0, 1)
    staging.settle(st)
    _reject_over_capacity(st, thresholds)
    report_rejections(
        st.ws,
        report,
        rejects=st.rejects,
        files=st.files,
        batch_id=batch_id,
        path=Path(reject_report) if reject_report else None,
    )
    report.accepted = st.ws.count(st.stage)
    groups = merge.group(st)
    report.duplicates = merge.drop_superseded(st, groups)
    _progress(progress, "validate", 1, 1)
    if not report.accepted:
        return report
    with store.lock():
        _progress(progress, "merge", 0, 1)
        near = merge.read_neighbourhood(st, store, groups, thresholds)
        report.suspect = vee.flag_spikes(
            st.ws, stage=st.stage, groups=groups, window=near.window, thresholds=thresholds
        )
        changes = merge.diff_with_store(st, near.stored)
        report.inserted, report.edited = changes.inserted, changes.edited
        report.unchanged = changes.unchanged
        changed = changes.sql
        if thresholds.max_gap_fill > 0:
            fills = vee.fill_gaps(
                st.ws, stage=st.stage, groups=groups, history=near.history, thresholds=thresholds
            )
            report.estimated = st.ws.count(fills)
            changed += f" UNION ALL SELECT * FROM {fills}"
        _progress(progress, "merge", 1, 1)
        written = write_days(
            st.ws,
            store=store,
            changes=changed,
            meters=st.meters,
            meter_enum=st.meter_enum,
            batch_id=batch_id,
            edited_at_us=st.now_us,
            progress=progress,
        )
    report.days, report.added_only = written.days, written.added_only
    return report


def _reject_over_capacity(st: staging.Staging, thresholds: VeeThresholds) -> None:
    """`vee.over_capacity_sql`'s readings moved from `stage` to `rejects`."""
    limit = vee.capacity_limit_sql(thresholds)
    floor = fetch_one(st.ws.con, f"SELECT min({limit}) FROM {st.meters}")[0]
    if floor is None:  # no known meter, nothing staged
        return
    rows = vee.over_capacity_sql(st.stage, st.meters, thresholds, float(floor))
    staging.reject_staged(st, rows, vee.OVER_CAPACITY, "CAST(r.kwh AS VARCHAR)")


def _progress(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


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
