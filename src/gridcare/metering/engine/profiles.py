"""Materialised 96-point load profiles: one row per meter and month, slot sums as vectors.

The analytic expression is `aggregate.meter_profiles` (Ibis, any backend). What is stored
for every month is its sufficient statistics in wide form, so that adding a day costs one
pass over that day's readings and one small write, whatever the month already holds:

    <root>/agg/meter_profile/month=YYYY-MM-01/data.parquet

| column   | type          | meaning                                                        |
| -------- | ------------- | -------------------------------------------------------------- |
| meter_id | string            | asset number (sorted)                                      |
| kwh_sum  | list<double, 96>  | 96 slot sums, kWh before multiplier, suspect (`S`) left out|
| readings | list<int64, 96>   | 96 slot counts of the readings summed                      |

Slot 0 is 00:00–00:15 Beijing. mean kWh at a slot = kwh_sum / readings; the shares (a
meter's normalised shape, summing to 1) are `ProfileSums.shares()`. The sums come from the
same Ibis expression on every backend (`aggregate.profile_cells`: the readings of the days
being added, per reading or per meter-slot) and are accumulated here with NumPy
(`add_cells`). The query numbers the meters by an index of the meters the sums already
hold (`index_table`), so what comes back is keyed by integers (row × 96 + slot) and adds
straight into the month's matrices; only a meter outside the index comes back by name.
Stored in long form (20,000 meters × 96 slots = 1.92 M rows with a string key), merging
and rewriting a month cost a second or more per day. The vectors have a fixed size: Arrow
then reads them without list offsets, three times faster than variable lists (1.1 → 0.3 s
for 200,000 meters); files written with variable lists are still read.
Memory: 1.5 kB per meter (1.5 GB per million meters) in the process that runs the refresh
when a month is summed again; adding a day maps the month's raw arrays (`map_sums`, below)
and adds into them, so their pages come from the file, not from the process's own memory.

>>> import pyarrow as pa
>>> month = ProfileSums.zeros(np.array(["m1", "m2"]))
>>> day = pa.table({"cell": [96, 8, 0, None], "meter_id": [None, None, None, "m3"],
...                 "slot": [0, 8, 0, 4], "kwh_sum": [0.5, 2.0, 1.0, 0.2]})
>>> both = add_cells(add_cells(month, day), day)
>>> both.meter_ids.tolist(), both.kwh_sum[0, [0, 8]].tolist(), both.readings[2, 4].item()
(['m1', 'm2', 'm3'], [2.0, 4.0], 2)
>>> both.shares()[0, [0, 8]].round(3).tolist()
[0.333, 0.667]
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gridcare.metering.engine import schema as s

SLOTS: Final = s.INTERVALS_PER_DAY
_SLOT_SHIFT_S: Final = s.CHINA_UTC_OFFSET_MINUTES * 60 - s.INTERVAL_MINUTES * 60
#: No dictionaries; the sums stored plain: lz4 shrinks them by a fifth and doubles the
#: time of a one-day refresh's write, zstd is slower still. The counts hardly vary.
_CODECS: Final = {
    s.METER_ID: "lz4",
    "kwh_sum.list.element": "none",
    "readings.list.element": "lz4",
}
#: The numbering `aggregate.profile_cells` joins (`index_table`).
INDEX_SCHEMA: Final = pa.schema([pa.field(s.METER_ID, pa.string()), pa.field("row", pa.int32())])
PROFILE_SCHEMA: Final = pa.schema(
    [
        pa.field(s.METER_ID, pa.string()),
        pa.field("kwh_sum", pa.list_(pa.float64(), SLOTS)),
        pa.field("readings", pa.list_(pa.int64(), SLOTS)),
    ]
)


@dataclass(frozen=True)
class ProfileSums:
    """Slot sums of some meters: `meter_ids` sorted (M; NumPy `str`, whose sorts and
    searches run in C, unlike `object`), `kwh_sum` and `readings` (M × 96)."""

    meter_ids: np.ndarray
    kwh_sum: np.ndarray
    readings: np.ndarray

    @classmethod
    def empty(cls) -> ProfileSums:
        return cls(
            np.array([], dtype=str),
            np.zeros((0, SLOTS), dtype=np.float64),
            np.zeros((0, SLOTS), dtype=np.int64),
        )

    @classmethod
    def zeros(cls, meter_ids: np.ndarray) -> ProfileSums:
        """No readings yet for the sorted `meter_ids`."""
        n = len(meter_ids)
        return cls(
            meter_ids,
            np.zeros((n, SLOTS), dtype=np.float64),
            np.zeros((n, SLOTS), dtype=np.int64),
        )

    def with_readings(self) -> ProfileSums:
        """Only the meters with at least one reading summed."""
        keep = self.readings.any(axis=1)
        if keep.all():
            return self
        return ProfileSums(self.meter_ids[keep], self.kwh_sum[keep], self.readings[keep])

    def __add__(self, other: ProfileSums) -> ProfileSums:
        """The sums of both, over the union of their meters."""
        if np.array_equal(self.meter_ids, other.meter_ids):  # the usual day after day
            return ProfileSums(
                self.meter_ids, self.kwh_sum + other.kwh_sum, self.readings + other.readings
            )
        ids = (
            self.meter_ids  # e.g. a meter silent that day: no union of the names needed
            if _holds(self.meter_ids, other.meter_ids)
            else np.union1d(self.meter_ids, other.meter_ids)
        )
        kwh = np.zeros((len(ids), SLOTS), dtype=np.float64)
        counts = np.zeros((len(ids), SLOTS), dtype=np.int64)
        for part in (self, other):
            rows = np.searchsorted(ids, part.meter_ids)
            kwh[rows] += part.kwh_sum
            counts[rows] += part.readings
        return ProfileSums(ids, kwh, counts)

    def mean_kwh(self) -> np.ndarray:
        """Mean kWh per slot (M × 96), NaN where the slot has no reading."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.readings > 0, self.kwh_sum / self.readings, np.nan)

    def shares(self) -> np.ndarray:
        """Each meter's mean kWh per slot over its mean daily kWh (rows sum to 1; NaN for a
        meter that used nothing, and at slots without readings)."""
        mean = self.mean_kwh()
        total = np.nansum(mean, axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, mean / total, np.nan)

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_arrays(
            [
                pa.array(self.meter_ids.tolist(), pa.string()),
                _lists(self.kwh_sum, pa.float64()),
                _lists(self.readings, pa.int64()),
            ],
            schema=PROFILE_SCHEMA,
        )

    @classmethod
    def from_arrow(cls, table: pa.Table) -> ProfileSums:
        if table.num_rows == 0:
            return cls.empty()
        ids = _names(table[s.METER_ID])
        kwh = _matrix(table["kwh_sum"], np.float64)
        counts = _matrix(table["readings"], np.int64)
        if len(ids) > 1 and not np.all(ids[1:] > ids[:-1]):  # written sorted: no copies
            order = np.argsort(ids, kind="stable")
            ids, kwh, counts = ids[order], kwh[order], counts[order]
        return cls(ids, kwh, counts)


def _holds(ids: np.ndarray, some: np.ndarray) -> bool:
    """Whether the sorted `ids` hold every one of `some`."""
    if not len(ids):
        return not len(some)
    rows = np.searchsorted(ids, some).clip(0, len(ids) - 1)
    return bool(np.array_equal(ids[rows], some))


def _lists(matrix: np.ndarray, type_: pa.DataType) -> pa.FixedSizeListArray:
    return pa.FixedSizeListArray.from_arrays(pa.array(matrix.ravel(), type_), SLOTS)


def _matrix(column: pa.ChunkedArray, dtype: type) -> np.ndarray:
    values = column.combine_chunks().flatten().to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=dtype).reshape(-1, SLOTS)


def index_table(meter_ids: np.ndarray) -> pa.Table:
    """(meter_id, row) of sorted `meter_ids`, for `aggregate.profile_cells`."""
    rows = np.arange(len(meter_ids), dtype=np.int32)
    return pa.Table.from_arrays([pa.array(meter_ids.tolist()), pa.array(rows)], schema=INDEX_SCHEMA)


def add_cells(base: ProfileSums, cells: pa.Table, *, in_place: bool = False) -> ProfileSums:
    """`base` plus the rows of `aggregate.profile_cells` run with `index_table(base.meter_ids)`
    (cell, meter_id, slot, kwh_sum[, readings]). `base` is left as it was, unless
    `in_place` (its matrices then hold the indexed meters' cells afterwards).

    Cells of indexed meters are added into copies of base's matrices batch by batch, with
    `ufunc.at` straight on the Arrow buffers: in a new process every temporary is fresh
    memory, and touching it costs more than the arithmetic. Meters outside the index are
    summed by name and added with `+` (a new meter, a meter missing from the dimension)."""
    kwh, counts = (
        (base.kwh_sum, base.readings) if in_place else (base.kwh_sum.copy(), base.readings.copy())
    )
    named = []
    for batch in cells.to_batches():
        if batch.column("cell").null_count:
            named.append(batch.filter(pc.is_null(batch.column("cell"))))
            batch = batch.filter(pc.is_valid(batch.column("cell")))
        _add_at(kwh, counts, _numbers(batch, "cell"), batch)
    total = ProfileSums(base.meter_ids, kwh, counts)
    return total + _by_name(pa.Table.from_batches(named)) if named else total


def _add_at(kwh: np.ndarray, counts: np.ndarray, key: np.ndarray, batch: pa.RecordBatch) -> None:
    """Add a batch's kWh and counts at flat `key` (row × 96 + slot) of the matrices."""
    # The same dtype on both sides: a mixed `ufunc.at` takes a path 20× slower.
    np.add.at(kwh.reshape(-1), key, _numbers(batch, "kwh_sum", np.float64))
    ones = "readings" not in batch.schema.names
    np.add.at(counts.reshape(-1), key, 1 if ones else _numbers(batch, "readings"))


def _by_name(cells: pa.Table) -> ProfileSums:
    """Sums of cells keyed by meter_id (few: meters outside the index)."""
    ids, inverse = np.unique(_names(cells[s.METER_ID]), return_inverse=True)
    sums = ProfileSums.zeros(ids)
    [batch] = cells.combine_chunks().to_batches()  # never empty: add_cells sends no empty one
    _add_at(sums.kwh_sum, sums.readings, inverse * SLOTS + _numbers(batch, "slot"), batch)
    return sums


def _numbers(batch: pa.RecordBatch, name: str, dtype: type = np.int64) -> np.ndarray:
    """A column without nulls as NumPy (no copy when Arrow holds it as `dtype`)."""
    return batch.column(name).to_numpy(zero_copy_only=False).astype(dtype, copy=False)


def sorted_names(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The distinct meter ids of `column`, sorted, as a `ProfileSums.meter_ids` array."""
    return np.unique(_names(column))


def _names(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    # Not `to_numpy()`: on text Arrow imports pandas for it, 1.3 s in a new process.
    return np.array(column.to_pylist(), dtype=str)


def read_profile(path: Path) -> ProfileSums:
    # ParquetFile, not read_table: no pyarrow.dataset (≈0.7 s to import in a new process);
    # memory-mapped, since `write_profile` replaces the file by rename, never in place.
    table = pq.ParquetFile(path, memory_map=True).read()
    return ProfileSums.from_arrow(table.select(PROFILE_SCHEMA.names).cast(PROFILE_SCHEMA))


# --- the sums as raw arrays, added to in place ----------------------------------------------
#
# `<month>/_sums/` holds the month's sums again as raw arrays: `meter_ids.npy` (sorted),
# `kwh_sum.f64` and `readings.i64` (M × 96, C order, native byte order) and `state`, a token
# the month's manifest repeats. Adding a day maps the arrays and adds into them where they
# lie: no decoding of the Parquet file, no copy of the month (in a new process on these
# VMs, touching fresh memory cost more than the arithmetic: 1-2 s of the 3-4 s a day took
# at 200,000 meters). `state` is removed before the arrays change and written after, so a
# crash in between leaves a token that no manifest names: the next refresh reads the
# Parquet file (the sums before that refresh) instead, and writes the arrays anew.

SUMS_DIR: Final = "_sums"
_STATE: Final = "state"
_ARRAYS: Final = (("kwh_sum", "kwh_sum.f64", np.float64), ("readings", "readings.i64", np.int64))


def map_sums(folder: Path, token: str) -> ProfileSums | None:
    """The sums in `folder`, memory-mapped for writing, if its state is `token` and the
    arrays fit the meters; else None."""
    try:
        if (folder / _STATE).read_text(encoding="utf-8") != token:
            return None
        ids = np.load(folder / "meter_ids.npy", allow_pickle=False)
        arrays = [
            np.memmap(folder / name, dtype=dtype, mode="r+", shape=(len(ids), SLOTS))
            for _, name, dtype in _ARRAYS
        ]
    except (OSError, ValueError):
        return None
    return ProfileSums(ids, *arrays)


def begin_update(folder: Path) -> None:
    """Mark the arrays in `folder` as being changed (see above)."""
    (folder / _STATE).unlink(missing_ok=True)


def finish_update(
    folder: Path, sums: ProfileSums, token: str, *, mapped: ProfileSums | None = None
) -> None:
    """Have `folder` hold `sums` with state `token`. If `sums` are the very arrays `mapped`
    from it (`map_sums`, added to in place) they are flushed; any others (a copy, a meter
    added or dropped) are written anew (temporary files, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    begin_update(folder)
    if mapped is not None and all(
        getattr(sums, field) is getattr(mapped, field)
        for field in ("meter_ids", "kwh_sum", "readings")
    ):
        for array in (mapped.kwh_sum, mapped.readings):
            if isinstance(array, np.memmap):  # always; for the type checker
                array.flush()
    else:
        _replace(folder / "meter_ids.npy", lambda f: np.save(f, sums.meter_ids))
        for field, name, dtype in _ARRAYS:
            array = np.ascontiguousarray(getattr(sums, field), dtype=dtype)
            _replace(folder / name, array.tofile)
    _replace(folder / _STATE, lambda f: f.write(token.encode()))


def _replace(path: Path, write: Callable[[BinaryIO], object]) -> None:
    temp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        with temp.open("wb") as handle:
            write(handle)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def write_profile(sums: ProfileSums, path: Path) -> int:
    """Write `sums` to `path` atomically (temporary file + rename); returns the rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        pq.write_table(sums.to_arrow(), temp, compression=_CODECS, use_dictionary=False)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return len(sums.meter_ids)
