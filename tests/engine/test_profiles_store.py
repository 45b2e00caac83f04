"""The stored month profile file: fixed-size vectors, and files of variable lists still read."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from gridcare.metering.engine import materialize, profiles
from gridcare.metering.engine.io import Store
from tests.engine.data.ingest_helpers import bj, put, series


def _sums() -> profiles.ProfileSums:
    kwh = np.arange(2 * 96, dtype=np.float64).reshape(2, 96) / 10
    counts = np.ones((2, 96), dtype=np.int64)
    return profiles.ProfileSums(np.array(["m1", "m2"]), kwh, counts)


def test_profiles_are_written_as_fixed_size_vectors(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    profiles.write_profile(_sums(), path)
    schema = pq.read_schema(path)
    assert schema.field("kwh_sum").type == pa.list_(pa.float64(), 96)
    back = profiles.read_profile(path)
    assert back.kwh_sum.tolist() == _sums().kwh_sum.tolist()


def test_a_file_written_with_variable_lists_is_still_read(tmp_path: Path) -> None:
    sums = _sums()
    old = pa.table(
        {
            "meter_id": ["m2", "m1"],  # and out of order: sorted on reading
            "kwh_sum": pa.array(sums.kwh_sum[::-1].tolist(), pa.list_(pa.float64())),
            "readings": pa.array(sums.readings[::-1].tolist(), pa.list_(pa.int64())),
        }
    )
    pq.write_table(old, tmp_path / "data.parquet")
    back = profiles.read_profile(tmp_path / "data.parquet")
    assert back.meter_ids.tolist() == ["m1", "m2"]
    assert back.kwh_sum.tolist() == sums.kwh_sum.tolist()
    assert back.readings.tolist() == sums.readings.tolist()


# --- the raw arrays beside the month file, added to in place --------------------------------

AFTER = datetime(2024, 6, 1, tzinfo=UTC)
MONTH = date(2024, 5, 1)


def _import_day(mk: Any, store: Store, day: int, value: float) -> Any:
    records = series("M1", bj(day, 0, 15), [value] * 96) + series("M2", bj(day, 0, 15), [1.0] * 96)
    report = put(records, store, meters=["M1", "M2"], batch_id=f"b{day}", now=AFTER)
    meters = mk.meters([("M1", "T1", 1, False), ("M2", "T1", 1, False)])
    materialize.refresh(
        root=store.root,
        days=report.days,
        meters=meters,
        transformers=mk.transformers([("T1", 25)]),
        additions=report.additions,
    )
    return report


def _part(store: Store) -> Path:
    return materialize.aggregate_dir(store.root, "meter_profile") / f"month={MONTH}"


def _month(store: Store) -> profiles.ProfileSums:
    return profiles.read_profile(_part(store) / "data.parquet")


def test_a_new_day_is_added_into_the_raw_arrays_in_place(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path)
    _import_day(mk, store, 1, 2.0)
    sums_dir = _part(store) / profiles.SUMS_DIR
    inode = (sums_dir / "kwh_sum.f64").stat().st_ino
    _import_day(mk, store, 2, 3.0)
    assert (sums_dir / "kwh_sum.f64").stat().st_ino == inode  # the same file, changed
    manifest = json.loads((_part(store) / "_days.json").read_text())
    assert (sums_dir / "state").read_text() == manifest["sums"]
    month = _month(store)
    assert month.kwh_sum[0].tolist() == [5.0] * 96  # 2.0 + 3.0: the Parquet file agrees
    mapped = profiles.map_sums(sums_dir, manifest["sums"])
    assert mapped is not None
    assert mapped.kwh_sum.tolist() == month.kwh_sum.tolist()


def test_arrays_left_half_changed_are_not_trusted(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A refresh killed while adding: the state is gone and the arrays hold anything. The
    next refresh adds to the Parquet file (the sums before it) and writes the arrays anew."""
    store = Store(tmp_path)
    _import_day(mk, store, 1, 2.0)
    sums_dir = _part(store) / profiles.SUMS_DIR
    profiles.begin_update(sums_dir)
    np.full((2, 96), 99.0).tofile(sums_dir / "kwh_sum.f64")
    _import_day(mk, store, 2, 3.0)
    assert _month(store).kwh_sum[0].tolist() == [5.0] * 96
    token = json.loads((_part(store) / "_days.json").read_text())["sums"]
    mapped = profiles.map_sums(sums_dir, token)
    assert mapped is not None
    assert mapped.kwh_sum[0].tolist() == [5.0] * 96


def test_a_month_without_raw_arrays_is_read_from_its_file(mk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A store written before the arrays existed (or with them deleted)."""
    store = Store(tmp_path)
    _import_day(mk, store, 1, 2.0)
    shutil.rmtree(_part(store) / profiles.SUMS_DIR)
    _import_day(mk, store, 2, 3.0)
    assert _month(store).kwh_sum[0].tolist() == [5.0] * 96
    assert (_part(store) / profiles.SUMS_DIR / "state").is_file()


def test_sums_taken_from_the_arrays_but_changed_elsewhere_are_written_anew(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Sums that are not the folder's own mapping (a meter dropped, a copy) must be written
    out, not trusted to be in the files already."""
    folder = tmp_path / profiles.SUMS_DIR
    profiles.finish_update(folder, _sums(), "t1")
    mapped = profiles.map_sums(folder, "t1")
    assert mapped is not None
    only_m2 = profiles.ProfileSums(mapped.meter_ids[1:], mapped.kwh_sum[1:], mapped.readings[1:])
    profiles.finish_update(folder, only_m2, "t2", mapped=mapped)  # views of the mapping
    again = profiles.map_sums(folder, "t2")
    assert again is not None
    assert again.meter_ids.tolist() == ["m2"]
    assert again.kwh_sum.tolist() == _sums().kwh_sum[1:].tolist()
