"""Staging an import: one DuckDB connection, temporary tables named per import, and every
source (CSV, Parquet, Arrow; long or wide) parsed, checked and split into `stage` (accepted
readings) and `rejects`. `merge.Batch` carries on from there; `ingest` is the entry point and
describes the whole pipeline.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, Self

import duckdb
import numpy as np
import pyarrow as pa

from gridcare.metering.engine import parse, parse_csv, parse_tables, schema, vee
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


_MAX_SKIPPED_FAST = 64  # more broken lines than this: take the exact line-by-line path
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
    to `rejects`, after which `stage` holds accepted readings only; `seq_sql` orders them
    all. After staging: `groups` (per meter and day: count, slot bitmap, max actual kWh,
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

    # --- staging: phase 1 parses a source into `parsed` (no join, so a CSV's record order
    # survives as rowid), phase 2 joins the known meters and splits it into `stage` and
    # `rejects` ---

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

    def stage_file(self, file_id: int, path: Path) -> None:
        """Parse one file into the staging tables (FileFormatError for whole-file faults)."""
        self.files.append(path.name)
        if path.name.lower().endswith(parse.PARQUET_SUFFIXES):
            layout, originals, types = parse_tables.read_parquet_layout(self.con, path)
            relation = parse_tables.parquet_source_sql(path)
            self._stage_table(file_id, layout, originals, types, relation, "file_row_number + 1")
            return
        layout, delimiter = parse_csv.read_csv_header(path)
        expected = parse_csv.count_lines(path)
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
        relation = parse_csv.native_csv_sql(path, layout, delimiter, rejects, scans, typed=long)
        if long:
            fields = parse_csv.long_typed_csv_fields_sql(relation, layout)
        else:
            names = {n: n for n in layout.names}
            types = dict.fromkeys(layout.names, "VARCHAR")
            fields = parse_tables.wide_table_lines_sql(relation, names, types, "NULL::BIGINT")
        parsed = self.table("parsed")
        first = self._next_rowid()
        try:
            if long:
                records = self._insert_direct(layout, fields, first)
            else:
                self._parse(layout, fields, with_line=False)
                records = self.count(parsed)
            set_aside = parse_csv.read_csv_rejects(self.con, rejects)
        except duckdb.IOException:
            raise
        except duckdb.Error:  # e.g. a quote left open at the end: the exact path reports it
            self._unstage(first)
            self.drop(parsed, rejects, scans)
            return False
        self.drop(rejects, scans)
        skipped = set_aside.skipped
        if (
            set_aside.bad_encoding
            or len(skipped) > _MAX_SKIPPED_FAST
            or 1 + records + len(skipped) != expected
        ):
            self._unstage(first)
            self.drop(parsed)
            return False
        # Record r (0-based) sits after the header and the set-aside lines before it.
        before = tuple(line - 2 - j for j, line in enumerate(skipped))
        self.rows_read += records
        if long:
            self.direct_files.append(DirectFile(file_id, first, first + records - 1, before))
        else:
            line = "p.rowid + 2" + "".join(f" + (p.rowid >= {b})::BIGINT" for b in before)
            self._split(file_id, layout, parsed, line)
            self.drop(parsed)
        if set_aside.lines:
            again = self.table("set_aside")
            self.con.execute(parse_csv.set_aside_lines_sql(again, set_aside.lines))
            if long:
                fields = parse_csv.long_csv_fields_sql(again, layout, delimiter, numbered=True)
            else:
                fields = parse_csv.wide_csv_lines_sql(again, layout, delimiter, numbered=True)
            self._stage_fields(file_id, layout, fields)
            self.drop(again)
        return True

    def _next_rowid(self) -> int:
        return int(fetch_one(self.con, f"SELECT coalesce(max(rowid) + 1, 0) FROM {self.stage}")[0])

    def _insert_direct(self, layout: parse.Layout, fields: str, first: int) -> int:
        """Append a long source's parsed rows to `stage` in record order, rejected ones
        too (copying 2 M rows from a `parsed` table cost a fifth of the import), from rowid
        `first` on; returns the number of records."""
        parsed = self._parsed_sql(layout, fields, with_line=False)
        records = int(
            fetch_one(
                self.con,
                f"INSERT INTO {self.stage} (midx, ts_us, kwh, quality, code, meter, shown)"
                f" {parsed}",
            )[0]
        )
        placed = fetch_one(
            self.con, f"SELECT count(*), max(rowid) FROM {self.stage} WHERE rowid >= {first}"
        )
        if records and tuple(placed) != (records, first + records - 1):  # line numbers need it
            raise RuntimeError(f"staged rows are not contiguous from rowid {first}: {placed}")
        return records

    def _unstage(self, first: int) -> None:
        """Remove what the fast path appended for a file before it fell back."""
        self.con.execute(f"DELETE FROM {self.stage} WHERE rowid >= {first}")

    def _stage_csv_exact(
        self, file_id: int, path: Path, layout: parse.Layout, delimiter: str
    ) -> None:
        """Line by line (exact physical line numbers for any file)."""
        lines = self.table("lines")
        parse_csv.load_csv_lines(self.con, path, lines)
        try:
            if layout.kind == parse.LONG:
                fields = parse_csv.long_csv_fields_sql(lines, layout, delimiter)
            else:
                fields = parse_csv.wide_csv_lines_sql(lines, layout, delimiter)
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
            fields = parse_tables.long_table_fields_sql(relation, originals, types, line_sql)
        else:
            fields = parse_tables.wide_table_lines_sql(relation, originals, types, line_sql)
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
            types = parse_tables.relation_columns(self.con, name)
            types.pop(line_column)
            originals = dict(zip(layout.names, table.column_names, strict=True))
            self._stage_table(file_id, layout, originals, types, name, line_column)
        finally:
            self.con.unregister(name)

    # --- after staging ---

    def settle(self) -> None:
        """Move the rejected rows of the files staged directly to `rejects` (with their
        line numbers); `stage` then holds accepted readings only. Creates the `direct`
        table (file_id, first, last, before) that `seq_sql` joins."""
        rows = [
            f"({d.file_id}, {d.first}, {d.last}, [{', '.join(map(str, d.before))}]::BIGINT[])"
            for d in self.direct_files
        ]
        values = f"VALUES {', '.join(rows)}" if rows else "SELECT 0, 0, 0, []::BIGINT[] WHERE false"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {self.direct} (file_id INTEGER, first BIGINT,"
            " last BIGINT, before BIGINT[])"
        )
        self.con.execute(f"INSERT INTO {self.direct} {values}")
        if not rows:
            return
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

    def seq_join(self, s: str, f: str) -> str:
        """The join that `seq_sql(s, f)` needs after a relation `s` of stage rows with their
        rowid as `rid` (after `settle`; keep `s` small: the join is on ranges)."""
        return (
            f"LEFT JOIN {self.direct} {f} ON {s}.seq IS NULL"
            f" AND {s}.rid BETWEEN {f}.first AND {f}.last"
        )

    def seq_sql(self, s: str, f: str) -> str:
        """SQL: the order of stage row `s` in the batch (file, line, point), see `seq_join`."""
        line = self._direct_line_sql(s, f)
        return f"coalesce({s}.seq, ({f}.file_id::BIGINT << 40) + ({line} << 7))"
