"""Compiled aggregate queries: kept on disk for the next process, keyed by what they depend
on, and the same rows whichever way the profile cells are gathered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pytest

from gridcare.metering.engine import aggregate as agg
from gridcare.metering.engine import materialize, profiles, queries
from gridcare.metering.engine.backend import connect, readings_table
from gridcare.metering.engine.tou import TouCalendar
from tests.engine.test_aggregate_refresh import DAYS, build, dims

TABLE = queries.placeholder("_gc_test", ibis.schema({"a": "int64"}))


def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new interpreter sees: no compiled text in memory."""
    monkeypatch.setattr(queries, "_MEMORY", {})


def refuse() -> Any:
    raise AssertionError("compiled again although the text was cached")


def test_a_new_process_reads_the_compiled_text_from_disk(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fresh_process(monkeypatch)
    sql = queries.Session(connect(), tmp_path).sql("k", lambda: TABLE.aggregate(n=TABLE.a.max()))
    assert len(list(tmp_path.glob("*.sql"))) == 1
    fresh_process(monkeypatch)
    assert queries.Session(connect(), tmp_path).sql("k", refuse) == sql
    # Another shape key is another query.
    other = queries.Session(connect(), tmp_path).sql("k2", lambda: TABLE.aggregate(n=TABLE.a.min()))
    assert other != sql
    assert len(list(tmp_path.glob("*.sql"))) == 2


def test_an_unreadable_cache_file_is_compiled_again(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fresh_process(monkeypatch)
    session = queries.Session(connect(), tmp_path)
    sql = session.sql("k", lambda: TABLE.aggregate(n=TABLE.a.max()))
    (cached,) = tmp_path.glob("*.sql")
    cached.write_bytes(b"\xff\xfe not text")
    fresh_process(monkeypatch)
    again = queries.Session(connect(), tmp_path).sql("k", lambda: TABLE.aggregate(n=TABLE.a.max()))
    assert again == sql
    assert cached.read_text(encoding="utf-8") == sql


def test_a_read_only_cache_folder_still_answers(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fresh_process(monkeypatch)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    session = queries.Session(connect(), blocked / "queries")  # cannot be created
    session.bind_arrow("_gc_test", pa.table({"a": [4, 9]}))
    assert session.fetch(
        session.sql("k", lambda: TABLE.aggregate(n=TABLE.a.max()))
    ).to_pylist() == [{"n": 9}]


def test_refresh_with_another_calendar_compiles_its_own_queries(mk, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fresh_process(monkeypatch)
    con = connect()
    meters, transformers = dims(mk)
    build(mk, tmp_path, DAYS[:1])
    materialize.refresh(
        root=tmp_path, days=DAYS[:1], meters=meters, transformers=transformers, backend=con
    )
    flat = TouCalendar("flat", ((0, 1440, "all"),))
    fresh_process(monkeypatch)  # and a new process, so the disk is what is consulted
    materialize.refresh(
        root=tmp_path,
        days=DAYS[:1],
        meters=meters,
        transformers=transformers,
        tou=flat,
        backend=con,
    )
    daily = con.to_pyarrow(materialize.read_aggregate(con, tmp_path, "daily_tou"))
    assert "kwh_all" in daily.column_names
    assert "kwh_peak" not in daily.column_names
    assert np.allclose(daily["kwh_all"].to_numpy(), daily["kwh"].to_numpy())


def test_profile_cells_per_reading_equal_cells_per_slot(backend, mk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build(mk, tmp_path, DAYS)
    readings = readings_table(backend, tmp_path)
    index = ibis.memtable(profiles.index_table(np.array(["m1"])))  # m2, tot by name
    cells = {
        by_slot: profiles.add_cells(
            profiles.ProfileSums.zeros(np.array(["m1"])),
            backend.to_pyarrow(agg.profile_cells(readings, index, by_slot=by_slot)),
        )
        for by_slot in (True, False)
    }
    per_slot, per_reading = cells[True], cells[False]
    assert per_slot.meter_ids.tolist() == per_reading.meter_ids.tolist() == ["m1", "m2", "tot"]
    assert np.array_equal(per_slot.readings, per_reading.readings)
    assert np.allclose(per_slot.kwh_sum, per_reading.kwh_sum, rtol=0, atol=1e-9)
    assert per_slot.readings.sum() == 3 * 96 * 4 - 9  # m2 sent nothing before 02:30 on 01-31


def _sums(ids: list[str], kwh: float) -> profiles.ProfileSums:
    n = len(ids)
    return profiles.ProfileSums(
        np.array(ids, dtype=str),
        np.full((n, profiles.SLOTS), kwh),
        np.ones((n, profiles.SLOTS), dtype=np.int64),
    )


@pytest.mark.parametrize(
    ("day_ids", "expected_ids"),
    [
        (["m1", "m3"], ["m1", "m2", "m3"]),  # a meter silent that day: added in place
        (["m0", "m2"], ["m0", "m1", "m2", "m3"]),  # a new meter: the union of both
        (["m1", "m2", "m3"], ["m1", "m2", "m3"]),
    ],
)
def test_adding_a_day_to_month_sums(day_ids, expected_ids) -> None:  # type: ignore[no-untyped-def]
    month = _sums(["m1", "m2", "m3"], 2.0)
    total = month + _sums(day_ids, 0.5)
    assert total.meter_ids.tolist() == expected_ids
    for row, meter in enumerate(expected_ids):
        days = (meter in month.meter_ids) + (meter in day_ids)
        kwh = 2.0 * (meter in month.meter_ids) + 0.5 * (meter in day_ids)
        assert total.readings[row].tolist() == [days] * profiles.SLOTS
        assert np.allclose(total.kwh_sum[row], kwh)
    assert np.allclose(month.kwh_sum, 2.0)  # the month's own sums are left as they were


def test_profile_rows_read_in_any_order_come_back_sorted(tmp_path: Path) -> None:
    sums = _sums(["m1", "m2", "m3"], 1.0)
    sums.kwh_sum[2] = 7.0
    shuffled = sums.to_arrow().take([2, 0, 1])
    back = profiles.ProfileSums.from_arrow(shuffled)
    assert back.meter_ids.tolist() == ["m1", "m2", "m3"]
    assert np.allclose(back.kwh_sum[:, 0], [1.0, 1.0, 7.0])
    profiles.write_profile(back, tmp_path / "p.parquet")
    again = profiles.read_profile(tmp_path / "p.parquet")
    assert again.to_arrow().equals(back.to_arrow())
