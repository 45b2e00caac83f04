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
CSV files (`parse_csv`) are read two ways, same result:

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

Parquet files and Arrow tables are read by `parse_tables`.

>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.execute(f"SET TimeZone = '{BEIJING_TIME_ZONE}'")  # as every import does
>>> con.sql(f"SELECT {ts_us_sql(repr('2024-05-01 00:15:00'))}, "
...         f"{ts_us_sql(repr('2024-04-30T16:15:00Z'))}").fetchall()
[(1714493700000000, 1714493700000000)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from gridcare.core.errors import DomainError
from gridcare.metering.engine import schema

INTERVAL_US: Final = schema.INTERVAL_MINUTES * 60 * 1_000_000
BEIJING_OFFSET_US: Final = schema.CHINA_UTC_OFFSET_MINUTES * 60 * 1_000_000
DAY_US: Final = 24 * 3600 * 1_000_000
BEIJING_TIME_ZONE: Final = "Etc/GMT-8"  # POSIX sign: UTC+8 all year, no DST history

QUALITY_TYPE: Final = (
    f"ENUM('{schema.QUALITY_ACTUAL}', '{schema.QUALITY_ESTIMATED}', '{schema.QUALITY_SUSPECT}')"
)
#: Shift from an interval END (µs) to its Beijing day's timeline: + 8 h − 15 min.
SHIFT_US: Final = BEIJING_OFFSET_US - INTERVAL_US
LONG: Final = "long"
WIDE: Final = "wide"
POINT_COLUMNS: Final = tuple(f"p{i}" for i in range(1, schema.INTERVALS_PER_DAY + 1))
LONG_REQUIRED: Final = ("meter", "ts", "kwh")
LONG_OPTIONAL: Final = ("quality",)
WIDE_REQUIRED: Final = ("meter", "date", *POINT_COLUMNS)
ALIASES: Final = {"meter_id": "meter"}
PARQUET_SUFFIXES: Final = (".parquet", ".pq")
DELIMITERS: Final = (",", ";", "\t")


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


# --- time -----------------------------------------------------------------------------------


def epoch_us(moment: datetime) -> int:
    """µs since the Unix epoch of an aware datetime (ValueError if naive)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def day_num_sql(ts_us: str) -> str:
    """SQL: the partition day (days since 1970-01-01) of an interval ending at `ts_us`: the
    Beijing day of the interval START (ts_us ≥ 0: earlier times are rejected)."""
    return f"(({ts_us} + {SHIFT_US}) // {DAY_US})::INTEGER"


def day_bounds_us(day_num: int) -> tuple[int, int]:
    """First and last interval end (µs) of partition day `day_num`."""
    first = day_num * DAY_US - SHIFT_US
    return first, first + (schema.INTERVALS_PER_DAY - 1) * INTERVAL_US


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
