"""Staging: a source's parsed fields, checked by the row rules of `vee`, split into `stage`
(accepted readings) and `rejects` (with their line numbers). `sources` feeds every kind of
source through `stage_fields` (or, for a long CSV, straight into `stage`: `DirectFile`);
`settle` ends staging. `ingest` describes the whole pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import pyarrow as pa

from gridcare.metering.engine import parse, vee
from gridcare.metering.engine.parse import QUALITY_TYPE
from gridcare.metering.engine.workspace import Workspace

_SEQ_COLUMNS: Final = "midx, ts_us, kwh, quality, seq"  # rows staged with their `seq`
FILE_SHIFT: Final = 40  # seq = file_id << 40 | line << 7 | point (point ≤ 96 < 128)
LINE_SHIFT: Final = 7


@dataclass(frozen=True)
class DirectFile:
    """A long CSV staged straight from the reader: its records are the stage rows with
    rowids `first`..`last`, in record order; `before[j]` is the record the j-th line set
    aside by the reader came before, so record r sits on line r + 2 + #{j: before[j] <= r}.
    (No file column in `stage`: 4 bytes × 57.6 M rows of L.)"""

    file_id: int
    first: int
    last: int
    before: tuple[int, ...]


@dataclass
class Staging:
    """The tables of one import's staging and what it has read so far.

    - `meters` (meter_id, midx): the known meters, `midx` in meter_id order; `meter_enum`
      the ENUM of their ids in that order (code + 1 = midx: a cast finds a meter, no join);
    - `stage` (midx, ts_us, kwh, quality, seq, code, meter, shown): the readings; `seq`
      orders them by file, line and point. A directly staged file has no `seq` (its record
      order is the rowid order, `DirectFile`) and also stages its rejected rows (`code` <>
      0, with the `meter` and the reported value `shown`) until `settle` moves them;
    - `rejects` (file_id, line, point, code, meter, value).
    """

    ws: Workspace
    now_us: int
    meters: str
    meter_enum: str
    stage: str
    rejects: str
    direct: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    direct_files: list[DirectFile] = field(default_factory=list)


def meters_table(meters: Sequence[str] | pa.Table) -> pa.Table:
    """The known meters as an Arrow table: meter_id, capacity_kva, multiplier (the last two
    NULL where not given; a sequence gives ids only)."""
    if not isinstance(meters, pa.Table):
        meters = pa.table({"meter_id": pa.array([str(m) for m in meters], pa.string())})
    n = meters.num_rows
    columns = {"meter_id": meters.column("meter_id").cast(pa.string())}
    for name in ("capacity_kva", "multiplier"):
        given = name in meters.column_names
        columns[name] = (
            meters.column(name).cast(pa.float64()) if given else pa.nulls(n, pa.float64())
        )
    return pa.table(columns)


def open_staging(ws: Workspace, meters_in: Sequence[str] | pa.Table, now_us: int) -> Staging:
    """Create the known meters (meter_id, midx, capacity_kva, multiplier) and their ENUM,
    `stage` and `rejects`."""
    con = ws.con
    meters, source = ws.table("meters"), ws.table("meters_arrow")
    con.register(source, meters_table(meters_in))
    try:
        con.execute(
            f"CREATE TEMP TABLE {meters} AS SELECT meter_id,"
            " (row_number() OVER (ORDER BY meter_id))::INTEGER AS midx,"
            " capacity_kva, multiplier"
            f" FROM (SELECT meter_id, max(capacity_kva) AS capacity_kva,"
            f" max(multiplier) AS multiplier FROM {source} WHERE meter_id IS NOT NULL"
            " GROUP BY meter_id)"
        )
    finally:
        con.unregister(source)
    enum = ws.enum_type("meter_enum", f"SELECT meter_id FROM {meters} ORDER BY midx")
    st = Staging(
        ws, now_us, meters, enum, ws.table("stage"), ws.table("rejects"), ws.table("direct")
    )
    con.execute(
        f"CREATE TEMP TABLE {st.stage} (midx INTEGER, ts_us BIGINT, kwh DOUBLE,"
        f" quality {QUALITY_TYPE}, seq BIGINT, code UTINYINT DEFAULT 0,"
        " meter VARCHAR, shown VARCHAR)"
    )
    con.execute(
        f"CREATE TEMP TABLE {st.rejects} (file_id INTEGER, line BIGINT, point INTEGER,"
        " code UTINYINT, meter VARCHAR, value VARCHAR)"
    )
    return st


def checked_sql(st: Staging, layout: parse.Layout, fields: str, *, with_line: bool) -> str:
    """SELECT of a source's `fields` (`parse`) with `midx` (the known meter, NULL if
    unknown: a cast to the meters ENUM), `code` (the first failing row rule of `vee`, 0 if
    none) and, for rejected rows only, the `meter` text and the reported value `shown`."""
    if layout.kind == parse.LONG:
        checks = vee.long_checks(st.now_us)
        keep = "midx, ts_us, kwh, quality"
    else:
        checks = vee.wide_line_checks()
        keep = "midx, day_us, date_text, points"
    if with_line:
        keep = f"line, {keep}"
    midx = f"(enum_code(try_cast(meter AS {st.meter_enum})) + 1)::INTEGER"
    return (
        f"SELECT {keep}, code,"
        " CASE WHEN code <> 0 THEN meter END AS meter,"
        f" CASE WHEN code <> 0 THEN {vee.shown_sql(checks, 'code')} END AS shown"
        f" FROM (SELECT *, {vee.code_sql(checks)} AS code"
        f" FROM (SELECT *, {midx} AS midx FROM ({fields})))"
    )


def split(st: Staging, file_id: int, layout: parse.Layout, parsed: str, line: str) -> None:
    """Rows of `parsed` (a table of `checked_sql`): rejected ones to `rejects`, accepted
    ones to `stage`; a wide line's points are unnested and checked here. `line` is the SQL
    of the line number over `parsed p`."""
    con = st.ws.con
    con.execute(
        f"INSERT INTO {st.rejects} SELECT {file_id}, {line}, 0, code, meter, shown"
        f" FROM {parsed} p WHERE code <> 0"
    )
    seq = f"({file_id}::BIGINT << {FILE_SHIFT}) + (({line}) << {LINE_SHIFT})"
    if layout.kind == parse.LONG:
        con.execute(
            f"INSERT INTO {st.stage} ({_SEQ_COLUMNS}) SELECT midx, ts_us, kwh, quality,"
            f" {seq} FROM {parsed} p WHERE code = 0"
        )
        return
    point_checks = vee.wide_point_checks(st.now_us)
    good_lines = (
        f"SELECT {line} AS line, p.day_us, p.date_text, p.points, p.midx"
        f" FROM {parsed} p WHERE p.code = 0"
    )
    points = st.ws.table("points")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {points} AS SELECT midx, line, point, ts_us,"
        f" kwh, quality, code, CASE WHEN code <> 0 THEN {vee.shown_sql(point_checks)} END"
        f" AS shown FROM (SELECT *, {vee.code_sql(point_checks)} AS code"
        f" FROM ({parse.wide_points_sql(good_lines)}))"
    )
    con.execute(
        f"INSERT INTO {st.stage} ({_SEQ_COLUMNS}) SELECT midx, ts_us, kwh, quality,"
        f" ({file_id}::BIGINT << {FILE_SHIFT}) + (line << {LINE_SHIFT}) + point"
        f" FROM {points} WHERE code = 0"
    )
    con.execute(
        f"INSERT INTO {st.rejects} SELECT {file_id}, p.line, p.point, p.code,"
        f" m.meter_id, p.shown FROM {points} p JOIN {st.meters} m ON p.midx = m.midx"
        " WHERE p.code <> 0"
    )
    st.ws.drop(points)


def stage_fields(st: Staging, file_id: int, layout: parse.Layout, fields: str) -> None:
    """Check and split a source whose `fields` carry their `line`."""
    parsed = st.ws.table("parsed")
    st.ws.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {parsed} AS"
        f" {checked_sql(st, layout, fields, with_line=True)}"
    )
    st.rows_read += st.ws.count(parsed)
    split(st, file_id, layout, parsed, "p.line")
    st.ws.drop(parsed)


def settle(st: Staging) -> None:
    """End staging: move the rejected rows of directly staged files to `rejects` (with their
    line numbers). Guarantees: `stage` holds accepted readings only; `direct` (file_id,
    first, last, before) exists for `in_batch_order`."""
    con = st.ws.con
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {st.direct} (file_id INTEGER, first BIGINT,"
        " last BIGINT, before BIGINT[])"
    )
    if not st.direct_files:
        return
    rows = ", ".join(
        f"({d.file_id}, {d.first}, {d.last}, [{', '.join(map(str, d.before))}]::BIGINT[])"
        for d in st.direct_files
    )
    con.execute(f"INSERT INTO {st.direct} VALUES {rows}")
    con.execute(
        f"INSERT INTO {st.rejects} SELECT f.file_id, {_direct_line_sql('s', 'f')}, 0,"
        f" s.code, s.meter, s.shown"
        f" FROM (SELECT rowid AS rid, * FROM {st.stage} WHERE code <> 0) s"
        f" JOIN {st.direct} f ON s.rid BETWEEN f.first AND f.last"
    )
    con.execute(f"DELETE FROM {st.stage} WHERE code <> 0")


def _direct_line_sql(s: str, f: str) -> str:
    """SQL: the line of stage row `s` (its rowid as `rid`) of a directly staged file `f`."""
    record = f"({s}.rid - {f}.first)"
    return f"({record} + 2 + len(list_filter({f}.before, lambda b: b <= {record})))"


def in_batch_order(st: Staging, rows: str) -> str:
    """SQL: `rows` (a small relation of stage rows with their rowid as `rid` and their
    `seq`; after `settle`) with `batch_order`, their order in the batch (the `seq` layout:
    file, line, point). Directly staged rows have no `seq`: their line comes from their
    rowid."""
    line = _direct_line_sql("s", "f")
    return (
        f"SELECT s.*, coalesce(s.seq, (f.file_id::BIGINT << {FILE_SHIFT}) + ({line} << {LINE_SHIFT}))"
        f" AS batch_order FROM ({rows}) s LEFT JOIN {st.direct} f"
        " ON s.seq IS NULL AND s.rid BETWEEN f.first AND f.last"
    )


def reject_staged(st: Staging, rows: str, finding: vee.Finding, value: str) -> int:
    """Move stage rows `rows` (a relation with their rowid as `rid`, `midx`, `ts_us`, `kwh`
    and `seq`) to `rejects` as `finding`, reporting the SQL `value` of each; returns how
    many. For batch rules that reject a reading after staging."""
    con, moved = st.ws.con, st.ws.table("moved")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {moved} AS {in_batch_order(st, rows)}")
    number = vee.REJECTIONS.index(finding) + 1
    con.execute(
        f"INSERT INTO {st.rejects} SELECT (batch_order >> {FILE_SHIFT})::INTEGER,"
        f" (batch_order >> {LINE_SHIFT}) & {(1 << (FILE_SHIFT - LINE_SHIFT)) - 1},"
        f" (batch_order & {(1 << LINE_SHIFT) - 1})::INTEGER, {number}, m.meter_id, {value}"
        f" FROM {moved} r JOIN {st.meters} m ON r.midx = m.midx"
    )
    con.execute(f"DELETE FROM {st.stage} WHERE rowid IN (SELECT rid FROM {moved})")
    n = st.ws.count(moved)
    st.ws.drop(moved)
    return n
