"""The usual alternative: pandas, written the way a competent analyst would.

No engine, no per-row Python, nothing a pandas user would not write: read only the
columns an aggregate needs with pyarrow, meter ids and days as categoricals, times as
integer epoch arithmetic (the same Beijing interval start as the SQL), the dimensions
mapped through the categories instead of merged into 57.6 M rows, and vectorised
`groupby`s with `observed=True`.

- `ingest`: per CSV file `read_csv(engine="pyarrow")`, the Beijing day from the epoch,
  `to_parquet(partition_cols=["day"])` (no validation, like the bare COPY).
- `tou_daily`, `transformer_load`, `profiles`, `quality`: the same outputs as
  `baselines_duckdb` (same columns, same rows; `check.py` compares them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

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
)

US = 1_000_000
LOCAL_START_S = 8 * 3600 - 15 * 60  # Beijing interval start = UTC end + 8 h − 15 min
DAY_S = 86_400

# The columns each aggregate reads (`pipeline` reads their union once).
COLUMNS = {
    "tou_daily": ("meter_id", "ts", "kwh", "quality", "day"),
    "transformer_load": ("meter_id", "ts", "kwh", "quality"),
    "profiles": ("meter_id", "ts", "kwh", "quality"),
    "quality": ("meter_id", "kwh", "quality", "day"),
}


def ingest(csv_files: list[Path], store: Path) -> int:
    """Each CSV into day-partitioned Parquet (`readings/day=…/`); returns readings written."""
    written = 0
    for path in csv_files:
        df = pd.read_csv(path, engine="pyarrow").rename(columns={"meter": "meter_id"})
        df["ts"] = pd.to_datetime(df["ts"], utc=True, errors="coerce").astype("datetime64[us, UTC]")
        df = df.dropna(subset=["ts"])
        day_number = (df["ts"].astype("int64") // US + LOCAL_START_S) // DAY_S
        numbers, codes = np.unique(day_number.to_numpy(), return_inverse=True)
        labels = pd.to_datetime(numbers, unit="D").strftime("%Y-%m-%d")
        df["day"] = pd.Categorical.from_codes(codes, labels)
        df["quality"] = "A"
        df["batch_id"] = "bench"
        df.to_parquet(store / "readings", partition_cols=["day"], index=False)
        written += len(df)
    return written


def load(store: Path, days: list[str], columns: tuple[str, ...]) -> pd.DataFrame:
    """The readings of `days`, only `columns`: ids as categoricals, `ts` as epoch µs.

    One column at a time, so the Arrow copy of only one is held beside the frame. Strings
    are dictionary-encoded in Arrow before the conversion, which pandas turns into
    categoricals without hashing 57.6 M strings in Python objects. (`read_dictionary` would
    be cheaper, but pyarrow 26 mis-reads the dictionaries of the engine's ENUM-written day
    files: a row group's indices run past its dictionary, see bench/README.md.)
    """
    frame: dict[str, Any] = {}
    for name in columns:
        column = pq.read_table(
            store / "readings", columns=[name], filters=[("day", "in", days)]
        ).column(name)
        if name == "ts":
            column = pc.cast(column, pa.int64())
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.dictionary_encode(column)
        frame[name] = column.to_pandas()
        del column
        pa.default_memory_pool().release_unused()  # give the Arrow copy back before the next
    return pd.DataFrame(frame)


def local_seconds(df: pd.DataFrame) -> np.ndarray:
    """Seconds since the epoch of each reading's Beijing interval start."""
    return df["ts"].to_numpy() // US + LOCAL_START_S


def _in(minute: np.ndarray, ranges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Boolean mask: minute of day in one of the half-open `ranges`."""
    mask = np.zeros(len(minute), dtype=bool)
    for lo, hi in ranges:
        mask |= (minute >= lo) & (minute < hi)
    return mask


def _day_dates(df: pd.DataFrame) -> pd.Series:
    """The categorical `day` as dates (the SQL's DATE), converted once per category."""
    return df["day"].cat.rename_categories(pd.to_datetime(df["day"].cat.categories).date)


def summable(df: pd.DataFrame) -> np.ndarray:
    """What the engine sums (issue 23): actual and estimated readings with plausible values
    (NaN and ±inf fail the comparison); a suspect reading is never summed."""
    kwh = df["kwh"].to_numpy()
    return (df["quality"] != "S").to_numpy() & (np.abs(kwh) <= 1e6)


def billable_kwh(df: pd.DataFrame) -> np.ndarray:
    """kWh where summable, else 0 (the row still counts for its meter-day or interval)."""
    return np.where(summable(df), df["kwh"].to_numpy(), 0.0)


def tou_daily(df: pd.DataFrame, meters: pd.DataFrame, out: Path) -> int:
    """Per meter and day: true kWh (× multiplier) in total and per TOU period."""
    minute = local_seconds(df) % DAY_S // 60
    months = pd.to_datetime(df["day"].cat.categories).month.isin(CRITICAL_MONTHS)
    critical_month = np.asarray(months)[df["day"].cat.codes.to_numpy()]
    period = np.full(len(df), PERIODS.index("flat"), dtype=np.int8)
    period[_in(minute, VALLEY_MINUTES)] = PERIODS.index("valley")
    period[_in(minute, PEAK_MINUTES)] = PERIODS.index("peak")
    period[critical_month & _in(minute, CRITICAL_MINUTES)] = PERIODS.index("critical")
    sums = (
        df.assign(period=period, kwh=billable_kwh(df))
        .groupby(["meter_id", "day", "period"], observed=True)["kwh"]
        .sum()
        .unstack("period", fill_value=0.0)
        .reindex(columns=range(len(PERIODS)), fill_value=0.0)
    )
    sums.columns = [f"kwh_{p}" for p in PERIODS]
    sums.insert(0, "kwh", sums.sum(axis=1))
    result = sums.reset_index()
    multiplier = result["meter_id"].map(meters["multiplier"]).astype("float64")
    result = result[multiplier.notna()]  # the SQL's inner join with the dimension
    value_columns = ["kwh", *sums.columns[1:]]
    result[value_columns] = result[value_columns].mul(multiplier[multiplier.notna()], axis=0)
    result["day"] = _day_dates(result)
    _write(result, out)
    return len(result)


def per_reading(meter_id: pd.Series, column: pd.Series, fill: Any) -> np.ndarray:
    """A meters-dimension column for every reading, without a merge: looked up once per
    meter category, then taken by the readings' category codes (`fill` for unknown ids)."""
    looked_up = column.reindex(meter_id.cat.categories, fill_value=fill).to_numpy()
    return looked_up[meter_id.cat.codes.to_numpy()]


def transformer_load(
    df: pd.DataFrame, meters: pd.DataFrame, transformers: pd.DataFrame, out: Path
) -> int:
    """Per transformer and interval end: kW = Σ customer kWh × multiplier × 4; load rate."""
    customer = per_reading(df["meter_id"], ~meters["is_total"], False)
    ids = meters["transformer_id"].astype("category")
    transformer = per_reading(df["meter_id"], ids.cat.codes, -1)[customer]
    true_kwh = billable_kwh(df) * per_reading(df["meter_id"], meters["multiplier"], 0.0)
    rows = pd.DataFrame(
        {
            "transformer_id": pd.Categorical.from_codes(transformer, ids.cat.categories),
            "ts": df["ts"].to_numpy()[customer],
            "kw": true_kwh[customer] * 4,
        }
    )
    load = rows.groupby(["transformer_id", "ts"], observed=True)["kw"].sum().reset_index()
    load["transformer_id"] = load["transformer_id"].astype(str)
    load["load_rate"] = load["kw"] / load["transformer_id"].map(transformers["rated_kva"])
    load["ts"] = pd.to_datetime(load["ts"], unit="us", utc=True)
    _write(load, out)
    return len(load)


def profiles(df: pd.DataFrame, out: Path) -> int:
    """Per meter, the 96-point shape (long): mean kWh per Beijing slot and its share."""
    df = df[summable(df)]
    slot = pd.Series(local_seconds(df) % DAY_S // 900, index=df.index, name="slot")
    means = df["kwh"].groupby([df["meter_id"], slot], observed=True).mean().rename("mean_kwh")
    total = means.groupby(level="meter_id", observed=True).transform("sum")
    result = means.to_frame()
    result["share"] = means / total.where(total != 0)
    result = result.reset_index()
    _write(result, out)
    return len(result)


def quality(df: pd.DataFrame, meters: pd.DataFrame, days: list[str], out: Path) -> int:
    """Per meter and day (every meter × every day): readings by quality, missing,
    completeness (actual readings ÷ 96)."""
    flags = pd.DataFrame(
        {
            "meter_id": df["meter_id"],
            "day": df["day"],
            "n_actual": df["quality"] == "A",
            "n_estimated": df["quality"] == "E",
            "n_suspect": df["quality"] == "S",
            "n_invalid": (df["kwh"] < 0) | df["kwh"].isna(),
        }
    )
    counts = flags.groupby(["meter_id", "day"], observed=True).agg(
        n=("n_actual", "size"),
        n_actual=("n_actual", "sum"),
        n_estimated=("n_estimated", "sum"),
        n_suspect=("n_suspect", "sum"),
        n_invalid=("n_invalid", "sum"),
    )
    counts.index = counts.index.set_levels(
        [counts.index.levels[0].astype(str), counts.index.levels[1].astype(str)]
    )
    grid = pd.MultiIndex.from_product([meters.index, days], names=["meter_id", "day"])
    counts = counts.reindex(grid, fill_value=0).astype("int64")
    counts["n_missing"] = (INTERVALS_PER_DAY - counts["n"]).clip(lower=0)
    counts["completeness"] = counts["n_actual"] / INTERVALS_PER_DAY
    result = counts.reset_index()
    result["day"] = pd.to_datetime(result["day"]).dt.date
    _write(result, out)
    return len(result)


def _write(frame: pd.DataFrame, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, index=False)


def aggregates(
    df: pd.DataFrame, meters_path: Path, transformers_path: Path, days: list[str], out_dir: Path
) -> dict[str, Callable[[], int]]:
    """The four aggregates as thunks over one loaded frame, by step name."""
    meters = pd.read_parquet(meters_path).set_index("meter_id")
    transformers = pd.read_parquet(transformers_path).set_index("transformer_id")
    return {
        "tou_daily": lambda: tou_daily(df, meters, out_dir / "tou_daily.parquet"),
        "transformer_load": lambda: transformer_load(
            df, meters, transformers, out_dir / "transformer_load.parquet"
        ),
        "profiles": lambda: profiles(df, out_dir / "profiles.parquet"),
        "quality": lambda: quality(df, meters, days, out_dir / "quality.parquet"),
    }


def run_step(step: str, ctx: Context) -> tuple[int, int, dict[str, Any]]:
    """One step for `steps.py`: (readings processed, output rows, extra details).

    Every aggregate step loads the columns it needs itself (part of its time); `pipeline`
    loads once and computes all four, as a notebook would.
    """
    if step == "ingest":
        written = ingest(ctx.ds.csv_files(), ctx.own_store("pandas"))
        return written, written, {}
    if step not in (*AGGREGATES, "pipeline"):
        raise NotAvailable(f"no pandas code for step {step}")
    names = AGGREGATES if step == "pipeline" else (step,)
    columns = tuple(dict.fromkeys(c for name in names for c in COLUMNS[name]))
    started = time.perf_counter()
    days = [d.isoformat() for d in ctx.days]
    df = load(ctx.store, days, columns)
    seconds: dict[str, float] = {"load": round(time.perf_counter() - started, 3)}
    thunks = aggregates(
        df, ctx.ds.meters_parquet, ctx.ds.transformers_parquet, days, ctx.out_dir("pandas")
    )
    total = 0
    for name in names:
        started = time.perf_counter()
        total += thunks[name]()
        seconds[name] = round(time.perf_counter() - started, 3)
    dataset = pads.dataset(ctx.store / "readings", partitioning="hive")
    readings = dataset.count_rows(filter=pads.field("day").isin(days))
    return readings, total, {"seconds": seconds}
