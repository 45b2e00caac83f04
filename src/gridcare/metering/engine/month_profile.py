"""The month profile's refresh: `meter_profile` brought up to date with the touched days.

`meter_profile` keeps per meter and month the 96 slot sums as vectors (`kwh_sum`,
`readings`; see `profiles`, equal to `aggregate.meter_profiles` by month) and a small
manifest (`_days.json`, tied to the data file by size and mtime) of the days already
summed and of the imports whose additions to a summed day are in the sums. New days are
added to the sums. A summed day is touched again by nearly every import (a gap at the
end of yesterday estimated once today's first reading is in): when the import only
added readings to it (`additions`, from `IngestReport.added_only`), only that import's
rows of the day are added. Any other touch of a summed day (a value replaced, a
re-estimate, a refresh without `additions`), or a missing or stale manifest, rebuilds the
month from all its reading partitions. Days are added into the month's raw arrays where
they lie when those are the ones the manifest names (`profiles.map_sums`), else into the
sums read from the Parquet file.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from gridcare.metering.engine import aggregate as agg
from gridcare.metering.engine import profiles
from gridcare.metering.engine import schema as s
from gridcare.metering.engine.aggstore import (
    SCHEMA_FILE,
    PartitionWriter,
    aggregate_dir,
    keep_schema,
)
from gridcare.metering.engine.backend import DATA_FILE, READINGS_DIR, partition_files
from gridcare.metering.engine.plans import PROFILE_INDEX, PROFILE_READINGS

PROFILE_MANIFEST = "_days.json"
_PROFILE_CELLS_PER_READING_DAYS = 2  # up to this many days, no per-slot sums first


@dataclass(frozen=True)
class _Manifest:
    """What a month's profile sums hold: the days summed, and per summed day the imports
    whose additions to it came after (added again, they would count twice)."""

    days: frozenset[date]
    added: dict[date, frozenset[str]]
    sums: str | None = None  # the state token of the raw arrays (`profiles.map_sums`)

    def holds(self, day: date, batch_id: str) -> bool:
        return batch_id in self.added.get(day, frozenset())


def _read_manifest(part_dir: Path) -> _Manifest | None:
    """The month's manifest, or None if unknown/stale."""
    data, manifest = part_dir / DATA_FILE, part_dir / PROFILE_MANIFEST
    try:
        info = json.loads(manifest.read_text())
        stat = data.stat()
        if info.get("size") != stat.st_size or info.get("mtime_ns") != stat.st_mtime_ns:
            return None
        return _Manifest(
            frozenset(date.fromisoformat(d) for d in info["days"]),
            {
                date.fromisoformat(d): frozenset(batches)
                for d, batches in info.get("added", {}).items()
            },
            str(info["sums"]) if info.get("sums") else None,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_manifest(part_dir: Path, manifest: _Manifest) -> None:
    stat = (part_dir / DATA_FILE).stat()
    tmp = part_dir / f".{PROFILE_MANIFEST}.{uuid.uuid4().hex}"
    tmp.write_text(
        json.dumps(
            {
                "days": [d.isoformat() for d in sorted(manifest.days)],
                "added": {
                    d.isoformat(): sorted(b)
                    for d, b in sorted(manifest.added.items())
                    if d in manifest.days
                },
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
                "sums": manifest.sums,
            }
        )
    )
    os.replace(tmp, part_dir / PROFILE_MANIFEST)


def _add_days(
    writer: PartitionWriter,
    base: profiles.ProfileSums,
    days: Sequence[date],
    only: Mapping[date, str] | None = None,
    *,
    in_place: bool = False,
) -> profiles.ProfileSums:
    """`base` plus the readings of `days`, and of the days in `only` those of the import
    given for each (one query); added into `base`'s own matrices if `in_place`."""
    if not days and not only:
        return base
    session = writer.session
    writer.bind_readings(PROFILE_READINGS, days, only)
    session.bind_arrow(PROFILE_INDEX, profiles.index_table(base.meter_ids))
    sql = writer.plans.profile_cells(by_slot=len(days) > _PROFILE_CELLS_PER_READING_DAYS)
    return profiles.add_cells(base, session.fetch(sql), in_place=in_place)


def refresh_month(
    writer: PartitionWriter,
    month: date,
    touched: Sequence[date],
    dimension: pa.ChunkedArray,
    additions: dict[date, str],
) -> None:
    """Bring the month's slot sums (`profiles`) up to date with the touched days: add new
    days whole and an import's additions to summed days (see the module docstring), or
    rebuild the month from all its reading partitions, numbering the `dimension`'s meters
    (its meter_id column)."""
    started = time.perf_counter()
    root = writer.root
    part_dir = aggregate_dir(root, "meter_profile") / f"{agg.MONTH}={month.isoformat()}"
    data, sums_dir = part_dir / DATA_FILE, part_dir / profiles.SUMS_DIR
    stored = {d for d, _ in partition_files(root / READINGS_DIR, s.DAY)}
    old = _read_manifest(part_dir)
    summed_again = [d for d in touched if old is not None and d in old.days]
    if old is not None and all(d in additions for d in summed_again):
        new_days = [d for d in touched if d not in old.days and d in stored]
        only = {d: additions[d] for d in summed_again if not old.holds(d, additions[d])}
        if not new_days and not only:  # every one of them is in the sums already
            writer.tally("meter_profile", 0, 0, 0, time.perf_counter() - started)
            return
        mapped = profiles.map_sums(sums_dir, old.sums) if old.sums else None
        sums = _add_to_stored(writer, mapped, data, sums_dir, new_days, only)
        days, added = old.days | set(new_days), dict(old.added)
    else:
        days = frozenset(d for d in stored if d.replace(day=1) == month)
        zeros = profiles.ProfileSums.zeros(profiles.sorted_names(dimension))
        mapped, sums, added = None, _add_days(writer, zeros, sorted(days)), {}
    for day in touched:  # what these imports added is in the sums now, however it came in
        if day in additions:
            added[day] = added.get(day, frozenset()) | {additions[day]}
    sums = sums.with_readings()
    written = removed = rows = 0
    if len(sums.meter_ids):
        rows = profiles.write_profile(sums, data)
        keep_schema(data, aggregate_dir(root, "meter_profile") / SCHEMA_FILE)
        token = uuid.uuid4().hex
        profiles.finish_update(sums_dir, sums, token, mapped=mapped)
        _write_manifest(part_dir, _Manifest(frozenset(days), added, token))
        written = 1
    elif part_dir.exists():
        shutil.rmtree(part_dir)
        removed = 1
    writer.tally("meter_profile", written, removed, rows, time.perf_counter() - started)


def _add_to_stored(
    writer: PartitionWriter,
    mapped: profiles.ProfileSums | None,
    data: Path,
    sums_dir: Path,
    days: Sequence[date],
    only: Mapping[date, str],
) -> profiles.ProfileSums:
    """The stored sums plus `days` and `only`: added in place into the `mapped` raw arrays
    (the manifest's), or without them to the sums read from the Parquet file."""
    if mapped is None:
        return _add_days(writer, profiles.read_profile(data), days, only)
    profiles.begin_update(sums_dir)
    return _add_days(writer, mapped, days, only, in_place=True)
