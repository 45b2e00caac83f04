"""Input files and records → one staging shape of parsed fields with source line numbers.

Two layouts, detected from the header (CSV) or the schema (Parquet, Arrow):

- **long**: `meter,ts,kwh[,quality]` — one reading per row. `ts` is the END of the 15-minute
  interval, ISO-8601 with an offset (`2024-05-01T00:15:00+08:00`, `…Z`) or naive, which
  means Beijing time (+08:00). `kwh` is the energy of the interval. `quality` is `A`, `E`, `S`
  or empty (= `A`).
- **wide**: `meter,date,p1..p96` — one Beijing day per row; `p1` is 00:00–00:15 of `date`
  (its `ts` is `date 00:15 +08:00`), `p96` is 23:45–24:00. An empty cell is a missing
  reading, not an error.

`meter_id` is accepted for `meter`. Header names are case-insensitive; columns may come in any
order; a missing or an unexpected column is a `FileFormatError` that names them.

`line` in reports is the exact physical line of a CSV file (header = line 1, first data row
= line 2, blank lines count) and the 1-based row number of a Parquet file or of records.
CSV files are read two ways, same result:

- fast: DuckDB's parallel CSV reader (`native_csv_sql`). A long file is read typed (`ts` as
  TIMESTAMPTZ in the UTC+8 session, `kwh` as DOUBLE), so clean rows are never handled as text;
  the reader sets aside the lines it cannot take (too few/many fields, a value that does not
  cast, bad quoting or encoding) with their line numbers, and those few lines are parsed
  again the exact way from their text (`set_aside_lines_sql`), so every line ends with the
  code and the value as written that the exact path would give it. A record's line is its
  position + 2 + the set-aside lines before it. This is only valid when every physical line
  is accounted for (`count_lines`, vectorised). A value that parsed but breaks a rule
  (off-grid, future, negative) is shown in the report as read: the time in Beijing ISO form
  (`2024-05-01T00:50:00+08:00`), the energy as a number (`-0.2`);
Every `*_fields_sql` function returns SQL over which `vee` evaluates its rules, with columns:

| column       | type    | meaning                                                      |
| ------------ | ------- | ------------------------------------------------------------ |
| line         | BIGINT  | 1-based line (CSV) or row (Parquet, records) number          |
| point        | INTEGER | wide: 1..96 (`p` index); long: 0                             |
| shape_ok     | BOOLEAN | the line has the header's number of fields                   |
| raw_line     | VARCHAR | the line as read (CSV), for the report of malformed lines    |
| meter        | VARCHAR | meter id as given, trimmed                                   |
| ts_us        | BIGINT  | interval end, µs since the Unix epoch (UTC); NULL: unparseable |
| ts_text      | VARCHAR | the time as given (wide: `date pN`), for the report          |
| kwh          | DOUBLE  | kWh in the interval; NULL: unparseable                       |
| kwh_text     | VARCHAR | the value as given (wide: `pN=value`), for the report        |
| quality      | ENUM    | `A`/`E`/`S` (`QUALITY_TYPE`); NULL: not one of those         |
| quality_text | VARCHAR | the quality as given                                         |

(Wide sources first give one row per line — meter, date_text, day_us, points — and
`wide_points_sql` unnests the points.) Times are epoch microseconds; text is parsed in a session
at fixed UTC+8 (`BEIJING_TIME_ZONE`, set by the import and put back after it), so nothing
depends on the caller's time zone.

>>> con = duckdb.connect()
>>> _ = con.execute(f"SET TimeZone = '{BEIJING_TIME_ZONE}'")  # as every import does
>>> con.sql(f"SELECT {ts_us_sql(repr('2024-05-01 00:15:00'))}, "
...         f"{ts_us_sql(repr('2024-04-30T16:15:00Z'))}").fetchall()
[(1714493700000000, 1714493700000000)]
"""

from __future__ import annotations

import csv
import gzip
import mmap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import duckdb
import numpy as np

from gridcare.core.errors import DomainError
from gridcare.metering.engine import schema
from gridcare.metering.engine.io import fetch_one, sql_str

INTERVAL_US: Final = schema.INTERVAL_MINUTES * 60 * 1_000_000
BEIJING_OFFSET_US: Final = schema.CHINA_UTC_OFFSET_MINUTES * 60 * 1_000_000
DAY_US: Final = 24 * 3600 * 1_000_000
BEIJING_TIME_ZONE: Final = "Etc/GMT-8"  # POSIX sign: UTC+8 all year, no DST history

QUALITY_TYPE: Final = (
    f"ENUM('{schema.QUALITY_ACTUAL}', '{schema.QUALITY_ESTIMATED}', '{schema.QUALITY_SUSPECT}')"
)
LONG: Final = "long"
WIDE: Final = "wide"
POINT_COLUMNS: Final = tuple(f"p{i}" for i in range(1, schema.INTERVALS_PER_DAY + 1))
LONG_REQUIRED: Final = ("meter", "ts", "kwh")
LONG_OPTIONAL: Final = ("quality",)
WIDE_REQUIRED: Final = ("meter", "date", *POINT_COLUMNS)
ALIASES: Final = {"meter_id": "meter"}
PARQUET_SUFFIXES: Final = (".parquet", ".pq")
DELIMITERS: Final = (",", ";", "\t")
_LINE_COLUMN_SEPARATOR: Final = "\x1e\x1f"  # never in text; one column per line
_HEADER_LIMIT: Final = 1 << 20


class FileFormatError(DomainError):
    """A whole file cannot be read (encoding, header, schema): nothing of it is imported.

    `code` is dotted (`metering.file.not_utf8`), `message` Chinese and names the file and the
    line (`line`, 1-based, when one is to blame) or the missing/extra columns.
    """

    def __init__(
        self, code: str, message: str, line: int | None = None, *, source: str | None = None
    ) -> None:
        super().__init__(code, message, line=line, source=source)
        self.line = line
        self.source = source


@dataclass(frozen=True)
class Layout:
    """Which layout a file has and where its columns are (canonical lower-case names)."""

    kind: Literal["long", "wide"]
    names: tuple[str, ...]

    def position(self, name: str) -> int:
        """1-based position of column `name` (for DuckDB list indexing)."""
        return self.names.index(name) + 1

    def has(self, name: str) -> bool:
        return name in self.names


def layout_of(columns: Sequence[str], source: str, line: int | None = None) -> Layout:
    """The layout of a header or schema, or FileFormatError naming missing/extra columns.

    >>> layout_of(["Meter", "TS", "kwh"], "a.csv").kind
    'long'
    >>> layout_of(["meter_id", "date", *POINT_COLUMNS], "b.csv").kind
    'wide'
    """
    names = tuple(ALIASES.get(n, n) for n in (c.strip().strip('"').lower() for c in columns))
    wide = "date" in names or any(n in POINT_COLUMNS for n in names)
    required = WIDE_REQUIRED if wide else LONG_REQUIRED
    allowed = set(required) | (set() if wide else set(LONG_OPTIONAL))
    missing = [n for n in required if n not in names]
    extra = [n for n in names if n not in allowed]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if missing or extra or duplicated:
        kind = "宽表（meter,date,p1..p96）" if wide else "长表（meter,ts,kwh[,quality]）"
        parts = []
        if missing:
            parts.append("缺少列 " + ", ".join(_compact(missing)))
        if extra:
            parts.append("多余列 " + ", ".join(extra))
        if duplicated:
            parts.append("重复列 " + ", ".join(duplicated))
        raise FileFormatError(
            "metering.file.wrong_columns",
            f"{source}：列不符合{kind}格式：{'；'.join(parts)}",
            line,
            source=source,
        )
    return Layout(WIDE if wide else LONG, names)


def _compact(names: list[str]) -> list[str]:
    """`p1, p2, …, p96` shortened to `p1..p96` when a whole run of points is missing."""
    points = [n for n in names if n in POINT_COLUMNS]
    if len(points) <= 3:
        return names
    first, last = points[0], points[-1]
    return [n for n in names if n not in POINT_COLUMNS] + [f"{first}..{last} ({len(points)} 列)"]


# --- value expressions ---------------------------------------------------------------------


def ts_us_sql(text: str) -> str:
    """SQL: timestamp text → epoch µs (UTC) of that instant, NULL if unparseable.

    An explicit offset (`Z`, `±HH:MM`, `±HHMM`, `±HH`, ` UTC`) is honoured; without one the
    time is Beijing time. One cast, no pattern tests: it relies on the connection's time
    zone being `BEIJING_TIME_ZONE` (fixed UTC+8; `staging.Staging` sets it), which is how
    DuckDB reads a naive text as a TIMESTAMPTZ.
    """
    return f"epoch_us(try_cast({text} AS TIMESTAMPTZ))"


def day_start_us_sql(text: str) -> str:
    """SQL: a date text (`2024-05-01`, `2024/5/1`, `20240501`) → epoch µs of its Beijing
    midnight, NULL if unparseable."""
    x = f"trim({text})"
    parsed = f"coalesce(try_cast({x} AS DATE), try_strptime({x}, '%Y%m%d')::DATE)"
    return f"(epoch_us({parsed}::TIMESTAMP) - {BEIJING_OFFSET_US})"


def trimmed_sql(text: str) -> str:
    """SQL: `text` without surrounding spaces (only values that have them pay for `trim`)."""
    return (
        f"(CASE WHEN starts_with({text}, ' ') OR ends_with({text}, ' ') THEN trim({text})"
        f" ELSE {text} END)"
    )


def kwh_sql(text: str) -> str:
    """SQL: energy text → DOUBLE, NULL if unparseable (`isfinite` is a VEE rule)."""
    return f"try_cast({text} AS DOUBLE)"


def quality_sql(text: str | None) -> str:
    """SQL: quality text → `QUALITY_TYPE` (`A`/`E`/`S`; empty or absent → `A`), NULL if
    anything else."""
    if text is None:
        return f"'{schema.QUALITY_ACTUAL}'::{QUALITY_TYPE}"
    q = f"upper(trim({text}))"
    return (
        f"(CASE WHEN {text} IS NULL OR {q} = '' THEN '{schema.QUALITY_ACTUAL}'"
        f" WHEN {q} IN ('{schema.QUALITY_ACTUAL}', '{schema.QUALITY_ESTIMATED}',"
        f" '{schema.QUALITY_SUSPECT}') THEN {q} END)::{QUALITY_TYPE}"
    )


# --- CSV -----------------------------------------------------------------------------------


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
            "metering.file.unreadable", f"{source}：无法读取文件（{exc}）", source=source
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
        newlines = int(np.count_nonzero(data == 0x0A))
        del data  # release the buffer before the map closes
    return newlines + 1 if end else 0


def native_csv_sql(
    path: Path, layout: Layout, delimiter: str, rejects: str, scans: str, *, typed: bool = False
) -> str:
    """DuckDB's parallel CSV reader over a file, columns under their canonical names; lines
    it cannot take (too few/many fields, bad quoting or encoding, and with `typed` a long
    file's `ts`/`kwh` that do not cast) go to the `rejects` table with their line numbers
    instead of failing the scan. Without `typed` every column is VARCHAR."""
    types = dict.fromkeys(layout.names, "VARCHAR")
    if typed and layout.kind == LONG:
        types.update(ts="TIMESTAMPTZ", kwh="DOUBLE")
    columns = ", ".join(f"{sql_str(n)}: {sql_str(t)}" for n, t in types.items())
    return (
        f"read_csv({sql_str(path)}, header = true, delim = {sql_str(delimiter)}, quote = '\"',"
        f" escape = '\"', auto_detect = false, columns = {{{columns}}},"
        f" store_rejects = true, rejects_table = {sql_str(rejects)}, rejects_scan = {sql_str(scans)})"
    )


def beijing_iso_sql(ts_us: str) -> str:
    """SQL: epoch µs → `YYYY-MM-DDTHH:MM:SS[.ffffff]+08:00` (how the report shows a time that
    parsed but broke a rule)."""
    local = f"make_timestamp({ts_us} + {BEIJING_OFFSET_US})"
    return (
        f"(strftime({local}, '%Y-%m-%dT%H:%M:%S')"
        f" || CASE WHEN {ts_us} % 1000000 <> 0 THEN strftime({local}, '.%f') ELSE '' END"
        " || '+08:00')"
    )


def long_typed_csv_fields_sql(relation_sql: str, layout: Layout) -> str:
    """Staging fields (module doc) of a long CSV read by `native_csv_sql(typed=True)`;
    `line` is left NULL (the caller numbers the records), `ts_text` and `kwh_text` too."""
    q = '"quality"' if layout.has("quality") else None
    meter, ts_us, kwh = '"meter"', 'epoch_us("ts")', '"kwh"'
    return (
        "SELECT NULL::BIGINT AS line, 0 AS point, true AS shape_ok, NULL::VARCHAR AS raw_line,"
        f" {trimmed_sql(meter)} AS meter,"
        # No text of ts/kwh: formatting 2 M values would cost more than the parse. The
        # few rejected ones are shown from their parsed value (`vee.parsed_value_sql`).
        f" {ts_us} AS ts_us, NULL::VARCHAR AS ts_text,"
        f" {kwh} AS kwh, NULL::VARCHAR AS kwh_text,"
        f" {quality_sql(q)} AS quality, {q or 'NULL::VARCHAR'} AS quality_text"
        f" FROM {relation_sql}"
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
    except duckdb.IOException as exc:
        raise FileFormatError(
            "metering.file.unreadable", f"{source}：无法读取文件（{exc}）", source=source
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
    ts, kwh = f"parts[{layout.position('ts')}]", f"parts[{layout.position('kwh')}]"
    meter = f"parts[{layout.position('meter')}]"
    q = f"parts[{layout.position('quality')}]" if layout.has("quality") else None
    return (
        "SELECT line, 0 AS point, shape_ok, l AS raw_line,"
        f" {trimmed_sql(meter)} AS meter,"
        f" {ts_us_sql(ts)} AS ts_us, {ts} AS ts_text,"
        f" {kwh_sql(kwh)} AS kwh, {kwh} AS kwh_text,"
        f" {quality_sql(q)} AS quality, {q or 'NULL::VARCHAR'} AS quality_text"
        f" FROM ({csv_lines_sql(table, layout, delimiter, numbered=numbered)})"
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


def wide_points_sql(lines: str) -> str:
    """Unnest the 96 points of good wide lines (`lines` has the `wide_csv_lines_sql` columns
    plus any others, kept); empty cells are skipped. Adds point, ts_us, ts_text, kwh, kwh_text,
    quality, quality_text."""
    return (
        "SELECT * EXCLUDE (points, v),"
        f" day_us + point * {INTERVAL_US} AS ts_us, date_text || ' p' || point AS ts_text,"
        f" {kwh_sql('v')} AS kwh, 'p' || point || '=' || v AS kwh_text,"
        f" {quality_sql(None)} AS quality, NULL::VARCHAR AS quality_text"
        " FROM (SELECT *, unnest(points) AS v, generate_subscripts(points, 1) AS point"
        f" FROM ({lines})) WHERE v IS NOT NULL AND {trimmed_sql('v')} <> ''"
    )


# --- Parquet and Arrow ---------------------------------------------------------------------


def relation_columns(con: duckdb.DuckDBPyConnection, relation_sql: str) -> dict[str, str]:
    """{column name: DuckDB type} of a relation."""
    rows = con.execute(f"DESCRIBE SELECT * FROM {relation_sql}").fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def parquet_source_sql(path: Path) -> str:
    """`read_parquet` of one file with its 0-based `file_row_number`."""
    return f"read_parquet({sql_str(path)}, file_row_number = true)"


def read_parquet_layout(
    con: duckdb.DuckDBPyConnection, path: Path
) -> tuple[Layout, dict[str, str], dict[str, str]]:
    """(layout, {canonical name: original column name}, types by original name) of a
    Parquet file; FileFormatError if it is missing, unreadable or has the wrong columns."""
    source = path.name
    if not path.is_file():
        raise FileFormatError("metering.file.not_found", f"{source}：文件不存在", source=source)
    try:
        types = relation_columns(con, parquet_source_sql(path))
    except duckdb.Error as exc:
        raise FileFormatError(
            "metering.file.unreadable",
            f"{source}：不是有效的 Parquet 文件（{str(exc).splitlines()[0]}）",
            source=source,
        ) from exc
    types.pop("file_row_number", None)
    layout = layout_of(list(types), source)
    originals = dict(zip(layout.names, types, strict=True))
    return layout, originals, types


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_text(column: str, type_: str) -> str:
    return column if type_ == "VARCHAR" else f"CAST({column} AS VARCHAR)"


def typed_ts_sql(column: str, type_: str) -> str:
    """SQL: a column of any type → epoch µs (UTC); naive timestamps are Beijing time."""
    if type_.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"epoch_us({column})"
    if type_.startswith("TIMESTAMP"):
        return f"(epoch_us({column}) - {BEIJING_OFFSET_US})"
    return ts_us_sql(_as_text(column, type_))


_NUMERIC = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT",
            "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")  # fmt: skip


def typed_kwh_sql(column: str, type_: str) -> str:
    """SQL: a column of any type → DOUBLE kWh, NULL if unparseable."""
    if type_.startswith(_NUMERIC):
        return f"CAST({column} AS DOUBLE)"
    return kwh_sql(_as_text(column, type_))


def long_table_fields_sql(
    relation_sql: str, originals: dict[str, str], types: dict[str, str], line_sql: str
) -> str:
    """Staging fields of a long-format Parquet file or Arrow table (`relation_sql`)."""
    meter, ts, kwh = (_ident(originals[n]) for n in LONG_REQUIRED)
    t_meter, t_ts, t_kwh = (types[originals[n]] for n in LONG_REQUIRED)
    if "quality" in originals:
        q_text = _as_text(_ident(originals["quality"]), types[originals["quality"]])
        quality, quality_text = quality_sql(q_text), q_text
    else:
        quality, quality_text = quality_sql(None), "NULL"
    kwh_text = _as_text(kwh, t_kwh)
    kwh_value = typed_kwh_sql(kwh, t_kwh)
    return (
        f"SELECT {line_sql} AS line, 0 AS point, true AS shape_ok, NULL::VARCHAR AS raw_line,"
        f" {trimmed_sql(_as_text(meter, t_meter))} AS meter,"
        f" {typed_ts_sql(ts, t_ts)} AS ts_us, {_as_text(ts, t_ts)} AS ts_text,"
        f" {kwh_value} AS kwh,"
        f" coalesce({kwh_text}, '') AS kwh_text,"
        f" {quality} AS quality, {quality_text} AS quality_text"
        f" FROM {relation_sql}"
    )


def wide_table_lines_sql(
    relation_sql: str, originals: dict[str, str], types: dict[str, str], line_sql: str
) -> str:
    """Line-level fields (as `wide_csv_lines_sql`) of a wide Parquet file or Arrow table."""
    meter, date = _ident(originals["meter"]), _ident(originals["date"])
    t_date = types[originals["date"]]
    if t_date == "DATE" or t_date.startswith("TIMESTAMP"):
        day_us = f"(epoch_us(CAST({date} AS DATE)::TIMESTAMP) - {BEIJING_OFFSET_US})"
    else:
        day_us = day_start_us_sql(_as_text(date, t_date))
    points = ", ".join(_as_text(_ident(originals[p]), types[originals[p]]) for p in POINT_COLUMNS)
    return (
        f"SELECT {line_sql} AS line, true AS shape_ok, NULL::VARCHAR AS raw_line,"
        f" {trimmed_sql(_as_text(meter, types[originals['meter']]))} AS meter,"
        f" {_as_text(date, t_date)} AS date_text, {day_us} AS day_us, [{points}] AS points"
        f" FROM {relation_sql}"
    )
