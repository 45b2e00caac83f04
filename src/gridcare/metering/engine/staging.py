"""Staging an import: one DuckDB connection, temporary tables named per import, the
primitives that parse and check a source's fields into `stage` (readings) and `rejects`,
and `settle`, after which `stage` holds accepted readings only. `sources` feeds each kind of
source through them, `merge.Batch` carries on from there; `ingest` is the entry point and
describes the whole pipeline.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Self

import duckdb
import pyarrow as pa

from gridcare.metering.engine import parse, schema, vee
from gridcare.metering.engine.io import Store, check_batch_id, fetch_one, sql_str
from gridcare.metering.engine.parse import INTERVAL_US, QUALITY_TYPE
from gridcare.metering.engine.report import Progress
from gridcare.metering.engine.vee import VeeThresholds

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
SHIFT_US: Final = schema.CHINA_UTC_OFFSET_MINUTES * 60 * 1_000_000 - INTERVAL_US


def day_num_sql(ts_us: str) -> str:
    """SQL: the partition day (days since 1970-01-01) of an interval ending at `ts_us`: the
    Beijing day of the interval START."""
    return f"(({ts_us} + {SHIFT_US}) // {vee.DAY_US})::INTEGER"  # ts_us ≥ 0 (vee)


def _epoch_us(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return (moment - _EPOCH) // timedelta(microseconds=1)


def day_bounds_us(day_num: int) -> tuple[int, int]:
    """First and last interval end (µs) of partition day `day_num`."""
    first = day_num * vee.DAY_US - SHIFT_US
    return first, first + (schema.INTERVALS_PER_DAY - 1) * INTERVAL_US


_SEQ_COLUMNS: Final = "midx, ts_us, kwh, quality, seq"  # rows staged with their `seq`


@dataclass(frozen=True)
class DirectFile:
    """A long CSV staged straight from the reader: its records are the stage rows with
    rowids `first`..`last`, in record order; `before[j]` is the record the j-th line set
    aside by the reader came before, so record r sits on line r + 2 + #{j: before[j] <= r}.
    (No file column: 4 bytes × 57.6 M rows of L.)"""

    file_id: int
    first: int
    last: int
    before: tuple[int, ...]


class Staging:
    """One import's temp tables on one DuckDB connection (names unique to this import).

    Staged tables: `stage` (midx, ts_us, kwh, quality, seq, code, meter, shown)
    the readings, `seq` ordering them by file, line and point; `rejects` (file_id, line,
    point, code, meter, value). A long CSV read on the fast path goes straight into `stage`,
    rejected rows too (`code` <> 0, with `meter` and `shown`) and without `seq`: its record
    order is the stage's rowid order (`DirectFile`). `settle` then moves those rejected rows
    to `rejects`, after which `stage` holds accepted readings only; `in_batch_order` orders
    them all. After staging: `groups` (per meter and day: count, slot bitmap, max actual kWh,
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
        self.direct_files: list[DirectFile] = []
        self._restore: list[str] = []
        self._meter_ids = meters
        self.meters = self.table("meters")
        self.meter_enum = f"{self.prefix}_meter_enum"
        self.stage = self.table("stage")
        self.rejects = self.table("rejects")
        self.direct = self.table("direct_files")

    # --- lifecycle ---

    def __enter__(self) -> Self:
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
        bar = fetch_one(self.con, "SELECT current_setting('enable_progress_bar')")
        if bar and bar[0]:  # callers show their own progress; see also `io.write_day_checked`
            self.con.execute("SET enable_progress_bar = false")
            self._restore.append("SET enable_progress_bar = true")
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
            f" quality {QUALITY_TYPE}, seq BIGINT, code UTINYINT DEFAULT 0,"
            " meter VARCHAR, shown VARCHAR)"
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

    # --- primitives of `sources`: a source's fields parsed and checked, into `parsed` and
    # split into `stage` and `rejects` ---

    def _parse(self, layout: parse.Layout, fields: str, *, with_line: bool) -> str:
        """CTAS `parsed` of `_parsed_sql`: the record order survives as rowid."""
        parsed = self.table("parsed")
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {parsed} AS"
            f" {self._parsed_sql(layout, fields, with_line=with_line)}"
        )
        return parsed

    def _parsed_sql(self, layout: parse.Layout, fields: str, *, with_line: bool) -> str:
        """SELECT of the fields staging needs, `midx` (the known meter, NULL if unknown: a
        cast to the meters ENUM, so no join), `code` (the first failing rule, 0 if none)
        and, for rejected rows only, the `meter` text and the reported value `shown`."""
        if layout.kind == parse.LONG:
            checks = vee.long_checks(self.now_us)
            keep = "midx, ts_us, kwh, quality"
        else:
            checks = vee.wide_line_checks()
            keep = "midx, day_us, date_text, points"
        if with_line:
            keep = f"line, {keep}"
        midx = f"(enum_code(try_cast(meter AS {self.meter_enum})) + 1)::INTEGER"
        return (
            f"SELECT {keep}, code,"
            " CASE WHEN code <> 0 THEN meter END AS meter,"
            f" CASE WHEN code <> 0 THEN {vee.shown_sql(checks, 'code')} END AS shown"
            f" FROM (SELECT *, {vee.code_sql(checks)} AS code"
            f" FROM (SELECT *, {midx} AS midx FROM ({fields})))"
        )

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
                f"INSERT INTO {self.stage} ({_SEQ_COLUMNS}) SELECT midx, ts_us, kwh, quality,"
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
            f"INSERT INTO {self.stage} ({_SEQ_COLUMNS}) SELECT midx, ts_us, kwh, quality,"
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

    # --- after staging ---

    def settle(self) -> None:
        """Move the rejected rows of the files staged directly to `rejects` (with their
        line numbers); `stage` then holds accepted readings only. Creates the `direct`
        table (file_id, first, last, before) that `in_batch_order` joins."""
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {self.direct} (file_id INTEGER, first BIGINT,"
            " last BIGINT, before BIGINT[])"
        )
        if not self.direct_files:
            return
        rows = ", ".join(
            f"({d.file_id}, {d.first}, {d.last}, [{', '.join(map(str, d.before))}]::BIGINT[])"
            for d in self.direct_files
        )
        self.con.execute(f"INSERT INTO {self.direct} VALUES {rows}")
        self.con.execute(
            f"INSERT INTO {self.rejects} SELECT f.file_id, {self._direct_line_sql('s', 'f')}, 0,"
            f" s.code, s.meter, coalesce(s.shown, {vee.parsed_value_sql('s.code')})"
            f" FROM (SELECT rowid AS rid, * FROM {self.stage} WHERE code <> 0) s"
            f" JOIN {self.direct} f ON s.rid BETWEEN f.first AND f.last"
        )
        self.con.execute(f"DELETE FROM {self.stage} WHERE code <> 0")

    @staticmethod
    def _direct_line_sql(s: str, f: str) -> str:
        """SQL: the line of stage row `s` (its rowid as `rid`) of a directly staged file
        `f` (`DirectFile`)."""
        record = f"({s}.rid - {f}.first)"
        return f"({record} + 2 + len(list_filter({f}.before, lambda b: b <= {record})))"

    def in_batch_order(self, rows: str) -> str:
        """SQL: `rows` (a small relation of stage rows with their rowid as `rid` and their
        `seq`; after `settle`) with `batch_order`, their order in the batch (file, line,
        point). Directly staged rows have no `seq`: their line comes from their rowid."""
        line = self._direct_line_sql("s", "f")
        return (
            f"SELECT s.*, coalesce(s.seq, (f.file_id::BIGINT << 40) + ({line} << 7))"
            f" AS batch_order FROM ({rows}) s LEFT JOIN {self.direct} f"
            " ON s.seq IS NULL AND s.rid BETWEEN f.first AND f.last"
        )
