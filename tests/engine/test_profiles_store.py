"""The stored month profile file: fixed-size vectors, and files of variable lists still read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from gridcare.metering.engine import profiles


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
