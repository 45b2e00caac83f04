"""Meter aggregates (TOU daily, monthly, profiles, completeness, line loss) on every backend.

Expected values are computed here in plain Python from `meter_store.raw`, never by the engine.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import ibis
import pytest

from gridcare.metering.engine import aggregate as agg
from gridcare.metering.engine.backend import readings_table
from gridcare.metering.engine.tou import GUANGDONG_TOU, TouCalendar, TouPeriod


def beijing_start(ts: Any) -> Any:
    return ts.replace(tzinfo=None) + timedelta(hours=8) - timedelta(minutes=15)


def gd_bucket(ts: Any) -> str:
    local = beijing_start(ts)
    hour = local.hour + local.minute / 60
    if local.month in (7, 8, 9) and (11 <= hour < 12 or 15 <= hour < 17):
        return "sharp"
    if hour < 8:
        return "valley"
    if 10 <= hour < 12 or 14 <= hour < 19:
        return "peak"
    return "flat"


def expected_daily(store: Any) -> list[dict[str, Any]]:
    """Billing kWh from actual and estimated readings, the estimated ones also counted apart;
    suspect ones counted and set apart; the highest demand of the summed readings and the
    earliest interval end at it (the store's values repeat: ties are the rule)."""
    acc: dict[tuple[str, date], dict[str, Any]] = {}
    for meter, ts, kwh, quality, day in store.raw:
        row = acc.setdefault(
            (meter, day),
            {"meter_id": meter, "day": day, "kwh": 0.0, "intervals": 0}
            | {f"kwh_{b}": 0.0 for b in GUANGDONG_TOU.buckets}
            | {"estimated_intervals": 0, "estimated_kwh": 0.0}
            | {"suspect_intervals": 0, "suspect_kwh": 0.0, "max_kw": None, "max_kw_at": None},
        )
        true = kwh * store.multiplier[meter]
        row["intervals"] += 1
        if quality == "S":
            row["suspect_intervals"] += 1
            row["suspect_kwh"] += true
            continue
        row["kwh"] += true
        row[f"kwh_{gd_bucket(ts)}"] += true
        if quality == "E":
            row["estimated_intervals"] += 1
            row["estimated_kwh"] += true
        kw = true * 4
        if row["max_kw"] is None or (kw, -ts.timestamp()) > (
            row["max_kw"],
            -row["max_kw_at"].timestamp(),
        ):
            row["max_kw"], row["max_kw_at"] = kw, ts
    return list(acc.values())


def test_daily_tou(backend, mk, meter_store) -> None:  # type: ignore[no-untyped-def]
    readings = readings_table(backend, meter_store.root)
    out = agg.daily_tou(readings, ibis.memtable(meter_store.meters), GUANGDONG_TOU)
    got = mk.rows(backend, out)
    assert got == mk.normal(expected_daily(meter_store))
    summer = [r for r in got if r["day"] == date(2024, 7, 10)]
    assert all(r["kwh_sharp"] > 0 for r in summer)
    assert all(r["kwh_sharp"] == 0 for r in got if r["day"].month == 1)


def test_daily_tou_buckets_at_borders_and_beijing_midnight(backend, mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bj = mk.bj
    rows = [
        ("m", bj(2024, 1, 15, 8, 0), 1.0),  # 07:45–08:00 valley
        ("m", bj(2024, 1, 15, 8, 15), 2.0),  # 08:00–08:15 flat
        ("m", bj(2024, 1, 15, 10, 15), 4.0),  # 10:00–10:15 peak
        ("m", bj(2024, 1, 15, 19, 0), 8.0),  # 18:45–19:00 peak
        ("m", bj(2024, 1, 16, 0, 0), 16.0),  # 23:45–24:00 (UTC 16:00) flat, still 01-15
        ("m", bj(2024, 1, 16, 0, 15), 32.0),  # 00:00–00:15 valley of 01-16
    ]
    mk.write_store(tmp_path, mk.readings(rows))
    meters = ibis.memtable(mk.meters([("m", "T", 2, False)]))
    out = agg.daily_tou(readings_table(backend, tmp_path), meters, GUANGDONG_TOU)
    got = mk.rows(backend, out, ["day", "kwh", "kwh_valley", "kwh_flat", "kwh_peak"])
    assert got == [
        {
            "day": date(2024, 1, 15),
            "kwh": 62.0,
            "kwh_valley": 2.0,
            "kwh_flat": 36.0,
            "kwh_peak": 24.0,
        },
        {
            "day": date(2024, 1, 16),
            "kwh": 64.0,
            "kwh_valley": 64.0,
            "kwh_flat": 0.0,
            "kwh_peak": 0.0,
        },
    ]


def test_daily_demand_and_estimates_take_only_summable_readings(backend, mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Demand and estimates of the readings billing sums: a suspect or implausible value is
    never the maximum, an estimated one can be, and a tie goes to the earliest interval."""
    bj, day = mk.bj, date(2024, 1, 15)
    rows = [
        ("m", bj(2024, 1, 15, 1, 0), 1.0, "A"),
        ("m", bj(2024, 1, 15, 2, 0), 9.0, "S"),  # suspect: held, the largest plausible value
        ("m", bj(2024, 1, 15, 3, 0), 1.0e9, "A"),  # implausible: held, never summed
        ("m", bj(2024, 1, 15, 4, 0), 3.0, "E"),  # estimated: summed, the day's maximum
        ("m", bj(2024, 1, 15, 5, 0), 3.0, "A"),  # as high, later
        ("m", bj(2024, 1, 15, 6, 0), float("nan"), "A"),
        ("m", bj(2024, 1, 15, 7, 0), float("inf"), "E"),  # an estimate no meter can give
        ("m", bj(2024, 1, 16, 1, 0), 3.0, "A"),  # as high on the next day
        ("s", bj(2024, 1, 15, 1, 0), 5.0, "S"),  # a meter-day with nothing to sum
    ]
    mk.write_store(tmp_path, mk.readings(rows))
    meters = ibis.memtable(mk.meters([("m", "T", 2, False), ("s", "T", 1, False)]))
    daily = agg.daily_tou(readings_table(backend, tmp_path), meters, GUANGDONG_TOU)
    columns = ["meter_id", "day", "kwh", "intervals", "estimated_intervals", "estimated_kwh",
               "suspect_intervals", "suspect_kwh", "max_kw", "max_kw_at"]  # fmt: skip
    assert mk.rows(backend, daily, columns) == mk.normal([
        {"meter_id": "m", "day": day, "kwh": 14.0, "intervals": 7, "estimated_intervals": 1,
         "estimated_kwh": 6.0, "suspect_intervals": 4, "suspect_kwh": 18.0,
         "max_kw": 24.0, "max_kw_at": bj(2024, 1, 15, 4, 0)},
        {"meter_id": "m", "day": date(2024, 1, 16), "kwh": 6.0, "intervals": 1,
         "estimated_intervals": 0, "estimated_kwh": 0.0, "suspect_intervals": 0,
         "suspect_kwh": 0.0, "max_kw": 24.0, "max_kw_at": bj(2024, 1, 16, 1, 0)},
        {"meter_id": "s", "day": day, "kwh": 0.0, "intervals": 1, "estimated_intervals": 0,
         "estimated_kwh": 0.0, "suspect_intervals": 1, "suspect_kwh": 5.0,
         "max_kw": None, "max_kw_at": None},
    ])  # fmt: skip
    month = agg.monthly(daily)
    got = mk.rows(
        backend, month, ["meter_id", "days", "estimated_intervals", "max_kw", "max_kw_at"]
    )
    assert got == mk.normal([
        {"meter_id": "m", "days": 2, "estimated_intervals": 1, "max_kw": 24.0,
         "max_kw_at": bj(2024, 1, 15, 4, 0)},
        {"meter_id": "s", "days": 1, "estimated_intervals": 0, "max_kw": None, "max_kw_at": None},
    ])  # fmt: skip


def test_daily_tou_with_a_custom_calendar(backend, mk, meter_store) -> None:  # type: ignore[no-untyped-def]
    night = TouCalendar("two-rate", (TouPeriod(0, 360, "night"), TouPeriod(360, 1440, "day")))
    readings = readings_table(backend, meter_store.root, [date(2024, 1, 15)])
    out = agg.daily_tou(readings, ibis.memtable(meter_store.meters), night)
    assert [c for c in out.columns if c.startswith("kwh_")] == ["kwh_night", "kwh_day"]
    expected: dict[str, float] = defaultdict(float)
    for meter, ts, kwh, _, day in meter_store.raw:
        if day == date(2024, 1, 15) and meter == "m2" and beijing_start(ts).hour < 6:
            expected["m2"] += kwh * 30
    got = mk.rows(backend, out.filter(out.meter_id == "m2"), ["kwh_night"])
    assert got == mk.normal([{"kwh_night": expected["m2"]}])


def test_monthly(backend, mk, meter_store) -> None:  # type: ignore[no-untyped-def]
    readings = readings_table(backend, meter_store.root)
    out = agg.monthly(agg.daily_tou(readings, ibis.memtable(meter_store.meters), GUANGDONG_TOU))
    acc: dict[tuple[str, date], dict[str, Any]] = {}
    keys = ("meter_id", "day", "max_kw", "max_kw_at")
    for row in expected_daily(meter_store):
        month = row["day"].replace(day=1)
        m = acc.setdefault(
            (row["meter_id"], month),
            {"meter_id": row["meter_id"], "month": month, "days": 0}
            | {k: 0 if k.endswith("intervals") else 0.0 for k in row if k not in keys}
            | {"max_kw": None, "max_kw_at": None},
        )
        m["days"] += 1
        for k in row:
            if k not in keys:
                m[k] += row[k]
        # The month's highest demand; of days at the same highest, the earliest interval.
        if row["max_kw"] is not None and (
            m["max_kw"] is None or (row["max_kw"], m["max_kw_at"]) > (m["max_kw"], row["max_kw_at"])
        ):
            m["max_kw"], m["max_kw_at"] = row["max_kw"], row["max_kw_at"]
    got = mk.rows(backend, out)
    assert got == mk.normal(acc.values())
    # m2 (×30) reaches 1 kWh, 120 kW, on every day: the month's is the first of them.
    m2 = next(r for r in got if r["meter_id"] == "m2" and r["month"] == date(2024, 1, 1))
    assert m2["max_kw"] == 120.0
    assert m2["max_kw_at"] == mk.bj(2024, 1, 15, 2, 15)  # slot 8 of the month's first day


def test_meter_profiles(backend, mk, meter_store) -> None:  # type: ignore[no-untyped-def]
    readings = readings_table(backend, meter_store.root)
    got = mk.rows(backend, agg.meter_profiles(readings))
    sums: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0])
    for meter, ts, kwh, quality, _ in meter_store.raw:
        if quality == "S":
            continue
        local = beijing_start(ts)
        slot = (local.hour * 60 + local.minute) // 15
        sums[(meter, slot)][0] += kwh
        sums[(meter, slot)][1] += 1
    means = {k: v[0] / v[1] for k, v in sums.items()}
    daily = defaultdict(float)
    for (meter, _), mean in means.items():
        daily[meter] += mean
    expected = [
        {
            "meter_id": meter,
            "slot": slot,
            "kwh_sum": sums[(meter, slot)][0],
            "readings": sums[(meter, slot)][1],
            "mean_kwh": mean,
            "share": mean / daily[meter],
        }
        for (meter, slot), mean in means.items()
    ]
    assert got == mk.normal(expected)
    for meter in ("m1", "m2", "m3", "tot1"):
        mine = [r for r in got if r["meter_id"] == meter]
        assert len(mine) == 96
        assert sum(r["share"] for r in mine) == pytest.approx(1.0)


def test_meter_profiles_by_month(backend, mk, meter_store) -> None:  # type: ignore[no-untyped-def]
    readings = readings_table(backend, meter_store.root)
    out = agg.meter_profiles(readings, by_month=True)
    got = mk.rows(backend, out.filter(out.meter_id == "m3"), ["month", "slot", "readings"])
    # m3 lacks slots 0..19 on 01-16: those slots have one January reading, the rest two.
    january = {r["slot"]: r["readings"] for r in got if r["month"] == date(2024, 1, 1)}
    assert january == {slot: 1 if slot < 20 else 2 for slot in range(96)}
    assert {r["readings"] for r in got if r["month"] == date(2024, 7, 1)} == {1}


def test_completeness(backend, mk, meter_store) -> None:  # type: ignore[no-untyped-def]
    readings = readings_table(backend, meter_store.root)
    meters = ibis.memtable(meter_store.meters)
    days = [*meter_store.DAYS, date(2024, 7, 11)]  # a day without any reading
    got = mk.rows(backend, agg.completeness(readings, meters, days))
    counts: dict[tuple[str, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for meter, _, _, quality, day in meter_store.raw:
        counts[(meter, day)][quality] += 1
    expected = []
    for meter in meter_store.multiplier:
        for day in days:
            c = counts[(meter, day)]
            received = sum(c.values())
            expected.append(
                {
                    "meter_id": meter,
                    "day": day,
                    "expected": 96,
                    "received": received,
                    "actual": c["A"],
                    "estimated": c["E"],
                    "suspect": c["S"],
                    "missing": 96 - received,
                    "completeness": c["A"] / 96,
                }
            )
    assert got == mk.normal(expected)
    m1 = next(r for r in got if r["meter_id"] == "m1" and r["day"] == date(2024, 1, 15))
    assert (m1["actual"], m1["estimated"], m1["suspect"], m1["missing"]) == (92, 3, 1, 0)

    per_transformer = agg.transformer_completeness(agg.completeness(readings, meters, days), meters)
    t2 = mk.rows(
        backend,
        per_transformer.filter(per_transformer.transformer_id == "T2"),
        ["day", "meters", "meters_complete", "meters_silent", "expected", "actual", "missing"],
    )
    assert t2[:2] == [
        {"day": date(2024, 1, 15), "meters": 2, "meters_complete": 1, "meters_silent": 1,
         "expected": 192, "actual": 96, "missing": 96},
        {"day": date(2024, 1, 16), "meters": 2, "meters_complete": 0, "meters_silent": 1,
         "expected": 192, "actual": 76, "missing": 116},
    ]  # fmt: skip


def test_line_loss(backend, mk, meter_store) -> None:  # type: ignore[no-untyped-def]
    readings = readings_table(backend, meter_store.root)
    meters = ibis.memtable(meter_store.meters)
    out = agg.line_loss(agg.daily_tou(readings, meters, GUANGDONG_TOU), meters)
    inputs: dict[date, float] = defaultdict(float)
    outputs: dict[date, float] = defaultdict(float)
    for meter, _, kwh, quality, day in meter_store.raw:
        if quality == "S":  # from daily_tou: suspect readings are not summed
            continue
        if meter == "tot1":
            inputs[day] += kwh
        elif meter_store.transformer_of[meter] == "T1":
            outputs[day] += kwh * meter_store.multiplier[meter]
    expected = [
        {
            "transformer_id": "T1",
            "day": day,
            "input_kwh": inputs[day],
            "output_kwh": outputs[day],
            "loss_kwh": inputs[day] - outputs[day],
            "loss_rate": (inputs[day] - outputs[day]) / inputs[day],
            "meters_reporting": 2,
            "meters": 2,
        }
        for day in meter_store.DAYS
    ]
    got = mk.rows(backend, out)  # T2 has no total meter: no rows
    assert got == mk.normal(expected)
    # The total meter reads 5 % more than the customers, except where m1's suspect reading
    # of 01-15 is held out of the customers' side.
    clean = [r for r in got if r["day"] != date(2024, 1, 15)]
    assert all(r["loss_rate"] == pytest.approx(0.05 / 1.05, rel=1e-5) for r in clean)
