"""Incremental materialisation: only touched partitions are rewritten, results equal a full
refresh, and every aggregate comes out the same on DuckDB and on Spark."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from gridcare.metering.engine import materialize, profiles
from gridcare.metering.engine.aggregate import meter_profiles
from gridcare.metering.engine.aggstore import SCHEMA_FILE
from gridcare.metering.engine.backend import connect, partition_files, readings_table
from gridcare.metering.engine.io import Store
from tests.engine.data.ingest_helpers import bj, put, series

DAYS = (date(2024, 1, 30), date(2024, 1, 31), date(2024, 2, 1), date(2024, 2, 2))
STEP = timedelta(minutes=15)


def day_rows(mk: Any, day: date, bump: float = 0.0) -> list[tuple[Any, ...]]:
    """m1, m2 (×10) on T1 and its total meter; T1 is heavily loaded from 22:00 on 02-01 to
    01:00 on 02-02, so the event of 02-01 grows when 02-02 arrives."""
    rows: list[tuple[Any, ...]] = []
    start = mk.bj(day.year, day.month, day.day)
    for i in range(96):
        ts = start + STEP * (i + 1)
        local_hour = (i * 15) // 60
        heavy = (day == DAYS[2] and local_hour >= 22) or (day == DAYS[3] and local_hour < 1)
        m1 = 5.0 if heavy else 0.1 + (i % 7) / 10 + bump
        m2 = 0.05 + (i % 5) / 100
        quality = "E" if i % 40 == 3 else "A"
        rows += [
            ("m1", ts, m1, quality),
            ("m2", ts, m2, "A"),
            ("tot", ts, (m1 + m2 * 10) * 1.04, "A"),
        ]
    if day == DAYS[1]:
        rows = [r for r in rows if not (r[0] == "m2" and r[1] < start + STEP * 10)]
    return rows


def build(
    mk: Any, root: Path, days: tuple[date, ...], bump: dict[date, float] | None = None
) -> None:
    for day in days:
        mk.write_store(root, mk.readings(day_rows(mk, day, (bump or {}).get(day, 0.0))))


def dims(mk: Any) -> tuple[Any, Any]:
    meters = mk.meters([("m1", "T1", 1, False), ("m2", "T1", 10, False), ("tot", "T1", 1, True)])
    # 5 kWh per 15 min = 20 kW on m1 alone: rate 20 / (25 × 0.9) ≈ 0.89 → heavy.
    return meters, mk.transformers([("T1", 25)])


def snapshot(root: Path) -> dict[tuple[str, date], tuple[int, int]]:
    out = {}
    for name in materialize.AGGREGATES:
        key = materialize.partition_key(name)
        for value, path in partition_files(materialize.aggregate_dir(root, name), key):
            stat = path.stat()
            out[(name, value)] = (stat.st_ino, stat.st_mtime_ns)
    return out


def test_incremental_refresh_rewrites_only_touched_partitions(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    con = connect()
    meters, transformers = dims(mk)
    inc, full = tmp_path / "incremental", tmp_path / "full"
    build(mk, inc, DAYS[:3])
    first = materialize.refresh(
        root=inc, days=DAYS[:3], meters=meters, transformers=transformers, backend=con
    )
    assert first.get("daily_tou").partitions == 3
    assert first.get("monthly").partitions == 2
    before = snapshot(inc)
    events_before = mk.rows(con, materialize.read_aggregate(con, inc, "load_events"))
    assert [(e["day"], e["intervals"]) for e in events_before] == [(DAYS[2], 8)]

    build(mk, inc, DAYS[3:])
    report = materialize.refresh(
        root=inc, days=DAYS[3:], meters=meters, transformers=transformers, backend=con
    )
    after = snapshot(inc)
    rewritten = {k for k in before if after.get(k) != before[k]}
    # Only February's month partitions, and the event that grew into the new day.
    assert rewritten == {
        ("monthly", date(2024, 2, 1)),
        ("meter_profile", date(2024, 2, 1)),
        ("load_events", DAYS[2]),
    }
    assert {k for k in after if k not in before} == {
        (name, DAYS[3]) for name in materialize.DAY_AGGREGATES if name != "load_events"
    }
    assert report.days == (DAYS[3],)
    assert report.get("daily_tou").rows == 3
    assert report.to_dict()["aggregates"][0]["name"] == "daily_tou"

    build(mk, full, DAYS)
    materialize.refresh(root=full, days=DAYS, meters=meters, transformers=transformers, backend=con)
    assert mk.aggregates(con, inc) == mk.aggregates(con, full)
    events = mk.rows(con, materialize.read_aggregate(con, inc, "load_events"))
    assert [(e["day"], e["intervals"]) for e in events] == [(DAYS[2], 12)]

    # A re-import of a day already summed rebuilds that month's profile from its readings.
    build(mk, inc, DAYS[1:2], bump={DAYS[1]: 0.5})
    materialize.refresh(
        root=inc, days=DAYS[1:2], meters=meters, transformers=transformers, backend=con
    )
    shutil.rmtree(full)
    build(mk, full, DAYS, bump={DAYS[1]: 0.5})
    materialize.refresh(root=full, days=DAYS, meters=meters, transformers=transformers, backend=con)
    assert mk.aggregates(con, inc) == mk.aggregates(con, full)


def _as_older_engine_wrote(root: Path, name: str, dropped: tuple[str, ...]) -> None:
    """Rewrite `name`'s partitions and schema file without the `dropped` columns."""
    base = materialize.aggregate_dir(root, name)
    for path in [*base.glob("*=*/data.parquet"), base / SCHEMA_FILE]:
        table = pq.read_table(path)
        pq.write_table(table.drop_columns(list(dropped)), path)


def test_a_store_an_older_engine_wrote_is_refreshed_whole(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Partitions without the estimated and demand columns (written before they existed)
    cannot be read with new ones: the next refresh, of one new day, refreshes every day."""
    con = connect()
    meters, transformers = dims(mk)
    old, fresh = tmp_path / "old", tmp_path / "fresh"
    build(mk, old, DAYS[:3])
    materialize.refresh(root=old, days=DAYS[:3], meters=meters, transformers=transformers)
    added = ("estimated_intervals", "estimated_kwh", "max_kw", "max_kw_at")
    for name in ("daily_tou", "monthly"):
        _as_older_engine_wrote(old, name, added)

    build(mk, old, DAYS[3:])
    report = materialize.refresh(root=old, days=DAYS[3:], meters=meters, transformers=transformers)
    assert report.rebuilt_for == ("daily_tou", "monthly")
    assert report.days == DAYS
    build(mk, fresh, DAYS)
    materialize.refresh(root=fresh, days=DAYS, meters=meters, transformers=transformers)
    assert mk.aggregates(con, old) == mk.aggregates(con, fresh)

    again = materialize.refresh(root=old, days=DAYS[3:], meters=meters, transformers=transformers)
    assert (again.rebuilt_for, again.days) == ((), DAYS[3:])


def test_refresh_of_a_day_without_readings_removes_its_partitions(backend, mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    con = connect()  # reads back the same way whichever backend refreshed
    meters, transformers = dims(mk)
    build(mk, tmp_path, DAYS[:1])
    materialize.refresh(
        root=tmp_path, days=DAYS[:1], meters=meters, transformers=transformers, backend=backend
    )
    shutil.rmtree(tmp_path / "readings" / f"day={DAYS[0].isoformat()}")
    report = materialize.refresh(
        root=tmp_path, days=DAYS[:1], meters=meters, transformers=transformers, backend=backend
    )
    assert report.get("daily_tou").removed == 1
    daily = materialize.read_aggregate(con, tmp_path, "daily_tou")
    assert con.to_pyarrow(daily).num_rows == 0
    # Completeness still lists every meter, with nothing received.
    rows = mk.rows(con, materialize.read_aggregate(con, tmp_path, "completeness"))
    assert {(r["meter_id"], r["received"], r["missing"]) for r in rows} == {
        ("m1", 0, 96),
        ("m2", 0, 96),
        ("tot", 0, 96),
    }
    with pytest.raises(LookupError):
        materialize.read_aggregate(con, tmp_path / "elsewhere", "daily_tou")


def test_every_aggregate_is_equal_on_duckdb_and_spark(mk, spark_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gridcare.metering.engine.backend import from_spark_session

    meters, transformers = dims(mk)
    results = {}
    for name, con in (("duckdb", connect()), ("pyspark", from_spark_session(spark_session))):
        root = tmp_path / name
        build(mk, root, DAYS)
        materialize.refresh(
            root=root, days=DAYS, meters=meters, transformers=transformers, backend=con
        )
        results[name] = mk.aggregates(connect(), root)  # read both back the same way
    assert all(results["duckdb"][name] for name in materialize.AGGREGATES)
    assert results["duckdb"] == results["pyspark"]


def test_an_event_grown_into_the_new_day_is_rewritten_on_either_backend(
    backend, mk, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The new day's refresh reads the stored events, computes them once over the window and
    writes the partitions from that result: the event of 02-01 grows from 8 to 12 intervals."""
    con = connect()  # reads back the same way whichever backend refreshed
    meters, transformers = dims(mk)
    build(mk, tmp_path, DAYS[:3])
    materialize.refresh(
        root=tmp_path, days=DAYS[:3], meters=meters, transformers=transformers, backend=backend
    )
    build(mk, tmp_path, DAYS[3:])
    report = materialize.refresh(
        root=tmp_path, days=DAYS[3:], meters=meters, transformers=transformers, backend=backend
    )
    events = mk.rows(con, materialize.read_aggregate(con, tmp_path, "load_events"))
    assert [(e["day"], e["kind"], e["intervals"]) for e in events] == [(DAYS[2], "heavy", 12)]
    assert report.get("load_events").partitions == 1


def test_profile_added_day_by_day_equals_the_month_built_at_once(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two increments in a row (the second adds to sums the first one wrote), against one
    refresh of the whole month."""
    con = connect()
    meters, transformers = dims(mk)
    inc, full = tmp_path / "incremental", tmp_path / "full"
    for day in DAYS[2:]:
        build(mk, inc, (day,))
        materialize.refresh(
            root=inc, days=[day], meters=meters, transformers=transformers, backend=con
        )
    build(mk, full, DAYS[2:])
    materialize.refresh(
        root=full, days=DAYS[2:], meters=meters, transformers=transformers, backend=con
    )
    month = date(2024, 2, 1)
    path = materialize.aggregate_dir(inc, "meter_profile") / f"month={month}" / "data.parquet"
    once = materialize.aggregate_dir(full, "meter_profile") / f"month={month}" / "data.parquet"
    assert profiles.read_profile(path).to_arrow().equals(profiles.read_profile(once).to_arrow())


def _month_profile(root: Path, month: date) -> profiles.ProfileSums:
    path = materialize.aggregate_dir(root, "meter_profile") / f"month={month}" / "data.parquet"
    return profiles.read_profile(path)


def test_profile_keeps_a_meter_missing_from_the_dimension(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The month is numbered by the dimension's meters; m2's readings come back by name."""
    con = connect()
    meters, transformers = dims(mk)
    without_m2 = mk.meters([("m1", "T1", 1, False), ("tot", "T1", 1, True)])
    build(mk, tmp_path / "all", DAYS[2:])
    build(mk, tmp_path / "some", DAYS[2:])
    materialize.refresh(
        root=tmp_path / "all", days=DAYS[2:], meters=meters, transformers=transformers, backend=con
    )
    materialize.refresh(
        root=tmp_path / "some",
        days=DAYS[2:],
        meters=without_m2,
        transformers=transformers,
        backend=con,
    )
    some = _month_profile(tmp_path / "some", DAYS[2])
    assert some.meter_ids.tolist() == ["m1", "m2", "tot"]
    assert some.to_arrow().equals(_month_profile(tmp_path / "all", DAYS[2]).to_arrow())


def test_profile_adds_a_meter_first_seen_on_the_added_day(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The second day holds m2, which the month's sums do not: it comes back by name."""
    con = connect()
    meters, transformers = dims(mk)
    first = [r for r in day_rows(mk, DAYS[2]) if r[0] != "m2"]
    for root in (tmp_path / "inc", tmp_path / "full"):
        mk.write_store(root, mk.readings(first))
    materialize.refresh(
        root=tmp_path / "inc", days=DAYS[2:3], meters=meters, transformers=transformers, backend=con
    )
    assert _month_profile(tmp_path / "inc", DAYS[2]).meter_ids.tolist() == ["m1", "tot"]
    for root in (tmp_path / "inc", tmp_path / "full"):
        build(mk, root, DAYS[3:])
    materialize.refresh(
        root=tmp_path / "inc", days=DAYS[3:], meters=meters, transformers=transformers, backend=con
    )
    materialize.refresh(
        root=tmp_path / "full", days=DAYS[2:], meters=meters, transformers=transformers, backend=con
    )
    inc = _month_profile(tmp_path / "inc", DAYS[2])
    assert inc.meter_ids.tolist() == ["m1", "m2", "tot"]
    assert inc.readings[1].sum() == 96  # m2: one day
    assert inc.to_arrow().equals(_month_profile(tmp_path / "full", DAYS[2]).to_arrow())


def test_materialised_profile_equals_the_meter_profiles_expression(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    con = connect()
    meters, transformers = dims(mk)
    build(mk, tmp_path, DAYS)
    materialize.refresh(
        root=tmp_path, days=DAYS, meters=meters, transformers=transformers, backend=con
    )
    readings = readings_table(con, tmp_path)
    expected = {
        (r["meter_id"], r["month"], r["slot"]): (r["readings"], r["mean_kwh"], r["share"])
        for r in mk.rows(con, meter_profiles(readings, by_month=True))
    }
    got = {}
    for month in (date(2024, 1, 1), date(2024, 2, 1)):
        path = materialize.aggregate_dir(tmp_path, "meter_profile") / f"month={month}"
        sums = profiles.read_profile(path / "data.parquet")
        mean, share = sums.mean_kwh(), sums.shares()
        for i, meter in enumerate(sums.meter_ids):
            for slot in np.flatnonzero(sums.readings[i]):
                got[(meter, month, int(slot))] = (
                    int(sums.readings[i, slot]),
                    round(float(mean[i, slot]), 9),
                    round(float(share[i, slot]), 9),
                )
    assert len(got) == 3 * 96 * 2  # 3 meters, 2 months; m2 missed 10 slots only on 01-31
    assert got == expected


# --- an import that only adds to a day already summed ---------------------------------------


AFTER = datetime(2024, 6, 1, tzinfo=UTC)  # every reading of these tests is in the past


def _import_and_refresh(
    mk: Any, store: Any, records: list[dict[str, Any]], batch: str, backend: Any = "duckdb://"
) -> Any:
    report = put(records, store, meters=["M1", "M2"], batch_id=batch, now=AFTER)
    meters = mk.meters([("M1", "T1", 1, False), ("M2", "T1", 1, False)])
    transformers = mk.transformers([("T1", 25)])
    materialize.refresh(
        root=store.root,
        days=report.days,
        meters=meters,
        transformers=transformers,
        backend=backend,
        additions=report.additions,
    )
    return report


def test_profile_adds_an_import_s_rows_to_a_summed_day_once(backend, mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Day 2's first reading fills the last interval of day 1 (summed already): only that
    estimate is added; running the same refresh again adds nothing; a full rebuild agrees."""
    store = Store(tmp_path)
    day1 = series("M1", bj(1, 0, 15), [1.0] * 95) + series("M2", bj(1, 0, 15), [0.5] * 96)
    _import_and_refresh(mk, store, day1, "b1", backend)
    day2 = series("M1", bj(2, 0, 15), [3.0] * 96)
    report = _import_and_refresh(mk, store, day2, "b2", backend)
    assert report.added_only == report.days == [date(2024, 5, 1), date(2024, 5, 2)]
    month = date(2024, 5, 1)
    part = materialize.aggregate_dir(tmp_path, "meter_profile") / f"month={month}"
    manifest = json.loads((part / "_days.json").read_text())
    assert manifest["added"] == {"2024-05-01": ["b1", "b2"], "2024-05-02": ["b2"]}
    added = _month_profile(tmp_path, month)
    assert added.readings[0].tolist() == [2] * 96  # M1: 95 + the estimate at 24:00, + day 2
    assert added.kwh_sum[0, 95] == 2.0 + 3.0  # the estimate (1.0 + 3.0) / 2, day 2's 3.0

    meters = mk.meters([("M1", "T1", 1, False), ("M2", "T1", 1, False)])
    transformers = mk.transformers([("T1", 25)])
    additions = dict.fromkeys(report.days, "b2")
    again = {"backend": backend, "additions": additions}
    materialize.refresh(
        root=tmp_path, days=report.days, meters=meters, transformers=transformers, **again
    )
    assert _month_profile(tmp_path, month).to_arrow().equals(added.to_arrow())
    rebuild = {"backend": backend}  # no additions: the month is summed again
    materialize.refresh(
        root=tmp_path, days=report.days, meters=meters, transformers=transformers, **rebuild
    )
    assert json.loads((part / "_days.json").read_text())["added"] == {}
    assert _month_profile(tmp_path, month).to_arrow().equals(added.to_arrow())


def test_profile_rebuilds_a_month_when_an_import_replaced_a_value(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path)
    _import_and_refresh(mk, store, series("M1", bj(1, 0, 15), [1.0] * 96), "b1")
    report = _import_and_refresh(mk, store, series("M1", bj(1, 0, 15), [2.0]), "b2")
    assert (report.days, report.added_only) == ([date(2024, 5, 1)], [])
    sums = _month_profile(tmp_path, date(2024, 5, 1))
    assert sums.readings[0].tolist() == [1] * 96
    assert sums.kwh_sum[0, 0] == 2.0
    assert sums.kwh_sum[0, 1:].tolist() == [1.0] * 95


def test_profile_adds_a_late_reading_to_a_summed_day(backend, mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A reading that arrives late for a slot nobody sent (no new day touched): added alone."""
    store = Store(tmp_path)
    early = series("M1", bj(1, 0, 15), [1.0] * 40) + series("M1", bj(1, 12, 15), [1.0] * 48)
    _import_and_refresh(mk, store, early, "b1", backend)
    late = series("M1", bj(1, 10, 15), [5.0])  # 10:00–10:15 is slot 40, far from any gap end
    report = _import_and_refresh(mk, store, late, "b2", backend)
    assert (report.days, report.added_only) == ([date(2024, 5, 1)], [date(2024, 5, 1)])
    sums = _month_profile(tmp_path, date(2024, 5, 1))
    assert sums.readings[0].sum() == 40 + 48 + 1
    assert sums.kwh_sum[0, 40] == 5.0


@pytest.mark.parametrize("manifest", ["{not json", '{"days": "2024-05-01", "added": 3}'])
def test_profile_is_summed_again_when_its_manifest_is_unreadable(mk, tmp_path, manifest) -> None:  # type: ignore[no-untyped-def]
    """Whatever the manifest says, an unreadable one is never trusted: the month is summed
    from the readings and the manifest written again."""
    store = Store(tmp_path)
    _import_and_refresh(mk, store, series("M1", bj(1, 0, 15), [1.0] * 96), "b1")
    part = materialize.aggregate_dir(tmp_path, "meter_profile") / "month=2024-05-01"
    (part / "_days.json").write_text(manifest)
    _import_and_refresh(mk, store, series("M1", bj(2, 0, 15), [2.0] * 96), "b2")
    sums = _month_profile(tmp_path, date(2024, 5, 1))
    assert sums.readings[0].tolist() == [2] * 96
    assert sums.kwh_sum[0].tolist() == [3.0] * 96
    assert json.loads((part / "_days.json").read_text())["days"] == ["2024-05-01", "2024-05-02"]
