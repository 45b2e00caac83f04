"""The ingestion pipeline: parse → validate → de-duplicate → flag spikes → merge into the day
partitions (last write wins, edit log) → estimate short gaps → `IngestReport`.

One code path for every source: `ingest_files` (CSV or Parquet, long or wide, see `parse`)
and `ingest_records` (an Arrow table or a list of dicts with keys meter, ts, kwh, quality?,
e.g. from the batch HTTP API) stage their rows into the same DuckDB tables and share
everything after that. All heavy work is DuckDB SQL on one connection (the caller's, or a
new in-memory one); Python loops only over files and days, never over rows.

How (tables are temporary, named per import):

1. per source: `parsed` (typed fields + the first failing rule that needs no meter lookup;
   a CSV's record order survives as rowid, which gives the line number), then a join with
   the known meters splits it into `stage` (accepted readings: meter index, ts µs, kWh,
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

import contextlib
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import pyarrow as pa

from gridcare.metering.engine import parse, schema, vee
from gridcare.metering.engine.io import (
    EDIT_COLUMNS,
    Store,
    Transaction,
    check_batch_id,
    fetch_one,
    readings_sql,
    sql_str,
)
from gridcare.metering.engine.parse import INTERVAL_US, QUALITY_TYPE, FileFormatError
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

Progress = Callable[[str, int, int], None]
"""`progress(stage, done, total)`: stages `parse` (per file), `validate`, `merge`, `write`
(per day); `done == total` marks a stage finished."""

REJECTIONS_IN_MEMORY: Final = 1000
REPORT_COLUMNS: Final = ("source", "line", "meter_id", "code", "message", "value")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_SHIFT_US: Final = schema.CHINA_UTC_OFFSET_MINUTES * 60 * 1_000_000 - INTERVAL_US


def day_num_sql(ts_us: str) -> str:
    """SQL: the partition day (days since 1970-01-01) of an interval ending at `ts_us`: the
    Beijing day of the interval START."""
    return f"(({ts_us} + {_SHIFT_US}) // {vee.DAY_US})::INTEGER"  # ts_us ≥ 0 (vee)


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
    - `days`: Beijing days whose partition this import rewrote (refresh exactly those).
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
    by_code: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    reject_report: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["days"] = [d.isoformat() for d in self.days]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IngestReport:
        values = dict(data)
        values["days"] = [date.fromisoformat(d) for d in values.get("days", [])]
        values["rejections"] = [Rejection.from_dict(r) for r in values.get("rejections", [])]
        return cls(**values)


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
    with _Import(store, meters, now, batch_id, thresholds, con, progress) as run:
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
    with _Import(store, meters, now, batch_id, thresholds, con, progress) as run:
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


def _epoch_us(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _day_bounds_us(day_num: int) -> tuple[int, int]:
    """First and last interval end (µs) of partition day `day_num`."""
    first = day_num * vee.DAY_US - _SHIFT_US
    return first, first + (schema.INTERVALS_PER_DAY - 1) * INTERVAL_US


_MAX_SKIPPED_FAST = 64  # more broken lines than this: take the exact line-by-line path


class _Import:
    """One import's temp tables on one DuckDB connection (names unique to this import).

    Staged tables: `stage` (midx, ts_us, kwh, quality, seq) the accepted readings, `seq`
    ordering them by file, line and point; `rejects` (file_id, line, point, code, meter,
    value). After staging: `groups` (per meter and day: count, slot bitmap, max actual kWh,
    first/last ts), then the merge with the store.
    """

    def __init__(
        self,
        store: Store,
        meters: Sequence[str],
        now: datetime,
        batch_id: str,
        thresholds: VeeThresholds,
        con: duckdb.DuckDBPyConnection | None,
        progress: Progress | None,
    ) -> None:
        self.store = store
        self.batch_id = check_batch_id(batch_id)
        self.now_us = _epoch_us(now)
        self.thresholds = thresholds
        self.progress = progress
        self.own_con = con is None
        self.con = duckdb.connect() if con is None else con
        self.prefix = f"_gc_ingest_{uuid.uuid4().hex[:10]}"
        self.tables: list[str] = []
        self.files: list[str] = []
        self.rows_read = 0
        self._restore: list[str] = []
        self._meter_ids = meters
        self.meters = self.table("meters")
        self.meter_enum = f"{self.prefix}_meter_enum"
        self.stage = self.table("stage")
        self.rejects = self.table("rejects")

    # --- lifecycle ---

    def __enter__(self) -> _Import:
        try:
            self._setup()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _setup(self) -> None:
        order = fetch_one(self.con, "SELECT current_setting('preserve_insertion_order')")
        if order and not order[0]:  # line numbers rely on it
            self.con.execute("SET preserve_insertion_order = true")
            self._restore.append("SET preserve_insertion_order = false")
        zone = fetch_one(self.con, "SELECT current_setting('TimeZone')")[0]
        if zone != parse.BEIJING_TIME_ZONE:  # `parse.ts_us_sql` reads naive text as Beijing
            self.con.execute(f"SET TimeZone = {sql_str(parse.BEIJING_TIME_ZONE)}")
            self._restore.append(f"SET TimeZone = {sql_str(str(zone))}")
        # DuckDB's CSV reader creates this type for its rejects tables: leave no trace.
        csv_error_type = "main.CSV_ERROR_TYPE"
        if not self.con.execute(
            "SELECT 1 FROM duckdb_types() WHERE type_name = 'CSV_ERROR_TYPE'"
        ).fetchall():
            self._restore.append(f"DROP TYPE IF EXISTS {csv_error_type}")
        self._create_meters()
        self.con.execute(
            f"CREATE TEMP TABLE {self.stage} (midx INTEGER, ts_us BIGINT, kwh DOUBLE,"
            f" quality {QUALITY_TYPE}, seq BIGINT)"
        )
        self.con.execute(
            f"CREATE TEMP TABLE {self.rejects} (file_id INTEGER, line BIGINT, point INTEGER,"
            " code UTINYINT, meter VARCHAR, value VARCHAR)"
        )

    def __exit__(self, *exc: object) -> None:
        for name in reversed(self.tables):
            with contextlib.suppress(duckdb.Error):
                self.con.execute(f"DROP TABLE IF EXISTS {name}")
        for statement in self._restore:
            with contextlib.suppress(duckdb.Error):
                self.con.execute(statement)
        if self.own_con:
            self.con.close()

    def table(self, name: str) -> str:
        full = f"{self.prefix}_{name}"
        if full not in self.tables:
            self.tables.append(full)
        return full

    def drop(self, *names: str) -> None:
        for name in names:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def count(self, relation: str) -> int:
        return int(fetch_one(self.con, f"SELECT count(*) FROM {relation}")[0])

    def report_progress(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _create_meters(self) -> None:
        """Known meters, sorted: `midx` order is `meter_id` order; the ENUM of them in that
        order (code + 1 = midx)."""
        ids = pa.table({"meter_id": pa.array([str(m) for m in self._meter_ids], pa.string())})
        source = self.table("meters_arrow")
        self.con.register(source, ids)
        try:
            self.con.execute(
                f"CREATE TEMP TABLE {self.meters} AS SELECT meter_id,"
                " (row_number() OVER (ORDER BY meter_id))::INTEGER AS midx"
                f" FROM (SELECT DISTINCT meter_id FROM {source} WHERE meter_id IS NOT NULL)"
            )
        finally:
            self.con.unregister(source)
        self.con.execute(
            f"CREATE TEMP TYPE {self.meter_enum} AS ENUM"
            f" (SELECT meter_id FROM {self.meters} ORDER BY midx)"
        )
        self._restore.append(f"DROP TYPE IF EXISTS {self.meter_enum}")

    # --- staging: phase 1 parses a source into `parsed` (no join, so a CSV's record order
    # survives as rowid), phase 2 joins the known meters and splits it into `stage` and
    # `rejects` ---

    def _parse(self, layout: parse.Layout, fields: str, *, with_line: bool) -> str:
        """CTAS `parsed`: the fields staging needs, `midx` (the known meter, NULL if
        unknown: a cast to the meters ENUM, so no join and the record order survives as
        rowid), `code` (the first failing rule, 0 if none) and, for rejected rows only, the
        `meter` text and the reported value `shown`."""
        parsed = self.table("parsed")
        if layout.kind == parse.LONG:
            checks = vee.long_checks(self.now_us)
            keep = "midx, ts_us, kwh, quality"
        else:
            checks = vee.wide_line_checks()
            keep = "midx, day_us, date_text, points"
        if with_line:
            keep = f"line, {keep}"
        midx = f"(enum_code(try_cast(meter AS {self.meter_enum})) + 1)::INTEGER"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {parsed} AS SELECT {keep}, code,"
            " CASE WHEN code <> 0 THEN meter END AS meter,"
            f" CASE WHEN code <> 0 THEN {vee.shown_sql(checks, 'code')} END AS shown"
            f" FROM (SELECT *, {vee.code_sql(checks)} AS code"
            f" FROM (SELECT *, {midx} AS midx FROM ({fields})))"
        )
        return parsed

    def _split(self, file_id: int, layout: parse.Layout, parsed: str, line: str) -> None:
        """Rejected rows to `rejects`, accepted ones to `stage`; `line` is SQL of the line
        number over `parsed p`."""
        con = self.con
        long = layout.kind == parse.LONG
        # Sources read typed keep no text of ts/kwh; their few rejected values are shown
        # from the parsed value instead.
        shown = f"coalesce(shown, {vee.parsed_value_sql()})" if long else "shown"
        con.execute(
            f"INSERT INTO {self.rejects} SELECT {file_id}, {line}, 0, code, meter, {shown}"
            f" FROM {parsed} p WHERE code <> 0"
        )
        if long:
            con.execute(
                f"INSERT INTO {self.stage} SELECT midx, ts_us, kwh, quality,"
                f" ({file_id}::BIGINT << 40) + (({line}) << 7) FROM {parsed} p WHERE code = 0"
            )
            return
        point_checks = vee.wide_point_checks(self.now_us)
        good_lines = (
            f"SELECT {line} AS line, p.day_us, p.date_text, p.points, p.midx"
            f" FROM {parsed} p WHERE p.code = 0"
        )
        points = self.table("points")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {points} AS SELECT midx, line, point, ts_us,"
            f" kwh, quality, code, CASE WHEN code <> 0 THEN {vee.shown_sql(point_checks)} END"
            f" AS shown FROM (SELECT *, {vee.code_sql(point_checks)} AS code"
            f" FROM ({parse.wide_points_sql(good_lines)}))"
        )
        con.execute(
            f"INSERT INTO {self.stage} SELECT midx, ts_us, kwh, quality,"
            f" ({file_id}::BIGINT << 40) + (line << 7) + point FROM {points} WHERE code = 0"
        )
        con.execute(
            f"INSERT INTO {self.rejects} SELECT {file_id}, p.line, p.point, p.code,"
            f" m.meter_id, p.shown FROM {points} p JOIN {self.meters} m ON p.midx = m.midx"
            " WHERE p.code <> 0"
        )
        self.drop(points)

    def _stage_fields(self, file_id: int, layout: parse.Layout, fields: str) -> None:
        """Both phases for a source whose fields carry `line`."""
        parsed = self._parse(layout, fields, with_line=True)
        self.rows_read += self.count(parsed)
        self._split(file_id, layout, parsed, "p.line")
        self.drop(parsed)

    def stage_file(self, file_id: int, path: Path) -> None:
        """Parse one file into the staging tables (FileFormatError for whole-file faults)."""
        self.files.append(path.name)
        if path.name.lower().endswith(parse.PARQUET_SUFFIXES):
            layout, originals, types = parse.read_parquet_layout(self.con, path)
            relation = parse.parquet_source_sql(path)
            self._stage_table(file_id, layout, originals, types, relation, "file_row_number + 1")
            return
        layout, delimiter = parse.read_csv_header(path)
        expected = parse.count_lines(path)
        if expected is not None and self._stage_csv_fast(
            file_id, path, layout, delimiter, expected
        ):
            return
        self._stage_csv_exact(file_id, path, layout, delimiter)

    def _stage_csv_fast(
        self, file_id: int, path: Path, layout: parse.Layout, delimiter: str, expected: int
    ) -> bool:
        """DuckDB's parallel CSV reader (typed for the long layout); line = record number + 2
        + lines set aside before it, and the set-aside lines are parsed again from their
        text. Valid only if every physical line is accounted for (no blank lines, no quoted
        line breaks): otherwise returns False and nothing is staged."""
        rejects, scans = self.table("csv_rejects"), self.table("csv_scans")
        self.drop(rejects, scans)
        long = layout.kind == parse.LONG
        relation = parse.native_csv_sql(path, layout, delimiter, rejects, scans, typed=long)
        if long:
            fields = parse.long_typed_csv_fields_sql(relation, layout)
        else:
            names = {n: n for n in layout.names}
            types = dict.fromkeys(layout.names, "VARCHAR")
            fields = parse.wide_table_lines_sql(relation, names, types, "NULL::BIGINT")
        try:
            parsed = self._parse(layout, fields, with_line=False)
            set_aside = parse.read_csv_rejects(self.con, rejects)
        except duckdb.IOException:
            raise
        except duckdb.Error:  # e.g. a quote left open at the end: the exact path reports it
            self.drop(self.table("parsed"), rejects, scans)
            return False
        self.drop(rejects, scans)
        records = self.count(parsed)
        skipped = set_aside.skipped
        if (
            set_aside.bad_encoding
            or len(skipped) > _MAX_SKIPPED_FAST
            or 1 + records + len(skipped) != expected
        ):
            self.drop(parsed)
            return False
        # Record r (0-based) sits after the header and the set-aside lines before it.
        before = [line - 2 - j for j, line in enumerate(skipped)]
        line = "p.rowid + 2" + "".join(f" + (p.rowid >= {b})::BIGINT" for b in before)
        self.rows_read += records
        self._split(file_id, layout, parsed, line)
        self.drop(parsed)
        if set_aside.lines:
            again = self.table("set_aside")
            self.con.execute(parse.set_aside_lines_sql(again, set_aside.lines))
            if long:
                fields = parse.long_csv_fields_sql(again, layout, delimiter, numbered=True)
            else:
                fields = parse.wide_csv_lines_sql(again, layout, delimiter, numbered=True)
            self._stage_fields(file_id, layout, fields)
            self.drop(again)
        return True

    def _stage_csv_exact(
        self, file_id: int, path: Path, layout: parse.Layout, delimiter: str
    ) -> None:
        """Line by line (exact physical line numbers for any file)."""
        lines = self.table("lines")
        parse.load_csv_lines(self.con, path, lines)
        try:
            if layout.kind == parse.LONG:
                fields = parse.long_csv_fields_sql(lines, layout, delimiter)
            else:
                fields = parse.wide_csv_lines_sql(lines, layout, delimiter)
            self._stage_fields(file_id, layout, fields)
        finally:
            self.drop(lines)

    def _stage_table(
        self,
        file_id: int,
        layout: parse.Layout,
        originals: dict[str, str],
        types: dict[str, str],
        relation: str,
        line_sql: str,
    ) -> None:
        if layout.kind == parse.LONG:
            fields = parse.long_table_fields_sql(relation, originals, types, line_sql)
        else:
            fields = parse.wide_table_lines_sql(relation, originals, types, line_sql)
        self._stage_fields(file_id, layout, fields)

    def stage_arrow(self, file_id: int, table: pa.Table, source: str) -> None:
        """Stage an Arrow table of long- or wide-format records (line = record number)."""
        self.files.append(source)
        layout = parse.layout_of(table.column_names, source)
        line_column = "__gc_line"
        numbered = table.append_column(
            line_column, pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
        )
        name = self.table("records")
        self.con.register(name, numbered)
        try:
            types = parse.relation_columns(self.con, name)
            types.pop(line_column)
            originals = dict(zip(layout.names, table.column_names, strict=True))
            self._stage_table(file_id, layout, originals, types, name, line_column)
        finally:
            self.con.unregister(name)

    # --- after staging ---

    def _report_rejections(self, report: IngestReport, path: Path | None) -> None:
        names = self.files or [""]  # VALUES needs a row; no file, no rejection anyway
        files = ", ".join(f"({i}, {sql_str(name)})" for i, name in enumerate(names))
        query = (
            "SELECT files.source, r.line, r.meter AS meter_id, findings.code,"
            " findings.message, r.value"
            f" FROM {self.rejects} r JOIN (VALUES {files}) AS files(file_id, source) USING (file_id)"
            f" JOIN {vee.findings_values_sql()} ON r.code = findings.number"
            " ORDER BY r.file_id, r.line, r.point"
        )
        rows = self.con.execute(f"{query} LIMIT {REJECTIONS_IN_MEMORY}").fetchall()
        report.rejections = [Rejection(*row) for row in rows]
        by_code = self.con.execute(
            f"SELECT findings.code, count(*) FROM {self.rejects} r"
            f" JOIN {vee.findings_values_sql()} ON r.code = findings.number"
            " GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        report.by_code = {str(code): int(n) for code, n in by_code}
        report.rejected = sum(report.by_code.values())
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f".{path.name}.{self.batch_id}.tmp")
            try:
                self.con.execute(f"COPY ({query}) TO {sql_str(temp)} (FORMAT csv, HEADER true)")
                os.replace(temp, path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
            report.reject_report = str(path)

    def finish(self, reject_report: str | os.PathLike[str] | None) -> IngestReport:
        report = IngestReport(batch_id=self.batch_id, files=list(self.files))
        report.rows_read = self.rows_read
        self.report_progress("validate", 0, 1)
        self._report_rejections(report, Path(reject_report) if reject_report else None)
        report.accepted = self.count(self.stage)
        groups = self._group()
        report.duplicates = self._dedupe(groups)
        self.report_progress("validate", 1, 1)
        if report.accepted:
            with self.store.lock():
                self._merge(groups, report)
        return report

    def _group(self) -> str:
        """CTAS `groups`: the batch per meter and partition day."""
        groups = self.table("groups")
        a = schema.QUALITY_ACTUAL
        self.con.execute(
            f"CREATE TEMP TABLE {groups} AS SELECT midx, day, count(*) AS n,"
            " bit_or(1::HUGEINT << slot::HUGEINT) AS slots,"
            f" max(kwh) FILTER (WHERE quality = '{a}') AS max_actual,"
            " min(ts_us) AS lo, max(ts_us) AS hi"
            f" FROM (SELECT midx, ts_us, kwh, quality, {day_num_sql('ts_us')} AS day,"
            f" (ts_us + {_SHIFT_US}) // {INTERVAL_US} - {day_num_sql('ts_us')}::BIGINT * {schema.INTERVALS_PER_DAY} AS slot"
            f" FROM {self.stage}) GROUP BY midx, day"
        )
        return groups

    def _dedupe(self, groups: str) -> int:
        """Within the batch the last line wins: delete the earlier readings of a key."""
        n = fetch_one(self.con, f"SELECT sum(n - bit_count(slots)) FROM {groups}")[0]
        duplicates = int(n or 0)
        if not duplicates:
            return 0
        con = self.con
        superseded = self.table("superseded")
        con.execute(
            f"CREATE TEMP TABLE {superseded} AS SELECT s.seq FROM {self.stage} s"
            f" SEMI JOIN (SELECT midx, day FROM {groups} WHERE n > bit_count(slots)) g"
            f" ON s.midx = g.midx AND {day_num_sql('s.ts_us')} = g.day"
            " QUALIFY row_number() OVER (PARTITION BY s.midx, s.ts_us ORDER BY s.seq DESC) > 1"
        )
        con.execute(f"DELETE FROM {self.stage} WHERE seq IN (SELECT seq FROM {superseded})")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {groups} AS SELECT * REPLACE"
            f" (least(n, bit_count(slots)) AS n) FROM {groups}"
        )
        self.drop(superseded)
        return duplicates

    def _merge(self, groups: str, report: IngestReport) -> None:
        con, t = self.con, self.thresholds
        self.report_progress("merge", 0, 1)
        first, last = (
            date(1970, 1, 1) + timedelta(days=int(d))
            for d in fetch_one(con, f"SELECT min(day), max(day) FROM {groups}")
        )
        wanted_from = first - timedelta(days=t.history_days + 1)
        wanted_to = last + timedelta(days=1)
        stored_days = [d for d in self.store.days() if wanted_from <= d <= wanted_to]

        # Stored readings of the batch meters around the batch; `history`: those the batch
        # does not replace (spike window, gap ends).
        stored = history = None
        if stored_days:
            stored, history = self.table("stored"), self.table("history")
            con.execute(
                f"CREATE TEMP TABLE {stored} AS SELECT m.midx, epoch_us(r.ts) AS ts_us, r.kwh,"
                f" r.quality::{QUALITY_TYPE} AS quality, r.batch_id"
                f" FROM {readings_sql(self.store.day_path(d) for d in stored_days)} r"
                f" JOIN {self.meters} m ON r.meter_id = m.meter_id"
                f" WHERE m.midx IN (SELECT DISTINCT midx FROM {groups})"
            )
            con.execute(
                f"CREATE TEMP TABLE {history} AS SELECT s.* FROM {stored} s"
                f" ANTI JOIN {self.stage} b ON s.midx = b.midx AND s.ts_us = b.ts_us"
            )
        history_sql = history or (
            f"(SELECT NULL::INTEGER AS midx, NULL::BIGINT AS ts_us, NULL::DOUBLE AS kwh,"
            f" NULL::{QUALITY_TYPE} AS quality, NULL::VARCHAR AS batch_id WHERE false)"
        )

        # Spikes: actual readings above the meter's threshold become suspect.
        candidates = self.table("candidates")
        con.execute(f"CREATE TEMP TABLE {candidates} AS {vee.spike_candidates(groups, t)}")
        if self.count(candidates):
            # Delete and insert again rather than UPDATE: an UPDATE … FROM of the ENUM column
            # on the 57.6 M-row stage once left two readings with quality '' (DuckDB 2.0.0).
            suspects = self.table("suspects")
            con.execute(
                f"CREATE TEMP TABLE {suspects} AS SELECT b.midx, b.ts_us, b.kwh,"
                f" '{schema.QUALITY_SUSPECT}'::{QUALITY_TYPE} AS quality, b.seq"
                f" FROM {self.stage} b"
                f" JOIN ({vee.check_spike(self.stage, history_sql, candidates, t)}) AS thr"
                f" ON b.midx = thr.midx"
                f" WHERE b.quality = '{schema.QUALITY_ACTUAL}' AND b.kwh > thr.threshold"
            )
            con.execute(f"DELETE FROM {self.stage} WHERE seq IN (SELECT seq FROM {suspects})")
            con.execute(f"INSERT INTO {self.stage} SELECT * FROM {suspects}")
            self.drop(suspects)
        self.drop(candidates)
        report.suspect = self.count(f"{self.stage} WHERE quality = '{schema.QUALITY_SUSPECT}'")

        # Last write wins against the store; unchanged readings keep their stored row.
        distinct = self.count(self.stage)
        if stored is not None:
            changes = self.table("changes")
            con.execute(
                f"CREATE TEMP TABLE {changes} AS SELECT b.midx, b.ts_us, b.kwh, b.quality,"
                " s.kwh AS old_kwh, s.quality AS old_quality, s.batch_id AS old_batch_id,"
                " s.ts_us IS NOT NULL AS had_old"
                f" FROM {self.stage} b LEFT JOIN {stored} s ON b.midx = s.midx AND b.ts_us = s.ts_us"
                " WHERE s.ts_us IS NULL OR s.kwh <> b.kwh OR s.quality <> b.quality"
            )
            inserted, replaced = fetch_one(
                con,
                "SELECT count(*) FILTER (WHERE NOT had_old),"
                f" count(*) FILTER (WHERE had_old AND kwh <> old_kwh) FROM {changes}",
            )
            report.inserted, report.edited = int(inserted), int(replaced)
            report.unchanged = distinct - report.inserted - report.edited
            changed = (
                "SELECT midx, ts_us, kwh, quality, old_kwh, old_quality, old_batch_id, had_old"
                f" FROM {changes}"
            )
            self.drop(stored)
        else:
            report.inserted = distinct
            changed = (
                "SELECT midx, ts_us, kwh, quality, NULL::DOUBLE AS old_kwh,"
                f" NULL::{QUALITY_TYPE} AS old_quality, NULL::VARCHAR AS old_batch_id,"
                f" false AS had_old FROM {self.stage}"
            )

        # Gaps: short runs of missing intervals next to the batch's readings.
        if t.max_gap_fill > 0:
            fills = self._estimate(groups, history_sql)
            report.estimated = self.count(fills)
            changed += (
                " UNION ALL SELECT midx, ts_us, kwh, quality, old_kwh, old_quality,"
                f" old_batch_id, had_old FROM {fills}"
            )
        self.report_progress("merge", 1, 1)
        self._write(changed, report, has_stored=stored is not None)

    def _estimate(self, groups: str, history: str) -> str:
        """CTAS `fills`: estimated readings to write (new, or a different stored value)."""
        con, e = self.con, schema.QUALITY_ESTIMATED
        per_day = schema.INTERVALS_PER_DAY
        span = (self.thresholds.max_gap_fill + 1) * INTERVAL_US
        # Only readings that can end a gap: all of a day with missing intervals, and the
        # first/last interval of a complete day whose neighbour day is not complete.
        ends = self.table("gap_ends")
        con.execute(
            f"CREATE TEMP TABLE {ends} AS SELECT g.midx, g.day, g.n < {per_day} AS open,"
            f" CASE WHEN p.n IS DISTINCT FROM {per_day} THEN g.lo END AS first_end,"
            f" CASE WHEN f.n IS DISTINCT FROM {per_day} THEN g.hi END AS last_end"
            f" FROM {groups} g"
            f" LEFT JOIN {groups} p ON p.midx = g.midx AND p.day = g.day - 1"
            f" LEFT JOIN {groups} f ON f.midx = g.midx AND f.day = g.day + 1"
            f" WHERE g.n < {per_day} OR p.n IS DISTINCT FROM {per_day}"
            f" OR f.n IS DISTINCT FROM {per_day}"
        )
        batch_points = (
            f"SELECT s.midx, s.ts_us, s.kwh, true AS in_batch FROM {self.stage} s"
            f" JOIN {ends} g ON s.midx = g.midx AND {day_num_sql('s.ts_us')} = g.day"
            f" WHERE s.quality <> '{e}'"
            " AND (g.open OR s.ts_us = g.first_end OR s.ts_us = g.last_end)"
        )
        stored_points = (
            f"SELECT h.midx, h.ts_us, h.kwh, false FROM {history} h"
            f" JOIN (SELECT midx, min(lo) - {span} AS lo, max(hi) + {span} AS hi FROM {groups}"
            " GROUP BY midx) r ON h.midx = r.midx AND h.ts_us BETWEEN r.lo AND r.hi"
            f" WHERE h.quality <> '{e}'"
        )
        # A gap lies strictly between two consecutive measured readings, so the only batch
        # readings it can meet are estimates given by the source (quality E): those stay.
        estimates = self.table("estimates")
        points = f"({batch_points} UNION ALL {stored_points})"
        con.execute(
            f"CREATE TEMP TABLE {estimates} AS SELECT f.* FROM"
            f" ({vee.estimate_gaps(points, self.thresholds)}) f ANTI JOIN"
            f" (SELECT midx, ts_us FROM {self.stage} WHERE quality = '{e}') s"
            " ON s.midx = f.midx AND s.ts_us = f.ts_us"
        )
        fills = self.table("fills")
        con.execute(
            f"CREATE TEMP TABLE {fills} AS SELECT f.midx, f.ts_us, f.kwh,"
            f" '{e}'::{QUALITY_TYPE} AS quality, h.kwh AS old_kwh, h.quality AS old_quality,"
            " h.batch_id AS old_batch_id, h.ts_us IS NOT NULL AS had_old"
            f" FROM {estimates} f LEFT JOIN {history} h ON f.midx = h.midx AND f.ts_us = h.ts_us"
            f" WHERE h.ts_us IS NULL OR h.kwh <> f.kwh OR h.quality <> '{e}'"
        )
        self.drop(ends, estimates)
        return fills

    def _meter_names(self) -> str:
        """CTAS (midx, meter_id as an ENUM of the known meters, name VARCHAR): DuckDB writes
        an ENUM column to Parquet as a plain dictionary-encoded string without hashing each
        value again."""
        names, enum = self.table("meter_names"), self.meter_enum
        self.con.execute(
            f"CREATE TEMP TABLE {names} AS SELECT midx, meter_id::{enum} AS meter_id,"
            f" meter_id AS name FROM {self.meters}"
        )
        return names

    def _write(self, changed: str, report: IngestReport, *, has_stored: bool) -> None:
        """Rewrite every day partition with changes; edit-log parts; commit together."""
        con = self.con
        day_nums = [
            int(r[0])
            for r in con.execute(
                f"SELECT DISTINCT {day_num_sql('ts_us')} FROM ({changed}) ORDER BY 1"
            ).fetchall()
        ]
        report.days = [date(1970, 1, 1) + timedelta(days=d) for d in day_nums]
        if not day_nums:
            return
        names = self._meter_names()
        batch = f"{sql_str(self.batch_id)}::ENUM({sql_str(self.batch_id)})"
        columns = ", ".join(schema.READING_COLUMNS)
        named = (
            f"SELECT n.meter_id, n.name, make_timestamptz(c.ts_us) AS ts, c.kwh, c.quality,"
            f" {batch} AS batch_id, c.midx, c.ts_us, c.old_kwh, c.old_quality,"
            f" c.old_batch_id, c.had_old FROM ({changed}) c JOIN {names} n ON c.midx = n.midx"
        )
        edited_at = f"make_timestamptz({self.now_us})"
        with Transaction(tag=self.batch_id) as tx:
            for i, (day_num, day) in enumerate(zip(day_nums, report.days, strict=True)):
                self.report_progress("write", i, len(day_nums))
                lo, hi = _day_bounds_us(day_num)
                new = f"SELECT * FROM ({named}) WHERE ts_us BETWEEN {lo} AND {hi}"
                path = self.store.day_path(day)
                if path.is_file():  # merge: stored rows not replaced + new rows, by name
                    query = (
                        f"SELECT {columns} FROM read_parquet({sql_str(path)}) s"
                        f" ANTI JOIN ({new}) n ON s.meter_id = n.name AND s.ts = n.ts"
                        f" UNION ALL SELECT name AS meter_id, ts, kwh, quality::VARCHAR,"
                        f" batch_id::VARCHAR FROM ({new}) ORDER BY meter_id, ts"
                    )
                else:
                    query = f"SELECT {columns} FROM ({new}) ORDER BY midx, ts_us"
                tx.write_parquet(con, query, path)
                if not has_stored:
                    continue
                edits = (
                    "SELECT name AS meter_id, ts, old_kwh, kwh AS new_kwh,"
                    " old_quality::VARCHAR AS old_quality, quality::VARCHAR AS quality,"
                    f" old_batch_id, batch_id::VARCHAR AS batch_id, {edited_at} AS edited_at"
                    f" FROM ({new}) WHERE had_old AND kwh <> old_kwh"
                )
                if self.count(f"({edits})"):
                    tx.write_parquet(
                        con,
                        f"SELECT {', '.join(EDIT_COLUMNS)} FROM ({edits}) ORDER BY meter_id, ts",
                        self.store.edits_path(day, self.batch_id),
                    )
            self.report_progress("write", len(day_nums), len(day_nums))
