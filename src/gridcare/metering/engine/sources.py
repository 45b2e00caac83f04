"""Every kind of source into staging (`staging.Staging`): CSV files, Parquet files and Arrow
records. Each source becomes text or typed fields (`parse_csv`, `parse_tables`) that the
same row rules check (`staging.checked_sql`).

CSV files are split into fields one of two ways, with the same fields and the same checks
after that (`parse_csv` says how each works):

- DuckDB's parallel reader, when every physical line is accounted for (`count_lines`), and
  for a long file straight into `stage` (`staging.DirectFile`); the few lines it sets aside
  are split again line by line;
- line by line (`parse_csv.load_csv_lines`) for files with blank lines or quoted line
  breaks, gzip files, or more than `_MAX_SKIPPED_FAST` lines the reader set aside.

Two ways because line by line costs more: on S (5.76 M readings in 30 files, 2026-12-07)
staging every file line by line took 1.3–1.5× the time of the reader (16.7–19.6 s against
11.4–16.0 s on a loaded 2-core VM), and staging is most of an import; the reader alone
cannot give a physical line number after a blank line.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from gridcare.metering.engine import parse, parse_csv, parse_tables
from gridcare.metering.engine.io import fetch_one
from gridcare.metering.engine.staging import (
    DirectFile,
    Staging,
    checked_sql,
    split,
    stage_fields,
)

_MAX_SKIPPED_FAST = 64  # more lines set aside than this: split the file line by line


def stage_file(st: Staging, file_id: int, path: Path) -> None:
    """Stage one CSV or Parquet file (FileFormatError for whole-file faults)."""
    st.files.append(path.name)
    if path.name.lower().endswith(parse.PARQUET_SUFFIXES):
        layout, originals, types = parse_tables.read_parquet_layout(st.ws.con, path)
        relation = parse_tables.parquet_source_sql(path)
        _stage_table(st, file_id, layout, originals, types, relation, "file_row_number + 1")
        return
    layout, delimiter = parse_csv.read_csv_header(path)
    expected = parse_csv.count_lines(path)
    if expected is None or not _stage_csv_by_reader(st, file_id, path, layout, delimiter, expected):
        _stage_csv_by_line(st, file_id, path, layout, delimiter)


def stage_arrow(st: Staging, file_id: int, table: pa.Table, source: str) -> None:
    """Stage an Arrow table of long- or wide-format records (line = record number)."""
    st.files.append(source)
    layout = parse.layout_of(table.column_names, source)
    line_column = "__gc_line"
    numbered = table.append_column(
        line_column, pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    )
    name = st.ws.table("records")
    st.ws.con.register(name, numbered)
    try:
        types = parse_tables.relation_columns(st.ws.con, name)
        types.pop(line_column)
        originals = dict(zip(layout.names, table.column_names, strict=True))
        _stage_table(st, file_id, layout, originals, types, name, line_column)
    finally:
        st.ws.con.unregister(name)


def _stage_table(
    st: Staging,
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
    stage_fields(st, file_id, layout, fields)


def _stage_csv_by_reader(
    st: Staging, file_id: int, path: Path, layout: parse.Layout, delimiter: str, expected: int
) -> bool:
    """DuckDB's parallel CSV reader; line = record number + 2 + lines set aside before it,
    and the set-aside lines are split again from their text. Valid only if every physical
    line is accounted for: otherwise returns False and nothing is staged."""
    ws = st.ws
    rejects, scans, parsed = ws.table("csv_rejects"), ws.table("csv_scans"), ws.table("parsed")
    ws.drop(rejects, scans)
    relation = parse_csv.native_csv_sql(path, layout, delimiter, rejects, scans)
    long = layout.kind == parse.LONG
    if long:
        fields = parse_csv.long_reader_fields_sql(relation, layout)
    else:
        names = {n: n for n in layout.names}
        types = dict.fromkeys(layout.names, "VARCHAR")
        fields = parse_tables.wide_table_lines_sql(relation, names, types, "NULL::BIGINT")
    # New rows get rowids above every row staged so far, deleted ones included (DuckDB
    # does not reuse them), so they are found by "above the last live one".
    after = int(fetch_one(ws.con, f"SELECT coalesce(max(rowid), -1) FROM {st.stage}")[0])
    first = records = 0
    try:
        if long:
            records, first = _insert_direct(st, layout, fields, after)
        else:
            ws.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {parsed} AS"
                f" {checked_sql(st, layout, fields, with_line=False)}"
            )
            records = ws.count(parsed)
        set_aside = parse_csv.read_csv_rejects(ws.con, rejects)
    except duckdb.IOException:
        raise
    except duckdb.Error:  # e.g. a quote left open at the end: line by line reports it
        ws.con.execute(f"DELETE FROM {st.stage} WHERE rowid > {after}")
        ws.drop(parsed, rejects, scans)
        return False
    ws.drop(rejects, scans)
    skipped = set_aside.skipped
    if (
        set_aside.bad_encoding
        or len(skipped) > _MAX_SKIPPED_FAST
        or 1 + records + len(skipped) != expected
    ):
        ws.con.execute(f"DELETE FROM {st.stage} WHERE rowid > {after}")
        ws.drop(parsed)
        return False
    # Record r (0-based) sits after the header and the set-aside lines before it.
    before = tuple(line - 2 - j for j, line in enumerate(skipped))
    st.rows_read += records
    if long:
        st.direct_files.append(DirectFile(file_id, first, first + records - 1, before))
    else:
        line = "p.rowid + 2" + "".join(f" + (p.rowid >= {b})::BIGINT" for b in before)
        split(st, file_id, layout, parsed, line)
        ws.drop(parsed)
    if set_aside.lines:
        again = ws.table("set_aside")
        ws.con.execute(parse_csv.set_aside_lines_sql(again, set_aside.lines))
        if long:
            fields = parse_csv.long_csv_fields_sql(again, layout, delimiter, numbered=True)
        else:
            fields = parse_csv.wide_csv_lines_sql(again, layout, delimiter, numbered=True)
        stage_fields(st, file_id, layout, fields)
        ws.drop(again)
    return True


def _insert_direct(st: Staging, layout: parse.Layout, fields: str, after: int) -> tuple[int, int]:
    """Append a long source's checked rows to `stage` in record order, rejected ones too
    (copying 2 M rows from a `parsed` table cost a fifth of the import); returns the number
    of records and the rowid of the first (all above `after`, contiguous)."""
    con = st.ws.con
    records = int(
        fetch_one(
            con,
            f"INSERT INTO {st.stage} (midx, ts_us, kwh, quality, code, meter, shown)"
            f" {checked_sql(st, layout, fields, with_line=False)}",
        )[0]
    )
    if not records:
        return 0, after + 1
    count, first, last = fetch_one(
        con, f"SELECT count(*), min(rowid), max(rowid) FROM {st.stage} WHERE rowid > {after}"
    )
    if (count, last - first + 1) != (records, records):  # the line numbers rely on it
        raise RuntimeError(f"staged rows are not contiguous: {count} in {first}..{last}")
    return records, int(first)


def _stage_csv_by_line(
    st: Staging, file_id: int, path: Path, layout: parse.Layout, delimiter: str
) -> None:
    """Line by line (exact physical line numbers for any file)."""
    lines = st.ws.table("lines")
    parse_csv.load_csv_lines(st.ws.con, path, lines)
    try:
        if layout.kind == parse.LONG:
            fields = parse_csv.long_csv_fields_sql(lines, layout, delimiter)
        else:
            fields = parse_csv.wide_csv_lines_sql(lines, layout, delimiter)
        stage_fields(st, file_id, layout, fields)
    finally:
        st.ws.drop(lines)
