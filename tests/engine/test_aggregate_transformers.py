"""Transformer aggregates (load curve, daily peak and load rate, heavy-load/overload events).

Expected values are computed here in plain Python, never by the engine.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import ibis

from gridcare.metering.engine import aggregate as agg
from gridcare.metering.engine.backend import readings_table

STEP = timedelta(minutes=15)


def expected_curve(store: Any) -> dict[tuple[str, datetime], list[float]]:
    curve: dict[tuple[str, datetime], list[float]] = defaultdict(lambda: [0.0, 0])
    for meter, ts, kwh, quality, _ in store.raw:
        if meter == "tot1" or quality == "S":  # the total meter is no load; S is not summed
            continue
        cell = curve[(store.transformer_of[meter], ts)]
        cell[0] += kwh * store.multiplier[meter] * 4
        cell[1] += 1
    return curve


def test_load_curve_and_daily_peak(backend, mk, meter_store) -> None:  # type: ignore[no-untyped-def]
    meters = ibis.memtable(meter_store.meters)
    curve = agg.transformer_load_curve(readings_table(backend, meter_store.root), meters)
    expected = expected_curve(meter_store)
    got = mk.rows(backend, curve)
    assert got == mk.normal(
        {"transformer_id": t, "day": mk.day_of(ts), "ts": ts, "kw": kw, "meters": n}
        for (t, ts), (kw, n) in expected.items()
    )

    peak = agg.transformer_daily_peak(curve, ibis.memtable(meter_store.transformers), 0.9)
    rated = {"T1": 500.0, "T2": 100.0}
    by_day: dict[tuple[str, date], list[tuple[float, datetime]]] = defaultdict(list)
    for (t, ts), (kw, _) in expected.items():
        by_day[(t, mk.day_of(ts))].append((kw, ts))
    want = []
    for (t, day), points in by_day.items():
        top = max(kw for kw, _ in points)
        want.append(
            {
                "transformer_id": t,
                "day": day,
                "peak_kw": top,
                "peak_ts": min(ts for kw, ts in points if kw == top),
                "avg_kw": sum(kw for kw, _ in points) / len(points),
                "intervals": len(points),
                "rated_kva": rated[t],
                "load_rate": top / (rated[t] * 0.9),
            }
        )
    assert mk.rows(backend, peak) == mk.normal(want)


def _curve(mk: Any, runs: list[tuple[datetime, int, float]]) -> Any:
    """A T1 curve from (first interval END, intervals, kW) runs."""
    rows = [(start + STEP * i, kw) for start, n, kw in runs for i in range(n)]
    return ibis.memtable(
        {
            "transformer_id": ["T1"] * len(rows),
            "day": [mk.day_of(ts) for ts, _ in rows],
            "ts": [ts for ts, _ in rows],
            "kw": [kw for _, kw in rows],
        }
    )


def test_load_events_threshold_lengths(backend, mk) -> None:  # type: ignore[no-untyped-def]
    # 100 kVA × 0.9 = 90 kW is a load rate of 1.0; 72 kW is exactly 0.8.
    transformers = ibis.memtable(mk.transformers([("T1", 100)]))
    bj = mk.bj
    runs = [
        (bj(2024, 3, 1, 1, 15), 7, 80.0),  # 7 heavy intervals: no event
        (bj(2024, 3, 1, 4, 15), 8, 72.0),  # 8 intervals at exactly 0.8: heavy
        (bj(2024, 3, 1, 8, 15), 3, 95.0),  # 3 overload intervals: nothing
        (bj(2024, 3, 1, 10, 15), 4, 90.0),  # 4 at exactly 1.0: overload, too short for heavy
        (bj(2024, 3, 1, 12, 15), 5, 85.0),  # 5 + gap + 5: the gap breaks the run
        (bj(2024, 3, 1, 13, 45), 5, 85.0),
        (bj(2024, 3, 1, 16, 15), 2, 50.0),  # light
        (bj(2024, 3, 1, 16, 45), 2, 81.0),  # 2 heavy,
        (bj(2024, 3, 1, 17, 15), 5, 99.0),  # then 5 overload: heavy 7 → none; overload 5
        (bj(2024, 3, 1, 23, 15), 8, 76.5),  # crosses Beijing midnight: heavy, day 03-01
    ]
    events = agg.load_events(_curve(mk, runs), transformers)
    got = mk.rows(backend, events)
    expected = [
        ("heavy", bj(2024, 3, 1, 4, 0), bj(2024, 3, 1, 6, 0), 8, 0.8),
        ("overload", bj(2024, 3, 1, 10, 0), bj(2024, 3, 1, 11, 0), 4, 1.0),
        ("overload", bj(2024, 3, 1, 17, 0), bj(2024, 3, 1, 18, 15), 5, 1.1),
        ("heavy", bj(2024, 3, 1, 23, 0), bj(2024, 3, 2, 1, 0), 8, 0.85),
    ]
    assert got == mk.normal(
        {
            "transformer_id": "T1",
            "kind": kind,
            "start_ts": start,
            "end_ts": end,
            "intervals": n,
            "max_load_rate": rate,
            "day": mk.day_of(start + STEP),
        }
        for kind, start, end, n, rate in expected
    )


def test_load_events_custom_thresholds_and_power_factor(backend, mk) -> None:  # type: ignore[no-untyped-def]
    transformers = ibis.memtable(mk.transformers([("T1", 100)]))
    curve = _curve(mk, [(mk.bj(2024, 3, 1, 9, 15), 3, 60.0)])
    events = agg.load_events(
        curve, transformers, power_factor=1.0, heavy=0.6, heavy_intervals=3, over=0.61
    )
    got = mk.rows(backend, events, ["kind", "intervals", "max_load_rate"])
    assert got == [{"kind": "heavy", "intervals": 3, "max_load_rate": 0.6}]


def test_load_curve_kw_is_exact_to_the_milliwatt(backend, mk) -> None:  # type: ignore[no-untyped-def]
    """0.1 + 0.2 kWh is 0.30000000000000004 in doubles, and a parallel sum's last bits vary
    run to run: the curve is rounded, so a load at a threshold is judged the same each time."""
    ts = mk.bj(2024, 5, 1, 0, 15)
    readings = mk.readings([("m1", ts, 0.1, "A"), ("m2", ts, 0.2, "A")])
    meters = mk.meters([("m1", "T1", 1, False), ("m2", "T1", 1, False)])
    curve = agg.transformer_load_curve(ibis.memtable(readings), ibis.memtable(meters))
    assert backend.to_pyarrow(curve.select("kw")).column("kw").to_pylist() == [1.2]
