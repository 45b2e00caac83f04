"""The materialised aggregates on disk: their names, partition keys and folders, and the
writer that replaces partitions atomically (see `materialize` for what is in them).

    <root>/agg/<name>/day=YYYY-MM-DD/data.parquet     day-level aggregates
    <root>/agg/<name>/month=YYYY-MM-01/data.parquet   month-level aggregates
    <root>/agg/<name>/_schema.parquet                 the columns (no rows)
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from gridcare.metering.engine import aggregate as agg
from gridcare.metering.engine import schema as s
from gridcare.metering.engine.backend import (
    DATA_FILE,
    READINGS_DIR,
    READINGS_SCHEMA,
    partition_files,
    store_path,
)
from gridcare.metering.engine.io import sql_str
from gridcare.metering.engine.plans import Plans, source_name
from gridcare.metering.engine.queries import Session

AGG_DIR = "agg"
DAY_AGGREGATES = (
    "daily_tou",
    "completeness",
    "transformer_load",
    "transformer_peak",
    "transformer_completeness",
    "line_loss",
    "load_events",
)
MONTH_AGGREGATES = ("monthly", "meter_profile")
AGGREGATES = DAY_AGGREGATES + MONTH_AGGREGATES
SCHEMA_FILE = "_schema.parquet"  # columns of the aggregate, for reads that match no partition


@dataclass(frozen=True)
class AggregateWrite:
    """What one aggregate's refresh wrote: partitions replaced / removed, rows, time."""

    name: str
    partitions: int
    removed: int
    rows: int
    seconds: float


def partition_key(name: str) -> str:
    if name in DAY_AGGREGATES:
        return s.DAY
    if name in MONTH_AGGREGATES:
        return agg.MONTH
    raise KeyError(f"unknown aggregate {name!r}; one of {AGGREGATES}")


def aggregate_dir(store_root: Any, name: str) -> Path:
    """`<root>/agg/<name>` (`store_root`: a path or an `io.Store`)."""
    partition_key(name)
    return store_path(store_root) / AGG_DIR / name


class PartitionWriter:
    """Writes aggregates partition by partition and keeps the per-aggregate tallies."""

    def __init__(self, session: Session, plans: Plans, root: Path) -> None:
        self.session = session
        self.plans = plans
        self.root = root
        self._tally: dict[str, list[float]] = {}

    def report(self) -> tuple[AggregateWrite, ...]:
        return tuple(
            AggregateWrite(name, int(p), int(r), int(rows), round(sec, 4))
            for name, (p, r, rows, sec) in self._tally.items()
        )

    def write(self, name: str, sql: str | None, targets: Sequence[date]) -> None:
        """Run `sql` once, then replace the `targets` partitions of `name` with its rows
        (`None`: remove them)."""
        started = time.perf_counter()
        key = partition_key(name)
        values = partition_values(key, targets)
        base = aggregate_dir(self.root, name)
        base.mkdir(parents=True, exist_ok=True)
        staging = base / f".staging-{uuid.uuid4().hex}"
        try:
            if sql is not None:
                wanted = ", ".join(f"DATE '{v.isoformat()}'" for v in values)
                self.session.copy_partitioned(
                    f"SELECT * FROM ({sql}) AS q WHERE {key} IN ({wanted})", staging, key
                )
            written = removed = rows = 0
            for value in values:
                target_dir = base / f"{key}={value.isoformat()}"
                files = _parquet_files(staging / f"{key}={value.isoformat()}")
                if files:
                    if not written:
                        keep_schema(files[0], base / SCHEMA_FILE)
                    rows += _install(files, target_dir / DATA_FILE)
                    written += 1
                elif (target_dir / DATA_FILE).exists():
                    shutil.rmtree(target_dir)
                    removed += 1
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.tally(name, written, removed, rows, time.perf_counter() - started)

    def bind_readings(
        self,
        name: str,
        days: Sequence[date],
        only: Mapping[date, str] | None = None,
        *,
        where: str | None = None,
    ) -> None:
        """`name` := the stored readings of `days` (those matching the SQL condition
        `where`, if given), and of the days in `only` the rows of the import (batch id)
        given for each."""
        if not only:
            self._bind_reading_files(name, days, where)
            return
        parts = [f"{name}_days"]
        self._bind_reading_files(parts[0], days, where)
        for i, batch_id in enumerate(sorted(set(only.values()))):
            parts.append(f"{name}_batch{i}")
            of_batch = [d for d, b in only.items() if b == batch_id]
            self._bind_reading_files(parts[-1], of_batch, f"{s.BATCH_ID} = {sql_str(batch_id)}")
        # A union, not one condition over all files: DuckDB then filters only the days that
        # need it (an OR over both took twice as long as the new day alone).
        self.session.bind_union(name, parts)

    def _bind_reading_files(self, name: str, days: Sequence[date], where: str | None) -> None:
        base = self.root / READINGS_DIR
        self.session.bind_parquet(
            name,
            [p for _, p in partition_files(base, s.DAY, days)],
            ", ".join(s.READING_COLUMNS),
            base=base,
            key=s.DAY,
            empty=READINGS_SCHEMA.to_pyarrow(),
            where=where,
        )

    def bind_source(self, source: str, days: Sequence[date]) -> ibis.Schema | None:
        """Bind `plans.source_name(source)` to its partitions of `days`; returns the schema
        it is read with, or None when none of those partitions exists."""
        key = partition_key(source)
        base = aggregate_dir(self.root, source)
        files = [p for _, p in partition_files(base, key, partition_values(key, days))]
        if not files or not (base / SCHEMA_FILE).is_file():
            return None
        stored = pq.read_schema(base / SCHEMA_FILE).remove_metadata()
        columns = ", ".join(n for n in stored.names if n != key)
        arrow = pa.schema([f for f in stored if f.name != key] + [pa.field(key, pa.date32())])
        self.session.bind_parquet(
            source_name(source), files, columns, base=base, key=key, empty=arrow
        )
        return ibis.Schema.from_pyarrow(arrow)

    def derive(
        self,
        name: str,
        source: str,
        source_days: Sequence[date],
        targets: Sequence[date] | None = None,
    ) -> None:
        """Write `name` (`Plans.derived`) from `source`'s partitions of `source_days`, for
        `targets` (default: the source days); with nothing to read, the targets' partitions
        are removed."""
        targets = source_days if targets is None else targets
        schema = self.bind_source(source, source_days)
        sql = None if schema is None else self.plans.derived(name, source, schema)
        self.write(name, sql, targets)

    def tally(self, name: str, written: int, removed: int, rows: int, seconds: float) -> None:
        tally = self._tally.setdefault(name, [0, 0, 0, 0.0])
        for i, v in enumerate((written, removed, rows, seconds)):
            tally[i] += v


def stale_aggregates(root: Path, buckets: tuple[str, ...]) -> tuple[str, ...]:
    """The aggregates whose stored columns (`_schema.parquet`) are not the ones this engine
    writes (`schema.aggregate_columns`): partitions of two layouts cannot be read as one
    table, nor a derived aggregate computed from them."""
    stale = []
    for name in AGGREGATES:
        stored = aggregate_dir(root, name) / SCHEMA_FILE
        if name == "meter_profile" or not stored.is_file():
            continue  # the profile's layout is `profiles.PROFILE_SCHEMA`, checked as it is read
        key = partition_key(name)
        wanted = {c for c, _ in s.aggregate_columns(name, buckets) if c != key}
        if set(pq.read_schema(stored).names) != wanted:
            stale.append(name)
    return tuple(stale)


def stored_days(root: Path) -> tuple[date, ...]:
    """Days with readings or with a `daily_tou` partition (a day since emptied loses it)."""
    readings = partition_files(root / READINGS_DIR, s.DAY)
    daily = partition_files(aggregate_dir(root, "daily_tou"), s.DAY)
    return tuple(sorted({d for d, _ in readings} | {d for d, _ in daily}))


def partition_values(key: str, days: Iterable[date]) -> tuple[date, ...]:
    if key == agg.MONTH:
        return tuple(sorted({d.replace(day=1) for d in days}))
    return tuple(sorted(set(days)))


def _parquet_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix == ".parquet" and not p.name.startswith((".", "_"))
    )


def keep_schema(sample: Path, target: Path) -> None:
    schema = pq.read_schema(sample).remove_metadata()
    if target.is_file() and pq.read_schema(target).remove_metadata().equals(schema):
        return
    tmp = target.parent / f".schema-{uuid.uuid4().hex}.tmp"
    pq.write_table(schema.empty_table(), tmp)
    os.replace(tmp, target)


def _install(files: list[Path], target: Path) -> int:
    """Move the staged file(s) of one partition to `target` atomically; returns rows."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if len(files) == 1:
        source = files[0]
    else:  # several writer tasks: concatenate (partitions are small)
        source = target.parent / f".merge-{uuid.uuid4().hex}.parquet"
        pq.write_table(pa.concat_tables([pq.read_table(f) for f in files]), source)
    rows = int(pq.ParquetFile(source).metadata.num_rows)
    os.replace(source, target)
    return rows
