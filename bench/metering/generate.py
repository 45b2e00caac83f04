"""Deterministic synthetic meter readings for the metering benchmark.

Writes, under var/bench/metering/<size>/ (or --out/<size>/):

- `csv/readings-YYYY-MM-DD.csv`, one file per Beijing day, long format `meter,ts,kwh`
  (`ts` = END of the 15-minute interval, ISO UTC with `Z`; `kwh` per interval before the
  multiplier), meter-major like a head-end export, defect rows appended at the end;
- `csv-increment/readings-YYYY-MM-DD.csv`, the day after the period (incremental step);
- `meters.parquet|csv` (meter_id, transformer_id, multiplier, is_total) and
  `transformers.parquet|csv` (transformer_id, rated_kva);
- `manifest.json`: sizes, the defects injected per kind, generation seconds.

Shapes: residential (evening peak, night air-conditioning), commercial (daytime plateau,
quieter weekends), industrial (flat with a day shift); a summary meter per transformer reads
the sum of its customers × (1 + line loss) / its CT multiplier. Defects (≈0.01 % of rows):
negative values, empty values, off-grid timestamps, exact duplicates, unknown meters, plus
spikes (×20–50) and gaps (single points, a 2-hour hole, a meter silent for a whole day).

    .venv/bin/python -m bench.metering.generate --size S [--out DIR] [--force]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import Progress

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.metering.common import (
    BEIJING,
    INTERVALS_PER_DAY,
    METERS_PER_TRANSFORMER,
    SEED,
    SIZES,
    Dataset,
    Size,
    dataset_for,
    days_of,
    increment_day,
)

SLOT_HOURS = (np.arange(INTERVALS_PER_DAY) + 0.5) / 4  # Beijing hour at each slot's middle
RESIDENTIAL, COMMERCIAL, INDUSTRIAL, TOTAL = 0, 1, 2, 3
STANDARD_KVA = np.array([100, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250], dtype=float)
BAD_ROW_RATE = 1e-4  # defect rows (negative, empty, off-grid, duplicate, unknown) per reading
SPIKE_RATE = 5e-5
GAP_RATE = 2e-4
CSV_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none")


@dataclass(frozen=True)
class Fleet:
    """Per-meter parameters (arrays of length meters), fixed for the whole period."""

    meter_ids: np.ndarray  # str
    transformer_index: np.ndarray  # int, 0..transformers-1
    kind: np.ndarray  # RESIDENTIAL / COMMERCIAL / INDUSTRIAL / TOTAL
    multiplier: np.ndarray  # float, CT/PT
    scale: np.ndarray  # float, mean true kWh per 15 min
    shift: np.ndarray  # float, hours the residential evening peak is shifted
    loss: np.ndarray  # float per transformer, line-loss fraction


def gaussian(hours: np.ndarray, centre: np.ndarray | float, width: float) -> np.ndarray:
    """A bump of height 1 at `centre` (hours) with standard deviation `width` (hours)."""
    return np.exp(-0.5 * ((hours - centre) / width) ** 2)


def plateau(hours: np.ndarray, start: float, end: float, edge: float = 0.4) -> np.ndarray:
    """≈1 between `start` and `end` (hours), ≈0 outside, with logistic edges `edge` hours wide."""
    return 1 / (1 + np.exp(-(hours - start) / edge)) - 1 / (1 + np.exp(-(hours - end) / edge))


def make_fleet(size: Size) -> Fleet:
    """Meters and transformers: 99 customers + 1 summary meter per transformer."""
    rng = np.random.default_rng([SEED, size.meters])
    n = size.meters
    transformer_index = np.arange(n) // METERS_PER_TRANSFORMER
    is_total = np.arange(n) % METERS_PER_TRANSFORMER == METERS_PER_TRANSFORMER - 1
    kind = rng.choice([RESIDENTIAL, COMMERCIAL, INDUSTRIAL], size=n, p=[0.7, 0.25, 0.05])
    kind[is_total] = TOTAL
    multiplier = np.ones(n)
    commercial_ct = rng.choice([1.0, 10.0, 20.0], size=n, p=[0.5, 0.3, 0.2])
    multiplier = np.where(kind == COMMERCIAL, commercial_ct, multiplier)
    multiplier = np.where(kind == INDUSTRIAL, rng.choice([30.0, 40.0, 60.0], size=n), multiplier)
    multiplier[is_total] = 80.0
    mean_true = np.select(
        [kind == RESIDENTIAL, kind == COMMERCIAL, kind == INDUSTRIAL], [0.12, 1.0, 8.0], 0.0
    )
    scale = mean_true * rng.lognormal(0.0, 0.45, size=n)
    loss = rng.uniform(0.02, 0.08, size=size.transformers)
    loss[rng.random(size.transformers) < 0.05] = 0.15  # a few areas with theft
    ids = np.array([f"MTR{i:08d}" for i in range(n)])
    return Fleet(ids, transformer_index, kind, multiplier, scale, rng.normal(0, 0.6, n), loss)


def shapes(fleet: Fleet, weekend: bool) -> np.ndarray:
    """Expected load shape (meters × 96), mean ≈ 1 per meter, before scale and noise."""
    hours = SLOT_HOURS[None, :]
    shift = fleet.shift[:, None]
    residential = (
        0.45
        + 0.5 * gaussian(hours, 7.5 + shift / 2, 0.8)
        + 1.7 * gaussian(hours, 20.5 + shift, 1.6)
        + 0.6 * gaussian(hours, 23.5 + shift, 1.2)
        + 0.6 * gaussian(hours, -0.5 + shift, 1.2)
    )
    commercial = 0.35 + (1.0 if weekend else 1.9) * plateau(hours, 8.75, 18.25)
    industrial = 0.75 + 0.45 * plateau(hours, 8.0, 20.0, 0.2)
    kind = fleet.kind[:, None]
    shape = np.select(
        [kind == RESIDENTIAL, kind == COMMERCIAL, kind == INDUSTRIAL],
        [residential, commercial, industrial],
        0.0,
    )
    return shape / np.maximum(shape.mean(axis=1, keepdims=True), 1e-9)


def day_matrix(fleet: Fleet, day: dt.date, rng: np.random.Generator) -> np.ndarray:
    """Readings (kWh before multiplier, meters × 96) of one Beijing day, summary meters filled."""
    weather = rng.uniform(0.85, 1.15)
    daily = rng.normal(1.0, 0.1, size=(len(fleet.kind), 1)).clip(0.5, 1.5)
    sigma = np.where(fleet.kind == RESIDENTIAL, 0.18, 0.07)[:, None]
    noise = rng.lognormal(0.0, 1.0, size=(len(fleet.kind), INTERVALS_PER_DAY)) ** sigma
    true_kwh = shapes(fleet, day.weekday() >= 5) * fleet.scale[:, None] * weather * daily * noise
    totals = np.zeros((fleet.loss.size, INTERVALS_PER_DAY))
    np.add.at(totals, fleet.transformer_index, true_kwh)
    totals *= 1 + fleet.loss[:, None] + rng.normal(0, 0.005, size=totals.shape)
    total_rows = np.flatnonzero(fleet.kind == TOTAL)
    true_kwh[total_rows] = totals[fleet.transformer_index[total_rows]]
    return true_kwh / fleet.multiplier[:, None]


def ts_strings(day: dt.date, minutes_offset: int = 0) -> np.ndarray:
    """The 96 interval-END timestamps of a Beijing day as ISO UTC strings (`…Z`)."""
    start = dt.datetime.combine(day, dt.time(), BEIJING).astimezone(dt.UTC)
    return np.array(
        [
            (start + dt.timedelta(minutes=15 * (k + 1) + minutes_offset)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            for k in range(INTERVALS_PER_DAY)
        ]
    )


def pick(rng: np.random.Generator, n: int, count: int) -> np.ndarray:
    """`count` distinct row indices out of `n` (sorted)."""
    return np.sort(rng.choice(n, size=min(count, n), replace=False))


def inject(
    values: np.ndarray, rng: np.random.Generator, meters: int
) -> tuple[np.ndarray, np.ndarray, dict[str, int], dict[str, np.ndarray]]:
    """Damage a copy of one day's flat, meter-major values (kWh).

    Returns (values, keep mask — False for gaps —, counts per defect kind, and the source
    rows copied as extra off-grid / duplicate / unknown-meter rows). A defect that lands on a
    gap is dropped with it, so the counts are what was injected, not what was written.
    """
    n = values.size
    bad = max(10, round(n * BAD_ROW_RATE))
    counts = {"negative": round(bad * 0.3), "empty": round(bad * 0.15)}
    counts |= {"off_grid": round(bad * 0.2), "duplicate": round(bad * 0.2)}
    counts["unknown_meter"] = bad - sum(counts.values())
    counts["spike"] = max(2, round(n * SPIKE_RATE))
    values = values.copy()
    neg = pick(rng, n, counts["negative"])
    values[neg] = -np.maximum(values[neg], 0.01)
    values[pick(rng, n, counts["empty"])] = np.nan
    values[pick(rng, n, counts["spike"])] *= rng.uniform(20, 50, size=counts["spike"])
    keep = np.ones(n, dtype=bool)
    keep[pick(rng, n, max(1, round(n * GAP_RATE)))] = False
    silent = rng.integers(meters)  # one meter sends nothing all day
    keep[silent * INTERVALS_PER_DAY : (silent + 1) * INTERVALS_PER_DAY] = False
    hole = rng.integers(meters) * INTERVALS_PER_DAY + rng.integers(INTERVALS_PER_DAY - 8)
    keep[hole : hole + 8] = False  # a 2-hour hole
    counts["missing"] = int(n - keep.sum())
    extras = {
        kind: rng.choice(np.flatnonzero(keep), size=counts[kind])
        for kind in ("off_grid", "duplicate", "unknown_meter")
    }
    return values, keep, counts, extras


def day_table(fleet: Fleet, day: dt.date, day_index: int) -> tuple[pa.Table, dict[str, int]]:
    """One day's long-format CSV table (`meter`, `ts`, `kwh` as text-ready columns)."""
    rng = np.random.default_rng([SEED, len(fleet.kind), day_index])
    meters = len(fleet.kind)
    values, keep, counts, extras = inject(day_matrix(fleet, day, rng).ravel(), rng, meters)
    meter_idx = np.repeat(np.arange(meters), INTERVALS_PER_DAY)
    slot_idx = np.tile(np.arange(INTERVALS_PER_DAY), meters)
    rows = np.concatenate([np.flatnonzero(keep), *extras.values()])
    meter_rows = meter_idx[rows]
    slot_rows = slot_idx[rows]
    base = keep.sum()
    n_off, n_dup = counts["off_grid"], counts["duplicate"]
    slot_rows[base : base + n_off] += INTERVALS_PER_DAY  # index into the off-grid strings
    meter_rows[base + n_off + n_dup :] = meters + np.arange(counts["unknown_meter"])
    unknown = [f"UNK{day_index:03d}{i:05d}" for i in range(counts["unknown_meter"])]
    meter_dict = pa.array(np.concatenate([fleet.meter_ids, unknown]))
    ts_dict = pa.array(np.concatenate([ts_strings(day), ts_strings(day, -7)]))
    kwh = np.round(values[rows], 4)
    table = pa.table(
        {
            "meter": pc.take(meter_dict, pa.array(meter_rows)),
            "ts": pc.take(ts_dict, pa.array(slot_rows)),
            "kwh": pa.array(kwh, mask=np.isnan(kwh)),
        }
    )
    return table, counts


def dimensions(fleet: Fleet) -> tuple[pa.Table, pa.Table]:
    """(meters, transformers) tables; rated kVA sized from the expected weekday peak."""
    rng = np.random.default_rng([SEED, len(fleet.kind), 999])
    expected = shapes(fleet, weekend=False) * fleet.scale[:, None]
    customer = fleet.kind != TOTAL
    load = np.zeros((fleet.loss.size, INTERVALS_PER_DAY))
    np.add.at(load, fleet.transformer_index[customer], expected[customer])
    peak_kw = load.max(axis=1) * 4
    wanted = peak_kw / rng.uniform(0.45, 1.05, size=peak_kw.size)  # a few areas overloaded
    rated = STANDARD_KVA[np.minimum(np.searchsorted(STANDARD_KVA, wanted), STANDARD_KVA.size - 1)]
    transformer_ids = np.array([f"TX{t:05d}" for t in range(fleet.loss.size)])
    meters = pa.table(
        {
            "meter_id": fleet.meter_ids,
            "transformer_id": transformer_ids[fleet.transformer_index],
            "multiplier": fleet.multiplier,
            "is_total": fleet.kind == TOTAL,
        }
    )
    transformers = pa.table({"transformer_id": transformer_ids, "rated_kva": rated})
    return meters, transformers


def write_csv(table: pa.Table, path: Path) -> None:
    """Plain CSV: an unquoted header line, then unquoted values (nulls as empty fields)."""
    with path.open("wb") as sink:
        sink.write((",".join(table.column_names) + "\n").encode())
        pacsv.write_csv(table, sink, CSV_OPTIONS)


def write_dimensions(fleet: Fleet, ds: Dataset) -> None:
    """Meters and transformers as Parquet (for the engine and baselines) and CSV (for CLIs)."""
    meters, transformers = dimensions(fleet)
    for table, stem in ((meters, "meters"), (transformers, "transformers")):
        pq.write_table(table, ds.root / f"{stem}.parquet")
        write_csv(table, ds.root / f"{stem}.csv")


def generate(size: Size, ds: Dataset, console: Console) -> dict[str, object]:
    """Write every file of `size` into `ds` and return the manifest."""
    started = time.perf_counter()
    for directory in (ds.csv_dir, ds.increment_dir):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    fleet = make_fleet(size)
    write_dimensions(fleet, ds)
    jobs = [(day, i, ds.csv_dir) for i, day in enumerate(days_of(size))]
    jobs.append((increment_day(size), size.days, ds.increment_dir))
    totals: dict[str, int] = {}
    rows = increment_rows = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"generating {size.name}", total=len(jobs))
        for day, index, directory in jobs:
            table, counts = day_table(fleet, day, index)
            write_csv(table, directory / f"readings-{day.isoformat()}.csv")
            if directory == ds.increment_dir:
                increment_rows = table.num_rows
            else:
                rows += table.num_rows
                totals = {k: totals.get(k, 0) + v for k, v in counts.items()}
            progress.advance(task)
    manifest: dict[str, object] = {
        "size": size.name,
        "meters": size.meters,
        "transformers": size.transformers,
        "days": [d.isoformat() for d in days_of(size)],
        "increment_day": increment_day(size).isoformat(),
        "csv_rows": rows,
        "increment_csv_rows": increment_rows,
        "defects": totals,
        "seed": SEED,
        "csv_bytes": sum(p.stat().st_size for p in ds.csv_files()),
        "seconds": round(time.perf_counter() - started, 2),
    }
    ds.manifest.write_text(json.dumps(manifest, indent=2))
    return manifest


def ensure(size: Size, ds: Dataset, console: Console, force: bool = False) -> dict[str, object]:
    """Generate `size` unless a complete manifest for the same size and seed exists."""
    manifest = ds.load_manifest()
    if not force and manifest.get("seed") == SEED and manifest.get("meters") == size.meters:
        return manifest
    ds.root.mkdir(parents=True, exist_ok=True)
    ds.manifest.unlink(missing_ok=True)
    return generate(size, ds, console)


def main() -> None:
    """Command line: generate one size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--out", type=Path, default=None, help="parent directory of <size>/")
    parser.add_argument("--force", action="store_true", help="regenerate even if present")
    args = parser.parse_args()
    console = Console()
    size = SIZES[args.size]
    ds = dataset_for(size, args.out)
    manifest = ensure(size, ds, console, force=args.force)
    console.print(
        f"{size.name}: {manifest['csv_rows']:,} CSV rows ({manifest['csv_bytes'] / 1e9:.2f} GB) "
        f"in {ds.root} — generated in {manifest['seconds']} s; defects {manifest['defects']}"
    )


if __name__ == "__main__":
    main()
