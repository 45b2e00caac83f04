"""CSV sources: the header, DuckDB's parallel reader, the lines it sets aside, and splitting
a file line by line (see `parse` for the layouts and columns, `sources` for when each way is
taken). Both ways give every field as text, so the same rules check it and a rejected value
is reported as written."""

from __future__ import annotations

import csv
import gzip
import mmap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb
import numpy as np

from gridcare.metering.engine.io import fetch_one, sql_str
from gridcare.metering.engine.parse import (
    DELIMITERS,
    POINT_COLUMNS,
    FileFormatError,
    Layout,
    day_start_us_sql,
    kwh_sql,
    layout_of,
    quality_sql,
    trimmed_sql,
    ts_us_sql,
)

_LINE_COLUMN_SEPARATOR: Final = "\x1e\x1f"  # never in text; one column per line
_HEADER_LIMIT: Final = 1 << 20


def read_csv_header(path: Path) -> tuple[Layout, str]:
    """(layout, delimiter) from the first line of a CSV file (UTF-8, optional BOM)."""
    source = path.name
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            first = handle.readline(_HEADER_LIMIT)
    except FileNotFoundError as exc:
        raise FileFormatError(
            "metering.file.not_found", f"{source}：文件不存在", source=source
        ) from exc
    except (OSError, EOFError) as exc:
        raise FileFormatError(
            "metering.file.unreadable",
            f"{source}：无法读取文件（{getattr(exc, 'strerror', None) or '读取失败'}）",
            source=source,
        ) from exc
    if not first.strip():
        raise FileFormatError(
            "metering.file.empty", f"{source}：文件为空或第 1 行没有表头", 1, source=source
        )
    try:
        header = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise _not_utf8(source, 1) from exc
    delimiter = max(DELIMITERS, key=header.count)
    try:
        columns = next(csv.reader([header], delimiter=delimiter))
    except csv.Error as exc:  # e.g. a bare CR (old Mac line ends) inside the first line
        raise FileFormatError(
            "metering.file.bad_header",
            f"{source} 第 1 行：表头无法解析（含单独的回车符或不成对的引号），"
            "请使用 LF 或 CRLF 换行",
            1,
            source=source,
        ) from exc
    return layout_of(columns, source, 1), delimiter


_COUNT_SLICE = 1 << 20


def count_lines(path: Path) -> int | None:
    """Physical lines of an uncompressed text file, not counting trailing empty lines
    (None for compressed files). Vectorised over a memory map: no per-line Python."""
    if path.suffix == ".gz":
        return None
    size = path.stat().st_size
    if size == 0:
        return 0
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
        end = size
        while end > 0 and m[end - 1] in (0x0A, 0x0D):
            end -= 1
        data = np.frombuffer(m, dtype=np.uint8, count=end)
        # In slices: one comparison over the whole file allocates (and page-faults) a
        # boolean array as large as the file, eight times slower than this on L's files.
        newlines = sum(
            int(np.count_nonzero(data[i : i + _COUNT_SLICE] == 0x0A))
            for i in range(0, end, _COUNT_SLICE)
        )
        del data  # release the buffer before the map closes
    return newlines + 1 if end else 0


def native_csv_sql(path: Path, layout: Layout, delimiter: str, rejects: str, scans: str) -> str:
    """DuckDB's parallel CSV reader over a file, every column VARCHAR under its canonical
    name; lines it cannot take (too few/many fields, bad quoting or encoding) go to the
    `rejects` table with their line numbers instead of failing the scan. Text, not typed
    columns: the rules need the text as written (a date without a time of day, an offset),
    and on S casting in SQL cost no more than the reader's own typed columns."""
    columns = ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in layout.names)
    return (
        f"read_csv({sql_str(path)}, header = true, delim = {sql_str(delimiter)}, quote = '\"',"
        f" escape = '\"', auto_detect = false, columns = {{{columns}}},"
        f" store_rejects = true, rejects_table = {sql_str(rejects)}, rejects_scan = {sql_str(scans)})"
    )


def _long_fields_sql(
    relation_sql: str, layout: Layout, column: Callable[[str], str], line: str, shape: str, raw: str
) -> str:
    """The staging fields (module doc) of long-format text: `column(name)` is the SQL of a
    field's text."""
    ts, kwh, meter = column("ts"), column("kwh"), column("meter")
    q = column("quality") if layout.has("quality") else None
    return (
        f"SELECT {line} AS line, 0 AS point, {shape} AS shape_ok, {raw} AS raw_line,"
        f" {trimmed_sql(meter)} AS meter,"
        f" {ts_us_sql(ts)} AS ts_us, {ts} AS ts_text,"
        f" {kwh_sql(kwh)} AS kwh, {kwh} AS kwh_text,"
        f" {quality_sql(q)} AS quality, {q or 'NULL::VARCHAR'} AS quality_text"
        f" FROM {relation_sql}"
    )


def long_reader_fields_sql(relation_sql: str, layout: Layout) -> str:
    """Staging fields of a long CSV read by `native_csv_sql`; `line` is left NULL (the
    caller numbers the records)."""
    return _long_fields_sql(
        relation_sql, layout, lambda n: f'"{n}"', "NULL::BIGINT", "true", "NULL::VARCHAR"
    )


@dataclass(frozen=True)
class CsvRejects:
    """Lines DuckDB's reader set aside: `skipped` (all, sorted), `lines` (line, text) to
    parse again (whitespace-only lines are skipped silently), `bad_encoding`."""

    skipped: tuple[int, ...]
    lines: tuple[tuple[int, str], ...]
    bad_encoding: bool


def read_csv_rejects(con: duckdb.DuckDBPyConnection, rejects: str) -> CsvRejects:
    rows = con.execute(
        f"SELECT line, any_value(csv_line), bool_or(upper(error_type) LIKE '%ENCODING%'"
        f" OR upper(error_type) LIKE '%UNICODE%') FROM {rejects} GROUP BY line ORDER BY line"
    ).fetchall()
    skipped = tuple(int(r[0]) for r in rows)
    lines = tuple(
        (int(line), text.rstrip("\r\n"))
        for line, text, _ in rows
        if text is not None and text.strip()
    )
    return CsvRejects(skipped, lines, any(bool(r[2]) for r in rows))


def _not_utf8(source: str, line: int) -> FileFormatError:
    return FileFormatError(
        "metering.file.not_utf8",
        f"{source} 第 {line} 行：文件不是 UTF-8 编码（如为 GBK/GB18030 导出，请另存为 UTF-8）",
        line,
        source=source,
    )


def load_csv_lines(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    """Load every line of a CSV file, in order, into temp table `table(l VARCHAR)`.

    The table's `rowid` + 1 is the line number (blank lines are NULL rows). A line that is
    not UTF-8 (or otherwise unreadable) is a FileFormatError naming the first such line.
    """
    source = path.name
    rejects, scans = f"{table}_rej", f"{table}_rej_scans"
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(f"DROP TABLE IF EXISTS {rejects}")
    con.execute(f"DROP TABLE IF EXISTS {scans}")
    try:
        con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT l FROM read_csv({sql_str(path)},"
            f" header = false, delim = {sql_str(_LINE_COLUMN_SEPARATOR)}, quote = '',"
            " escape = '', auto_detect = false, columns = {'l': 'VARCHAR'},"
            f" store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{scans}')"
        )
        bad = fetch_one(con, f"SELECT min(line), arg_min(error_type, line) FROM {rejects}")
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:
        # InvalidInputException: DuckDB's CSV state machine gives up on some mixes of line
        # endings and control characters (found by the API fuzz test); still the file's fault.
        # DuckDB's text names server paths and its own options: it stays in the log.
        raise FileFormatError(
            "metering.file.unreadable",
            f"{source}：无法读取文件（换行符或控制字符无法解析，请检查是否为 CSV 文本）",
            source=source,
        ) from exc
    finally:
        con.execute(f"DROP TABLE IF EXISTS {rejects}")
        con.execute(f"DROP TABLE IF EXISTS {scans}")
    if bad and bad[0] is not None:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        line, kind = int(bad[0]), str(bad[1])
        if "ENCODING" in kind.upper() or "UNICODE" in kind.upper():
            raise _not_utf8(source, line)
        raise FileFormatError(
            "metering.file.unreadable",
            f"{source} 第 {line} 行：无法读取（{kind}，可能不是文本文件）",
            line,
            source=source,
        )


def _parts_sql(delimiter: str) -> str:
    """SQL: the fields of line `l` (quoted fields unwrapped)."""
    d = sql_str(delimiter)
    unquote = (
        f"list_transform(string_split(l, {d}), lambda x: CASE WHEN trim(x) LIKE '\"%\"'"
        " AND length(trim(x)) >= 2 THEN replace(trim(x)[2:-2], '\"\"', '\"') ELSE x END)"
    )
    return f"CASE WHEN contains(l, '\"') THEN {unquote} ELSE string_split(l, {d}) END"


def csv_lines_sql(table: str, layout: Layout, delimiter: str, *, numbered: bool = False) -> str:
    """SQL over the lines: line, l, parts, shape_ok (blank lines out). `table` is what
    `load_csv_lines` loaded (`l`; the header is its first row) or, `numbered`, lines that
    carry their number (`line`, `l`; see `set_aside_lines_sql`)."""
    n = len(layout.names)
    if numbered:
        lines = f"SELECT line, l, {_parts_sql(delimiter)} AS parts FROM {table}"
    else:
        lines = (
            f"SELECT rowid + 1 AS line, l, {_parts_sql(delimiter)} AS parts FROM {table}"
            " WHERE rowid > 0 AND l IS NOT NULL"
        )
    return (
        f"SELECT line, l, parts, len(parts) = {n} AS shape_ok FROM ({lines})"
        f" WHERE len(parts) = {n} OR trim(l) <> ''"
    )


def set_aside_lines_sql(table: str, lines: Sequence[tuple[int, str]]) -> str:
    """SQL creating temp table `table` of the lines the fast reader set aside, `(line, l)`,
    for the `*_csv_fields_sql` functions with `numbered=True`."""
    values = ", ".join(f"({n}, {sql_str(text)})" for n, text in lines)
    return f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM (VALUES {values}) v(line, l)"


def long_csv_fields_sql(
    table: str, layout: Layout, delimiter: str, *, numbered: bool = False
) -> str:
    """The staging fields (module doc) of a long-format CSV loaded by `load_csv_lines` (or
    of set-aside lines, `numbered`)."""
    lines = f"({csv_lines_sql(table, layout, delimiter, numbered=numbered)})"
    return _long_fields_sql(
        lines, layout, lambda n: f"parts[{layout.position(n)}]", "line", "shape_ok", "l"
    )


def wide_csv_lines_sql(
    table: str, layout: Layout, delimiter: str, *, numbered: bool = False
) -> str:
    """Line-level fields of a wide CSV: line, shape_ok, raw_line, meter, date_text,
    day_us (epoch µs of the Beijing midnight), points (96 texts in p order)."""
    positions = [layout.position(p) for p in POINT_COLUMNS]
    if positions == list(range(positions[0], positions[0] + len(positions))):
        points = f"parts[{positions[0]}:{positions[-1]}]"
    else:
        points = f"list_select(parts, {positions})"
    date = f"parts[{layout.position('date')}]"
    meter = f"parts[{layout.position('meter')}]"
    return (
        "SELECT line, shape_ok, l AS raw_line,"
        f" {trimmed_sql(meter)} AS meter, {date} AS date_text,"
        f" {day_start_us_sql(date)} AS day_us, {points} AS points"
        f" FROM ({csv_lines_sql(table, layout, delimiter, numbered=numbered)})"
    )
