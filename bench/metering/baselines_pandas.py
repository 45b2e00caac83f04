"""The usual alternative: pandas, written the way an analyst would (no tuning, no engine).

- `ingest`: per CSV file `pd.read_csv`, `pd.to_datetime`, drop what does not parse, add the
  Beijing day, `to_parquet(partition_cols=["day"])`.
- `load`: `pd.read_parquet` of the whole store, merged with the meters dimension, with the
  Beijing interval start and true kWh (× multiplier) as columns.
- `tou_daily`, `transformer_load`, `profiles`, `quality`: groupby / pivot_table / unstack.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.dataset as pads

from bench.metering.common import (
    AGGREGATES,
    CRITICAL_MINUTES,
    CRITICAL_MONTHS,
    INTERVALS_PER_DAY,
    PEAK_MINUTES,
    VALLEY_MINUTES,
    Context,
    NotAvailable,
)


def ingest(csv_files: list[Path], store: Path) -> int:
    """Each CSV into day-partitioned Parquet (`readings/day=…/`); returns readings written."""
    written = 0
    for path in csv_files:
        df = pd.read_csv(path).rename(columns={"meter": "meter_id"})
        df["ts"] = pd.to_datetime(df["ts"], utc=True, errors="coerce")
        df = df.dropna(subset=["ts"])
        local_start = df["ts"].dt.tz_convert("Asia/Shanghai") - pd.Timedelta(minutes=15)
        df["day"] = local_start.dt.strftime("%Y-%m-%d")
        df["quality"] = "A"
        df["batch_id"] = "bench"
        df.to_parquet(store / "readings", partition_cols=["day"], index=False)
        written += len(df)
    return written


def load(store: Path, meters_path: Path, days: list[str]) -> pd.DataFrame:
    """Readings of `days` with the meters dimension, `local_start` (Beijing), `kwh_true`."""
    df = pd.read_parquet(
        store / "readings",
        columns=["meter_id", "ts", "kwh", "quality", "day"],
        filters=[("day", "in", days)],
    )
    meters = pd.read_parquet(meters_path)
    df = df.merge(meters, on="meter_id", how="inner")
    df["local_start"] = df["ts"].dt.tz_convert("Asia/Shanghai") - pd.Timedelta(minutes=15)
    df["kwh_true"] = df["kwh"] * df["multiplier"]
    return df


def _in(minute: pd.Series, ranges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Boolean mask: minute of day in one of the half-open `ranges`."""
    mask = np.zeros(len(minute), dtype=bool)
    for lo, hi in ranges:
        mask |= ((minute >= lo) & (minute < hi)).to_numpy()
    return mask


def tou_daily(df: pd.DataFrame, out: Path) -> int:
    """Per meter and day: true kWh per TOU period (pivot_table) plus the total."""
    minute = df["local_start"].dt.hour * 60 + df["local_start"].dt.minute
    critical_month = df["local_start"].dt.month.isin(CRITICAL_MONTHS).to_numpy()
    df = df.assign(
        period=np.select(
            [
                critical_month & _in(minute, CRITICAL_MINUTES),
                _in(minute, PEAK_MINUTES),
                _in(minute, VALLEY_MINUTES),
            ],
            ["critical", "peak", "valley"],
            "flat",
        )
    )
    tou = df.pivot_table(
        index=["meter_id", "day"],
        columns="period",
        values="kwh_true",
        aggfunc="sum",
        fill_value=0,
        observed=True,
    )
    tou.columns = [f"kwh_{c}" for c in tou.columns]
    tou["kwh"] = tou.sum(axis=1)
    tou.reset_index().to_parquet(out, index=False)
    return len(tou)


def transformer_load(df: pd.DataFrame, transformers_path: Path, out: Path) -> int:
    """Per transformer and interval: kW = Σ customer kWh × multiplier × 4; load rate = kW/kVA."""
    load = (
        df[~df["is_total"]].groupby(["transformer_id", "ts"])["kwh_true"].sum().mul(4).rename("kw")
    )
    result = load.reset_index().merge(pd.read_parquet(transformers_path), on="transformer_id")
    result["load_rate"] = result["kw"] / result["rated_kva"]
    result.to_parquet(out, index=False)
    return len(result)


def profiles(df: pd.DataFrame, out: Path) -> int:
    """Per meter, the 96-point shape (wide p1..p96): mean kWh per slot ÷ the sum of means."""
    slot = df["local_start"].dt.hour * 4 + df["local_start"].dt.minute // 15
    wide = df.assign(slot=slot).groupby(["meter_id", "slot"])["kwh"].mean().unstack("slot")
    wide = wide.div(wide.sum(axis=1), axis=0)
    wide.columns = [f"p{int(c) + 1}" for c in wide.columns]
    wide.reset_index().to_parquet(out, index=False)
    return len(wide)


def quality(df: pd.DataFrame, meters_path: Path, days: list[str], out: Path) -> int:
    """Per meter and day (all meters × all days): counts by quality flag, missing, completeness."""
    counts = df.groupby(["meter_id", "day"], observed=True)["quality"].value_counts().unstack()
    counts = counts.reindex(columns=["A", "E", "S"], fill_value=0).fillna(0)
    counts.index = counts.index.set_levels(counts.index.levels[1].astype(str), level=1)
    meters = pd.read_parquet(meters_path)["meter_id"]
    grid = pd.MultiIndex.from_product([meters, days], names=["meter_id", "day"])
    counts = counts.reindex(grid, fill_value=0)
    counts.columns = ["n_actual", "n_estimated", "n_suspect"]
    counts["n"] = counts.sum(axis=1)
    counts["n_missing"] = (INTERVALS_PER_DAY - counts["n"]).clip(lower=0)
    counts["completeness"] = counts["n_actual"] / INTERVALS_PER_DAY
    counts.reset_index().to_parquet(out, index=False)
    return len(counts)


def aggregates(
    df: pd.DataFrame, meters: Path, transformers: Path, days: list[str], out_dir: Path
) -> dict[str, Callable[[], int]]:
    """The four aggregates as thunks over one loaded frame, by step name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        "tou_daily": lambda: tou_daily(df, out_dir / "tou_daily.parquet"),
        "transformer_load": lambda: transformer_load(
            df, transformers, out_dir / "transformer_load.parquet"
        ),
        "profiles": lambda: profiles(df, out_dir / "profiles.parquet"),
        "quality": lambda: quality(df, meters, days, out_dir / "quality.parquet"),
    }


def run_step(step: str, ctx: Context) -> tuple[int, int, dict[str, Any]]:
    """One step for `steps.py`: (readings processed, output rows, extra details).

    Every aggregate step loads the readings itself (that is most of its time); `pipeline`
    loads once and computes all four, as a notebook would.
    """
    if step == "ingest":
        written = ingest(ctx.ds.csv_files(), ctx.own_store("pandas"))
        return written, written, {}
    if step not in (*AGGREGATES, "pipeline"):
        raise NotAvailable(f"no pandas code for step {step}")
    started = time.perf_counter()
    days = [d.isoformat() for d in ctx.days]
    df = load(ctx.store, ctx.ds.meters_parquet, days)
    seconds: dict[str, float] = {"load": round(time.perf_counter() - started, 3)}
    thunks = aggregates(
        df, ctx.ds.meters_parquet, ctx.ds.transformers_parquet, days, ctx.out_dir("pandas")
    )
    total = 0
    for name in AGGREGATES if step == "pipeline" else (step,):
        started = time.perf_counter()
        total += thunks[name]()
        seconds[name] = round(time.perf_counter() - started, 3)
    dataset = pads.dataset(ctx.store / "readings", partitioning="hive")
    readings = dataset.count_rows(filter=pads.field("day").isin(days))
    return readings, total, {"seconds": seconds}
