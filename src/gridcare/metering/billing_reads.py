"""What billing reads from metering: per meter, the determinants of a period summed from the
materialised `daily_tou` and `monthly` aggregates (docs/data-formats.md, "Suspect readings
and billing determinants").

The billing app imports only this module. Reads are DuckDB over the Parquet partition files,
whatever engine computes the aggregates (as `usage` does), in one query per call, summed in
DuckDB and returned as Arrow: the months the range holds whole from `monthly` (one row per
meter), its other days from `daily_tou` (figures: bench/README.md, "Billing reads").

Days are Beijing calendar days, the partition rule of the warehouse. kWh are true energy
(× the meter multiplier); kW is the 15-minute demand (interval kWh × 4).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gridcare.metering import warehouse
from gridcare.metering.engine import materialize
from gridcare.metering.engine import schema as s
from gridcare.metering.engine.aggstore import SCHEMA_FILE
from gridcare.metering.engine.backend import partition_files
from gridcare.metering.engine.io import sql_str
from gridcare.metering.stats import tou_calendar_default

DAILY = "daily_tou"
MONTHLY = "monthly"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_KWH_PREFIX = f"{s.KWH}_"
#: Counts and energies summed over the days; a column a partition lacks (written before it
#: existed, until the next refresh rewrites it) reads as 0.
_SUMS = (
    s.INTERVALS,
    s.ESTIMATED_INTERVALS,
    s.ESTIMATED_KWH,
    s.SUSPECT_INTERVALS,
    s.SUSPECT_KWH,
)


@dataclass(frozen=True)
class MeterUsage:
    """One meter's determinants over [start, end] (Beijing days, both included).

    `kwh` per time-of-use bucket (`tou_buckets()`) sums actual and estimated readings;
    `estimated_*` is the estimated part of it (mark the bill); `suspect_*` are readings held
    out of `kwh` for review (never bill them silently). `days` have data, `intervals` are
    readings of any quality, `expected_intervals` = 96 × the days of the range. `max_kw` is
    the highest 15-minute demand of actual and estimated readings (None: none), `max_kw_at`
    the END of its interval (UTC; the earliest one when several reach it).
    """

    meter_id: str
    kwh: dict[str, float]
    days: int
    intervals: int
    expected_intervals: int
    estimated_intervals: int
    estimated_kwh: float
    suspect_intervals: int
    suspect_kwh: float
    max_kw: float | None
    max_kw_at: dt.datetime | None

    @property
    def total_kwh(self) -> float:
        return sum(self.kwh.values())


def _daily_dir() -> Path:
    return materialize.aggregate_dir(warehouse.store_root(), DAILY)


def _stored_columns() -> list[str] | None:
    schema_file = _daily_dir() / SCHEMA_FILE
    if not schema_file.is_file():
        return None
    return list(pq.read_schema(schema_file).names)


def tou_buckets() -> tuple[str, ...]:
    """The time-of-use buckets of the materialised daily data (the calendar's, e.g. sharp,
    peak, flat, valley); the default calendar's while nothing is materialised."""
    columns = _stored_columns()
    if columns is None:
        return tou_calendar_default().buckets
    return tuple(c[len(_KWH_PREFIX) :] for c in columns if c.startswith(_KWH_PREFIX))


def latest_day() -> dt.date | None:
    """The newest Beijing day with materialised daily data, or None."""
    found = partition_files(_daily_dir(), s.DAY)
    return found[-1][0] if found else None


def meter_usage(
    *, start: dt.date, end: dt.date, meter_ids: Sequence[str] | None = None
) -> dict[str, MeterUsage]:
    """Each meter's `MeterUsage` over [start, end] by meter id; every meter with data when
    `meter_ids` is None. A meter without a day of data in the range is absent."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if meter_ids is not None and not meter_ids:
        return {}
    months, loose = _split(start, end)
    # (files, the days a row stands for): a monthly row says how many it holds.
    sources = [(_files(MONTHLY, s.MONTH, months), "days"), (_files(DAILY, s.DAY, loose), "1")]
    found = [(files, days) for files, days in sources if files]
    if not found:
        return {}
    table = _query(found, meter_ids)
    return _usages(table, expected=s.INTERVALS_PER_DAY * ((end - start).days + 1))


def _files(name: str, key: str, values: list[dt.date]) -> list[Path]:
    base = materialize.aggregate_dir(warehouse.store_root(), name)
    return [path for _, path in partition_files(base, key, values)]


def _split(start: dt.date, end: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    """The range as the months it holds whole (their first days) and the other days: a
    whole month is read from `monthly`, one row per meter where `daily_tou` has 30 (the
    same sums: `monthly` is derived from those days in the same refresh)."""
    months, loose = [], []
    day = start
    while day <= end:
        month_end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        if day.day == 1 and month_end <= end:
            months.append(day)
            day = month_end + dt.timedelta(days=1)
        else:
            loose.append(day)
            day += dt.timedelta(days=1)
    return months, loose


def _query(sources: list[tuple[list[Path], str]], meter_ids: Sequence[str] | None) -> pa.Table:
    """One query over the sources' files (paths, the SQL of a row's days), summed per meter."""
    con = duckdb.connect()
    try:
        # By name: a partition written before a column existed has NULLs for it.
        tables = [
            (f"read_parquet([{', '.join(sql_str(f) for f in files)}], union_by_name = true)", days)
            for files, days in sources
        ]
        present = [_columns(con, table) for table, _ in tables]
        buckets = list(dict.fromkeys(c for cs in present for c in cs if c.startswith(_KWH_PREFIX)))
        rows = " UNION ALL ".join(
            _rows(table, days, columns, buckets)
            for (table, days), columns in zip(tables, present, strict=True)
        )
        where = ""
        if meter_ids is not None:
            con.register("wanted", pa.table({s.METER_ID: pa.array(meter_ids, pa.string())}))
            where = f" WHERE {s.METER_ID} IN (SELECT {s.METER_ID} FROM wanted)"
        sums = ", ".join(_sums(buckets))
        sql = f"SELECT {sums} FROM ({rows}) AS rows{where} GROUP BY {s.METER_ID}"
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {table}").fetchall()]


def _rows(table: str, days: str, present: list[str], buckets: list[str]) -> str:
    """The source's rows with every column the sums read; NULL for one it lacks."""
    types = dict.fromkeys((*buckets, *_SUMS, s.MAX_KW), "DOUBLE") | {s.MAX_KW_AT: "TIMESTAMPTZ"}
    columns = [c if c in present else f"CAST(NULL AS {kind}) AS {c}" for c, kind in types.items()]
    return f"SELECT {s.METER_ID}, {days} AS days, {', '.join(columns)} FROM {table}"


def _sums(buckets: list[str]) -> list[str]:
    out = [s.METER_ID, "CAST(sum(days) AS BIGINT) AS days"]
    out += [f"coalesce(sum({c}), 0.0) AS {c}" for c in buckets]
    for column in _SUMS:
        kind = "BIGINT" if column.endswith("intervals") else "DOUBLE"  # not HUGEINT
        out.append(f"CAST(coalesce(sum({column}), 0) AS {kind}) AS {column}")
    # The earliest interval among days at the same maximum: the same answer every run.
    out += [
        f"max({s.MAX_KW}) AS {s.MAX_KW}",
        f"arg_min({s.MAX_KW_AT}, struct_pack(k := -{s.MAX_KW}, t := {s.MAX_KW_AT}))"
        f" FILTER (WHERE {s.MAX_KW} IS NOT NULL) AS {s.MAX_KW_AT}",
    ]
    return out


def _usages(table: pa.Table, *, expected: int) -> dict[str, MeterUsage]:
    """Rows to dataclasses, a Python list per column (a dict per row, or pyarrow's aware
    datetimes, cost seconds at 100,000 meters; numbers come as Python int and float)."""
    names = table.column_names
    buckets = [c[len(_KWH_PREFIX) :] for c in names if c.startswith(_KWH_PREFIX)]
    kwh = zip(*(table.column(f"{_KWH_PREFIX}{b}").to_pylist() for b in buckets), strict=True)
    at_us = pc.cast(table.column(s.MAX_KW_AT), pa.int64()).to_pylist()
    columns = zip(
        *(table.column(c).to_pylist() for c in (s.METER_ID, "days", *_SUMS, s.MAX_KW)),
        kwh,
        at_us,
        strict=True,
    )
    times: dict[int, dt.datetime] = {}  # a month has 2,880 interval ends: one object each
    out: dict[str, MeterUsage] = {}
    for meter_id, days, n, est_n, est_kwh, sus_n, sus_kwh, max_kw, energies, at in columns:
        out[meter_id] = MeterUsage(
            meter_id=meter_id,
            kwh=dict(zip(buckets, energies, strict=True)),
            days=days,
            intervals=n,
            expected_intervals=expected,
            estimated_intervals=est_n,
            estimated_kwh=est_kwh,
            suspect_intervals=sus_n,
            suspect_kwh=sus_kwh,
            max_kw=max_kw,
            max_kw_at=None if at is None else times.get(at) or _time(times, at),
        )
    return out


def _time(times: dict[int, dt.datetime], microseconds: int) -> dt.datetime:
    """The aware UTC time of epoch `microseconds`, kept in `times`."""
    value = times[microseconds] = _EPOCH + dt.timedelta(microseconds=microseconds)
    return value
