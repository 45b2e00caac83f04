"""Demo meter data: 15-minute readings for every meter, deterministic per seed and day.

Shapes follow the tariff class (residential evening peaks, commercial office hours,
industrial shifts, agricultural pumping at night) with a seasonal curve (winter heating and
summer cooling peaks), a small yearly growth and weekend effects. Each transformer is given
a target peak load rate — most between 15 % and 60 %, a few above 100 % so the overload
screens have something to show — and its meters are scaled to reach it. A few intervals are
left out (gaps) so completeness is not perfect. The transformer total meter reads the sum of
its meters plus 3–7 % line loss.

A day's values depend only on the seed, the meters and that day (each day draws from its
own generator), so a window ending on another day repeats the days they share, and a build
with the same seed and last day repeats every value.

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
#: Growth is measured from this day: a year earlier every meter used about 4 % less.
GROWTH_BASE = dt.date(2026, 1, 1)
YEARLY_GROWTH = 1.04
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


def demo_days(*, until: dt.date, days: int = DEMO_DAYS) -> list[dt.date]:
    """The `days` days ending on `until`, oldest first."""
    return [until - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def same_month_last_year(until: dt.date) -> list[dt.date]:
    """Every day of `until`'s month one year earlier (what 去年同月 compares with)."""
    first = dt.date(until.year - 1, until.month, 1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return [first + dt.timedelta(days=n) for n in range((following - first).days)]


def season_factor(day: dt.date) -> float:
    """Relative load of `day`: peaks in late January (heating) and late July (cooling),
    troughs in spring and autumn, about 4 % growth a year."""
    angle = 4 * np.pi * (day.timetuple().tm_yday - 20) / 365.25
    growth = YEARLY_GROWTH ** ((day - GROWTH_BASE).days / 365.25)
    return float((1.15 + 0.2 * np.cos(angle)) * growth)


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
    meters: list[DemoMeter],
    rated_kva: dict[str, float],
    *,
    seed: int,
    days: list[dt.date],
    transformers: set[str] | None = None,
) -> Iterator[tuple[dt.date, pa.Table]]:
    """Yield (day, table of meter/ts/kwh) for each day; deterministic for a seed and day.

    `transformers` keeps only the meters of those 台区 (all meters otherwise); the values
    of the meters kept are the same either way.
    """
    rng = np.random.default_rng(seed)
    shapes = class_shapes()
    scales = _meter_scales(meters, rated_kva, rng)
    profile = np.stack([shapes[m.tariff_class] for m in meters])
    regular = np.array([not m.is_total for m in meters])
    multipliers = np.array([m.multiplier for m in meters])
    loss = rng.uniform(1.03, 1.07, size=len(meters))
    meter_ids = pa.array([m.meter_id for m in meters], pa.string())
    by_transformer = _members_by_transformer(meters)
    kept = np.array([transformers is None or m.transformer_id in transformers for m in meters])
    for day in days:
        day_rng = np.random.default_rng([seed, day.toordinal()])
        weekend = 0.85 if day.weekday() >= 5 else 1.0
        noise = day_rng.lognormal(0.0, 0.18, size=profile.shape)
        kwh = profile * scales[:, None] * noise * season_factor(day) * weekend
        kwh = np.where(regular[:, None], kwh, 0.0)
        for total, members in by_transformer.items():
            true_kwh = (kwh[members] * multipliers[members, None]).sum(axis=0)
            kwh[total] = true_kwh * loss[total] / multipliers[total]
        keep = _kept_intervals(kwh.shape, day_rng) & kept[:, None]
        yield day, _day_table(meter_ids, _interval_ends(day), np.round(kwh, 4), keep)


def _members_by_transformer(meters: list[DemoMeter]) -> dict[int, list[int]]:
    totals = {m.transformer_id: i for i, m in enumerate(meters) if m.is_total}
    members: dict[int, list[int]] = {i: [] for i in totals.values()}
    for i, m in enumerate(meters):
        if not m.is_total and m.transformer_id in totals:
            members[totals[m.transformer_id]].append(i)
    return members


def _kept_intervals(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """True per (meter, slot) read; a few meters miss one to three intervals (gaps)."""
    count = shape[0]
    keep = np.ones(shape, dtype=bool)
    gappy = rng.choice(count, size=max(1, int(count * GAP_METER_SHARE)), replace=False)
    for meter in gappy:
        start = int(rng.integers(0, SLOTS - 3))
        keep[meter, start : start + int(rng.integers(1, 4))] = False
    return keep


def _day_table(meter_ids: pa.Array, ends: pa.Array, kwh: np.ndarray, keep: np.ndarray) -> pa.Table:
    rows, slots = np.nonzero(keep)
    return pa.table(
        {
            "meter": meter_ids.take(pa.array(rows)),
            "ts": ends.take(pa.array(slots)),
            "kwh": pa.array(kwh[rows, slots], pa.float64()),
        }
    )
