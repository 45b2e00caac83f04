"""Demo meter data: 35 days of 15-minute readings for every meter, deterministic.

Shapes follow the tariff class (residential evening peaks, commercial office hours,
industrial shifts, agricultural pumping at night) with a late-autumn heating lift and
weekend effects. Each transformer is given a target peak load rate — most between 15 % and
60 %, a few above 100 % so the overload screens have something to show — and its meters are
scaled to reach it. A few intervals are left out (gaps) so completeness is not perfect. The
transformer total meter reads the sum of its meters plus 3–7 % line loss.

Pure numpy/pyarrow: no Django, no clock. The caller writes the tables it yields to files
and sends them through the normal ingestion pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

SLOTS = 96
CHINA = dt.timezone(dt.timedelta(hours=8))
DEMO_DAYS = 35
DEMO_LAST_DAY = dt.date(2026, 11, 22)
OVERLOADED_SHARE = 0.03
GAP_METER_SHARE = 0.002


@dataclass(frozen=True)
class DemoMeter:
    meter_id: str
    transformer_id: str
    tariff_class: str
    is_total: bool
    multiplier: float


def _bump(hours: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((hours - centre) / width) ** 2)


def class_shapes() -> dict[str, np.ndarray]:
    """Relative 96-point day shapes (mean 1) per tariff class, indexed by Beijing slot."""
    hours = (np.arange(SLOTS) + 0.5) / 4
    shapes = {
        "residential": 0.35 + 0.6 * _bump(hours, 7.5, 1.0) + 1.6 * _bump(hours, 20.0, 1.8),
        "general_commercial": 0.25 + 1.5 * ((hours > 8.5) & (hours < 21.5)),
        "large_industrial": 0.8 + 0.5 * ((hours > 8) & (hours < 23)),
        "agricultural": 0.3 + 1.4 * _bump(hours, 2.0, 2.0) + 0.6 * _bump(hours, 14.0, 2.0),
    }
    return {name: shape / shape.mean() for name, shape in shapes.items()}


def demo_days(last_day: dt.date = DEMO_LAST_DAY, days: int = DEMO_DAYS) -> list[dt.date]:
    return [last_day - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def _interval_ends(day: dt.date) -> pa.Array:
    start = dt.datetime.combine(day, dt.time(), tzinfo=CHINA).astimezone(dt.UTC)
    ends = [start + dt.timedelta(minutes=15 * (slot + 1)) for slot in range(SLOTS)]
    return pa.array(ends, pa.timestamp("us", tz="UTC"))


def _meter_scales(
    meters: list[DemoMeter], rated_kva: dict[str, float], rng: np.random.Generator
) -> np.ndarray:
    """kWh per 15 min at shape value 1, per meter, so each transformer meets its target."""
    shapes = class_shapes()
    raw = rng.lognormal(mean=0.0, sigma=0.45, size=len(meters))
    peak_share = np.array([shapes[m.tariff_class].max() for m in meters])
    targets = {
        code: rng.uniform(1.02, 1.25) if rng.random() < OVERLOADED_SHARE else rng.uniform(0.15, 0.6)
        for code in sorted(rated_kva)
    }
    scales = np.zeros(len(meters))
    for code in targets:
        members = [i for i, m in enumerate(meters) if m.transformer_id == code and not m.is_total]
        if not members:
            continue
        # Peak kW = 4 × kWh per interval; aim at target × rated kVA × 0.9 power factor.
        peak_kwh = targets[code] * rated_kva[code] * 0.9 / 4
        multipliers = np.array([meters[i].multiplier for i in members])
        weight = raw[members] * peak_share[members]
        # Meters count kWh before their CT multiplier; the transformer sees the product.
        scales[members] = raw[members] * peak_kwh / weight.sum() / multipliers
    return scales


def demo_readings(
    meters: list[DemoMeter], rated_kva: dict[str, float], *, seed: int, days: list[dt.date]
) -> Iterator[tuple[dt.date, pa.Table]]:
    """Yield (day, table of meter_id/ts/kwh) for each day; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    shapes = class_shapes()
    scales = _meter_scales(meters, rated_kva, rng)
    profile = np.stack([shapes[m.tariff_class] for m in meters])
    regular = np.array([not m.is_total for m in meters])
    multipliers = np.array([m.multiplier for m in meters])
    loss = rng.uniform(1.03, 1.07, size=len(meters))
    meter_ids = pa.array([m.meter_id for m in meters], pa.string())
    by_transformer = _members_by_transformer(meters)
    for index, day in enumerate(days):
        season = 1.0 + 0.012 * index  # nights get colder through November: heating load
        weekend = 0.85 if day.weekday() >= 5 else 1.0
        noise = rng.lognormal(0.0, 0.18, size=profile.shape)
        kwh = profile * scales[:, None] * noise * season * weekend
        kwh = np.where(regular[:, None], kwh, 0.0)
        for total, members in by_transformer.items():
            true_kwh = (kwh[members] * multipliers[members, None]).sum(axis=0)
            kwh[total] = true_kwh * loss[total] / multipliers[total]
        yield day, _day_table(meter_ids, _interval_ends(day), np.round(kwh, 4), rng)


def _members_by_transformer(meters: list[DemoMeter]) -> dict[int, list[int]]:
    totals = {m.transformer_id: i for i, m in enumerate(meters) if m.is_total}
    members: dict[int, list[int]] = {i: [] for i in totals.values()}
    for i, m in enumerate(meters):
        if not m.is_total and m.transformer_id in totals:
            members[totals[m.transformer_id]].append(i)
    return members


def _day_table(
    meter_ids: pa.Array, ends: pa.Array, kwh: np.ndarray, rng: np.random.Generator
) -> pa.Table:
    count = len(meter_ids)
    keep = np.ones(kwh.shape, dtype=bool)
    gappy = rng.choice(count, size=max(1, int(count * GAP_METER_SHARE)), replace=False)
    for meter in gappy:
        start = int(rng.integers(0, SLOTS - 3))
        keep[meter, start : start + int(rng.integers(1, 4))] = False
    rows, slots = np.nonzero(keep)
    return pa.table(
        {
            "meter": meter_ids.take(pa.array(rows)),
            "ts": ends.take(pa.array(slots)),
            "kwh": pa.array(kwh[rows, slots], pa.float64()),
        }
    )
