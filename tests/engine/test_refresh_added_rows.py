"""A day an import only added readings to: recomputed for the meters of its transformers,
never when another import's refresh did not finish (`pending` marks)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from gridcare.metering.engine import io as store_io
from gridcare.metering.engine import materialize, pending
from gridcare.metering.engine.backend import connect
from gridcare.metering.engine.io import Store
from tests.engine.data.ingest_helpers import bj, put, series

AFTER = datetime(2024, 6, 1, tzinfo=UTC)  # every reading here is in the past
OTHERS = [f"M{i}" for i in range(5, 11)]  # on T3: so that T1's meters are a fifth of all
METER_IDS = ["M1", "M2", "M3", "M4", *OTHERS]
DAY1, DAY2 = date(2024, 5, 1), date(2024, 5, 2)


def dims(mk: Any, m4_transformer: str | None = "T2") -> tuple[Any, Any]:
    meters = mk.meters(
        [
            ("M1", "T1", 1, False),
            ("M2", "T1", 2, False),
            ("M3", "T2", 1, False),
            ("M4", m4_transformer, 1, False),
            *((m, "T3", 1, False) for m in OTHERS),
        ]
    )
    return meters, mk.transformers([("T1", 25), ("T2", 10), ("T3", 50)])


def day1() -> list[dict[str, Any]]:
    """M1 misses its last interval (24:00), M3 10:00-10:45 (too long a gap to estimate)."""
    return (
        series("M1", bj(1, 0, 15), [1.0] * 95)
        + series("M2", bj(1, 0, 15), [0.5] * 96)
        + series("M3", bj(1, 0, 15), [2.0] * 40 + [None] * 3 + [2.0] * 53)
        + series("M4", bj(1, 0, 15), [0.2] * 95)
        + [r for m in OTHERS for r in series(m, bj(1, 0, 15), [0.3] * 96)]
    )


def day2(meters: tuple[str, ...] = ("M1", "M2", "M3", "M4")) -> list[dict[str, Any]]:
    """Starts at 00:15: M1's (and M4's) gap at day 1's 24:00 is estimated into day 1."""
    return [r for m in meters for r in series(m, bj(2, 0, 15), [3.0] * 96)]


def ingest(store: Store, records: list[dict[str, Any]], batch: str) -> Any:
    return put(records, store, meters=METER_IDS, batch_id=batch, now=AFTER)


def refresh(root: Path, report: Any, dimensions: tuple[Any, Any], backend: Any) -> Any:
    meters, transformers = dimensions
    return materialize.refresh(
        root=root,
        days=report.days,
        meters=meters,
        transformers=transformers,
        backend=backend,
        additions=report.additions,
    )


def rebuilt(con: Any, mk: Any, store: Store, dimensions: tuple[Any, Any]) -> Any:
    """Every aggregate recomputed from all the readings (no shortcut)."""
    meters, transformers = dimensions
    materialize.refresh(
        root=store.root, days=store.days(), meters=meters, transformers=transformers, backend=con
    )
    return mk.aggregates(con, store.root)


def test_an_added_estimate_recomputes_only_its_transformer_s_meters(backend, mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store, dimensions = Store(tmp_path / "s"), dims(mk)
    refresh(store.root, ingest(store, day1(), "b1"), dimensions, backend)
    report = ingest(store, day2(("M1", "M2", "M3")), "b2")
    assert (report.days, report.added_only) == ([DAY1, DAY2], [DAY1, DAY2])
    done = refresh(store.root, report, dimensions, backend)
    assert done.added_days == (DAY1,)  # day 2 is new: whole
    incremental = mk.aggregates(backend, store.root)
    daily = {(r["meter_id"], r["day"]): r["kwh"] for r in incremental["daily_tou"]}
    assert daily[("M1", DAY1)] == pytest.approx(95 * 1.0 + 2.0)  # + the estimate (1 + 3) / 2
    assert daily[("M3", DAY1)] == pytest.approx(93 * 2.0)  # on T2: as it was
    assert incremental == rebuilt(backend, mk, store, dimensions)


def test_a_meter_without_transformer_recomputes_the_whole_day(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store, dimensions = Store(tmp_path / "s"), dims(mk, m4_transformer=None)
    refresh(store.root, ingest(store, day1(), "b1"), dimensions, "duckdb://")
    done = refresh(store.root, ingest(store, day2(), "b2"), dimensions, "duckdb://")
    assert done.added_days == ()
    con = connect()
    assert mk.aggregates(con, store.root) == rebuilt(con, mk, store, dimensions)


def test_a_refresh_that_never_ran_is_caught_up_and_blocks_the_shortcut(
    backend, mk, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """b2 adds M3's late reading to day 1 and its refresh never runs (a crash). b3's own
    additions to day 1 (M1's estimate, on T1) must not be the only change recomputed."""
    store, dimensions = Store(tmp_path / "s"), dims(mk)
    refresh(store.root, ingest(store, day1(), "b1"), dimensions, backend)
    assert pending.read(store.root) == {}
    late = ingest(store, series("M3", bj(1, 10, 30), [7.0]), "b2")  # and both 1-gaps estimated
    assert late.added_only == [DAY1]
    assert pending.read(store.root) == {"b2": frozenset({DAY1})}
    done = refresh(store.root, ingest(store, day2(("M1",)), "b3"), dimensions, backend)
    assert done.added_days == ()
    assert pending.read(store.root) == {}
    incremental = mk.aggregates(backend, store.root)
    daily = {(r["meter_id"], r["day"]): r["kwh"] for r in incremental["daily_tou"]}
    assert daily[("M3", DAY1)] == pytest.approx(93 * 2.0 + 7.0 + 2 * (2.0 + 7.0) / 2)
    assert incremental == rebuilt(backend, mk, store, dimensions)


def test_a_mark_names_days_the_refresh_was_not_asked_for(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store, dimensions = Store(tmp_path / "s"), dims(mk)
    ingest(store, day1(), "b1")  # never refreshed
    meters, transformers = dimensions
    done = materialize.refresh(root=store.root, days=[], meters=meters, transformers=transformers)
    assert done.days == (DAY1,)
    assert done.get("daily_tou").rows == len(METER_IDS)
    assert pending.read(store.root) == {}


def test_an_unreadable_mark_blocks_the_shortcut_and_is_logged(mk, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    store, dimensions = Store(tmp_path / "s"), dims(mk)
    refresh(store.root, ingest(store, day1(), "b1"), dimensions, "duckdb://")
    report = ingest(store, day2(("M1",)), "b2")  # without the mark, a shortcut for T1
    (store.root / pending.PENDING_DIR / "b0.json").write_text("{not json", encoding="utf-8")
    with caplog.at_level("WARNING"):
        done = refresh(store.root, report, dimensions, "duckdb://")
    assert done.added_days == ()
    assert "b0.json" in caplog.text
    assert pending.read(store.root) == {}


def test_an_import_marks_its_days_until_they_are_refreshed(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """(A failed import leaves no mark: test_ingest_files' failure while writing.)"""
    store, dimensions = Store(tmp_path / "s"), dims(mk)
    ingest(store, day1(), "b1")
    assert pending.read(store.root) == {"b1": frozenset({DAY1})}
    unchanged = ingest(store, day1(), "b2")  # the same readings again: nothing to refresh
    assert unchanged.days == []
    assert pending.read(store.root) == {"b1": frozenset({DAY1})}
    refresh(store.root, ingest(store, day2(), "b3"), dimensions, "duckdb://")
    assert pending.read(store.root) == {}


def test_a_failed_import_keeps_the_mark_its_batch_id_already_had(mk, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A batch id imported again (a retried API batch) whose second write fails: the first
    write's days are still unrefreshed, so the mark must stay."""
    store = Store(tmp_path / "s")
    ingest(store, day1(), "b1")

    def disk_full(path: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store_io, "_fsync_file", disk_full)
    with pytest.raises(OSError, match="disk full"):
        ingest(store, day2(), "b1")
    assert pending.read(store.root) == {"b1": frozenset({DAY1, DAY2})}
