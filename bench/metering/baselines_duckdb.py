"""The limit: hand-written DuckDB SQL on the same files, no engine, no validation.

- `ingest`: one bare `COPY … TO … (PARTITION_BY (day))` from the CSV files to a store laid
  out like the engine's (`readings/day=YYYY-MM-DD/*.parquet`, schema columns, `ts` UTC).
- `tou_daily`, `transformer_load`, `profiles`, `quality`: the four core aggregates, each one
  SQL statement over the readings Parquet, written to one Parquet file.

Times of day are Beijing (UTC+8) of the interval START, as integer arithmetic on the epoch:
`(epoch seconds of ts − 15 min + 8 h) mod 1 day`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from bench.metering.common import (
    AGGREGATES,
    CRITICAL_MINUTES,
    CRITICAL_MONTHS,
    INTERVALS_PER_DAY,
    PEAK_MINUTES,
    PERIODS,
    VALLEY_MINUTES,
    Context,
    NotAvailable,
    readings_glob,
)

LOCAL_START_SECONDS = "(epoch_us(ts) // 1000000 + 27900)"  # 27900 s = 8 h − 15 min
LOCAL_START_US = 27_900_000_000
MINUTE_OF_DAY = f"({LOCAL_START_SECONDS} % 86400) // 60"


@dataclass(frozen=True)
class Inputs:
    """What every aggregate reads: a readings store, the dimensions and the period (Beijing)."""

    store: Path
    meters: Path
    transformers: Path
    first_day: str  # YYYY-MM-DD
    last_day: str  # YYYY-MM-DD, inclusive


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with UTC as session time zone (default threads and memory)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def ingest(con: duckdb.DuckDBPyConnection, csv_files: list[Path], store: Path) -> int:
    """Bare COPY of the CSV files into day-partitioned Parquet; returns readings written."""
    files = ", ".join(f"'{p}'" for p in csv_files)
    store.mkdir(parents=True, exist_ok=True)
    # The day as an integer (days since 1970 of the Beijing interval start): partitioning
    # by strftime of a TIMESTAMPTZ costs a third more on L; the folders are renamed after.
    con.execute(
        f"""
        COPY (
            SELECT meter AS meter_id, ts, kwh, 'A' AS quality, 'bench' AS batch_id,
                   ((epoch_us(ts) + {LOCAL_START_US}) // 86400000000)::INTEGER AS day
            FROM read_csv([{files}], header = true,
                          columns = {{'meter': 'VARCHAR', 'ts': 'TIMESTAMPTZ', 'kwh': 'DOUBLE'}})
        ) TO '{store / "readings"}' (FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE)
        """
    )
    for folder in (store / "readings").glob("day=*"):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=int(folder.name.removeprefix("day=")))
        named = folder.with_name(f"day={day.isoformat()}")
        folder.rename(named)
        for part in named.glob("data_0.parquet"):
            part.rename(part.with_name("data.parquet"))  # the engine's file name
    return count_readings(con, store)


def count_readings(
    con: duckdb.DuckDBPyConnection, store: Path, days: list[dt.date] | None = None
) -> int:
    """Readings in a store, only `days` if given (Parquet metadata only)."""
    globs = [readings_glob(store)]
    if days is not None:
        globs = [str(store / "readings" / f"day={d.isoformat()}" / "*.parquet") for d in days]
    files = "[" + ", ".join(f"'{g}'" for g in globs) + "]"
    row = con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata({files})").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def register(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> None:
    """Views `readings` (with the hive `day` as DATE), `meters` and `transformers`."""
    con.execute(
        f"""
        CREATE OR REPLACE VIEW readings AS
        SELECT meter_id, ts, kwh, quality, CAST(day AS DATE) AS day
        FROM read_parquet('{readings_glob(inputs.store)}', hive_partitioning = true)
        WHERE day BETWEEN '{inputs.first_day}' AND '{inputs.last_day}'
        """
    )
    con.execute(f"CREATE OR REPLACE VIEW meters AS FROM '{inputs.meters}'")
    con.execute(f"CREATE OR REPLACE VIEW transformers AS FROM '{inputs.transformers}'")


def _between(ranges: tuple[tuple[int, int], ...]) -> str:
    """SQL condition: the minute of day `m` falls in one of the half-open `ranges`."""
    return "(" + " OR ".join(f"(m >= {lo} AND m < {hi})" for lo, hi in ranges) + ")"


def _copy(con: duckdb.DuckDBPyConnection, sql: str, out: Path) -> int:
    """Write a query to one Parquet file; returns its row count."""
    out.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)")
    row = con.execute(f"SELECT count(*) FROM '{out}'").fetchone()
    return int(row[0]) if row else 0


def tou_daily(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Per meter and Beijing day: true kWh (× multiplier) in total and per TOU period.

    One pass: a period code per reading, one FILTERed sum per period per meter-day; the
    multiplier is applied to the 60 k (S) / 600 k (L) sums, not to every reading.
    """
    months = ", ".join(str(m) for m in CRITICAL_MONTHS)
    code = f"""CASE
        WHEN month(day) IN ({months}) AND {_between(CRITICAL_MINUTES)} THEN 0
        WHEN {_between(PEAK_MINUTES)} THEN 1
        WHEN {_between(VALLEY_MINUTES)} THEN 3
        ELSE 2 END"""  # 0 critical, 1 peak, 2 flat, 3 valley: the order of PERIODS
    sums = ", ".join(
        f"sum(kwh) FILTER (WHERE code = {i}) AS kwh_{name}" for i, name in enumerate(PERIODS)
    )
    scaled = ", ".join(f"coalesce(kwh_{p}, 0) * m.multiplier AS kwh_{p}" for p in PERIODS)
    sql = f"""
        WITH r AS (SELECT meter_id, day, {BILLABLE_KWH} AS kwh, {MINUTE_OF_DAY} AS m
                   FROM readings),
        c AS (SELECT meter_id, day, kwh, {code} AS code FROM r),
        g AS (SELECT meter_id, day, sum(kwh) AS kwh, {sums} FROM c GROUP BY meter_id, day)
        SELECT g.meter_id, g.day, g.kwh * m.multiplier AS kwh, {scaled}
        FROM g JOIN meters m USING (meter_id)
    """
    return _copy(con, sql, out)


def transformer_load(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Per transformer and interval end `ts`: load kW (Σ customer kWh × multiplier × 4)
    and load rate (kW / rated kVA, power factor taken as 1)."""
    sql = f"""
        SELECT m.transformer_id, r.ts, sum(r.kwh * m.multiplier) * 4 AS kw,
               sum(r.kwh * m.multiplier) * 4 / any_value(t.rated_kva) AS load_rate
        FROM (SELECT meter_id, ts, {BILLABLE_KWH} AS kwh FROM readings) r JOIN meters m USING (meter_id) JOIN transformers t USING (transformer_id)
        WHERE NOT m.is_total
        GROUP BY m.transformer_id, r.ts
    """
    return _copy(con, sql, out)


#: What the engine sums (issue 23): actual and estimated readings with plausible values
#: only; a suspect reading is counted apart (not here) and never summed.
SUMMABLE = "quality <> 'S' AND kwh BETWEEN -1e6 AND 1e6"
BILLABLE_KWH = f"CASE WHEN {SUMMABLE} THEN kwh ELSE 0 END"


def profiles(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Per meter, the 96-point shape: mean kWh per Beijing slot and its share of the sum.

    The per-meter sum is an aggregate joined back, not a window: at L (1.92 M meter-slots)
    DuckDB runs that about twice as fast as `sum(…) OVER (PARTITION BY meter_id)`.
    """
    sql = f"""
        WITH s AS (
            SELECT meter_id, ({LOCAL_START_SECONDS} % 86400) // 900 AS slot, avg(kwh) AS mean_kwh
            FROM readings WHERE {SUMMABLE} GROUP BY ALL
        ), t AS (SELECT meter_id, sum(mean_kwh) AS day_kwh FROM s GROUP BY meter_id)
        SELECT meter_id, slot, mean_kwh, mean_kwh / nullif(day_kwh, 0) AS share
        FROM s JOIN t USING (meter_id)
    """
    return _copy(con, sql, out)


def quality(con: duckdb.DuckDBPyConnection, inputs: Inputs, out: Path) -> int:
    """Per meter and day (every meter × every day): readings by quality, missing, completeness."""
    sql = f"""
        WITH c AS (
            SELECT meter_id, day, count(*) AS n,
                   count(*) FILTER (WHERE quality = 'A') AS n_actual,
                   count(*) FILTER (WHERE quality = 'E') AS n_estimated,
                   count(*) FILTER (WHERE quality = 'S') AS n_suspect,
                   count(*) FILTER (WHERE kwh < 0 OR kwh IS NULL) AS n_invalid
            FROM readings GROUP BY ALL
        ), grid AS (
            SELECT meter_id, CAST(d AS DATE) AS day FROM meters
            CROSS JOIN range(DATE '{inputs.first_day}', DATE '{inputs.last_day}' + 1,
                             INTERVAL 1 DAY) t(d)
        )
        SELECT g.meter_id, g.day, coalesce(n, 0) AS n, coalesce(n_actual, 0) AS n_actual,
               coalesce(n_estimated, 0) AS n_estimated, coalesce(n_suspect, 0) AS n_suspect,
               coalesce(n_invalid, 0) AS n_invalid,
               greatest({INTERVALS_PER_DAY} - coalesce(n, 0), 0) AS n_missing,
               coalesce(n_actual, 0) / {INTERVALS_PER_DAY} AS completeness
        FROM grid g LEFT JOIN c USING (meter_id, day)
    """
    return _copy(con, sql, out)


def aggregates(inputs: Inputs, out_dir: Path) -> dict[str, Callable[[], int]]:
    """The four aggregates as thunks on one connection (views registered), by step name."""
    con = connect()
    register(con, inputs)
    return {
        "tou_daily": lambda: tou_daily(con, out_dir / "tou_daily.parquet"),
        "transformer_load": lambda: transformer_load(con, out_dir / "transformer_load.parquet"),
        "profiles": lambda: profiles(con, out_dir / "profiles.parquet"),
        "quality": lambda: quality(con, inputs, out_dir / "quality.parquet"),
    }


def run_step(step: str, ctx: Context) -> tuple[int, int, dict[str, Any]]:
    """One step for `steps.py`: (readings processed, output rows, extra details)."""
    if step == "ingest":
        written = ingest(connect(), ctx.ds.csv_files(), ctx.own_store("duckdb"))
        return written, written, {}
    inputs = Inputs(
        ctx.store,
        ctx.ds.meters_parquet,
        ctx.ds.transformers_parquet,
        ctx.days[0].isoformat(),
        ctx.days[-1].isoformat(),
    )
    thunks = aggregates(inputs, ctx.out_dir("duckdb"))
    readings = count_readings(connect(), ctx.store, ctx.days)
    if step in AGGREGATES:
        return readings, thunks[step](), {}
    if step == "pipeline":
        return readings, *_all(thunks)
    raise NotAvailable(f"no DuckDB SQL for step {step}")


def _all(thunks: dict[str, Callable[[], int]]) -> tuple[int, dict[str, Any]]:
    """Run every aggregate in order; (total output rows, seconds per aggregate)."""
    seconds: dict[str, Any] = {}
    total = 0
    for name, thunk in thunks.items():
        started = time.perf_counter()
        total += thunk()
        seconds[name] = round(time.perf_counter() - started, 3)
    return total, {"seconds": seconds}
