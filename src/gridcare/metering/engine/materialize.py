"""Incremental materialisation of the aggregates for the days an import touched.

Layout (next to the readings, one Parquet file per partition, replaced atomically with
`os.replace` after the backend has written it to a staging directory on the same disk;
`aggstore` has the names, folders and the writer):

    <root>/agg/<name>/day=YYYY-MM-DD/data.parquet     day-level aggregates
    <root>/agg/<name>/month=YYYY-MM-01/data.parquet   month-level aggregates

| name                       | key   | built from                      | function                  |
| -------------------------- | ----- | ------------------------------- | ------------------------- |
| `daily_tou`                | day   | readings of the touched days    | `daily_tou`               |
| `completeness`             | day   | readings of the touched days    | `completeness`            |
| `transformer_load`         | day   | readings of the touched days    | `transformer_load_curve`  |
| `transformer_peak`         | day   | `transformer_load`              | `transformer_daily_peak`  |
| `transformer_completeness` | day   | `completeness`                  | `transformer_completeness`|
| `line_loss`                | day   | `daily_tou`                     | `line_loss`               |
| `load_events`              | day   | `transformer_load` (see below)  | `load_events`             |
| `monthly`                  | month | `daily_tou` of the month        | `monthly`                 |
| `meter_profile`            | month | its own sums + the new days     | `profiles` (wide slot sums)|

Only partitions of the touched days (and their months) are rewritten; a day without rows
loses its file. The partition column is not stored in the file (hive style): read
aggregates back with `read_aggregate`, which adds it as a date.

`load_events` are partitioned by the Beijing day their first interval starts. Runs can
cross midnight, so the curve is read over the touched days ± 1 day, widened while a run
touches the window's edge; only partitions holding an event (old or new) that overlaps a
touched day are rewritten.

`meter_profile` keeps per meter and month the 96 slot sums as vectors (`kwh_sum`,
`readings`; see `profiles`, equal to `aggregate.meter_profiles` by month) and a small
manifest (`_days.json`, tied to the data file by size and mtime) of the days already
summed and of the imports whose additions to a summed day are in the sums. New days are
added to the sums. A summed day is touched again by nearly every import (a gap at the
end of yesterday estimated once today's first reading is in): when the import only
added readings to it (`additions`, from `IngestReport.added_only`), only that import's
rows of the day are added. Any other touch of a summed day (a value replaced, a
re-estimate, a refresh without `additions`), or a missing or stale manifest, rebuilds the
month from all its reading partitions.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from gridcare.metering.engine import aggregate as agg
from gridcare.metering.engine import profiles
from gridcare.metering.engine import schema as s
from gridcare.metering.engine.aggstore import (
    AGG_DIR,
    AGGREGATES,
    DAY_AGGREGATES,
    MONTH_AGGREGATES,
    SCHEMA_FILE,
    AggregateWrite,
    PartitionWriter,
    aggregate_dir,
    keep_schema,
    partition_key,
    partition_values,
)
from gridcare.metering.engine.backend import (
    DATA_FILE,
    READINGS_DIR,
    READINGS_SCHEMA,
    connect,
    partition_files,
    read_partitioned,
    store_path,
)
from gridcare.metering.engine.io import sql_str
from gridcare.metering.engine.plans import (
    DAYS,
    DAYS_SCHEMA,
    METERS,
    PROFILE_INDEX,
    PROFILE_READINGS,
    READINGS,
    TRANSFORMERS,
    Plans,
    source_name,
)
from gridcare.metering.engine.queries import Session
from gridcare.metering.engine.tou import GUANGDONG_TOU, TouCalendar

__all__ = [
    "AGGREGATES",
    "AGG_DIR",
    "DAY_AGGREGATES",
    "MONTH_AGGREGATES",
    "AggregateWrite",
    "RefreshReport",
    "aggregate_dir",
    "partition_key",
    "read_aggregate",
    "refresh",
]

PROFILE_MANIFEST = "_days.json"
QUERIES_DIR = "_queries"  # compiled SQL (`queries.Session`)
_PROFILE_CELLS_PER_READING_DAYS = 2  # up to this many days, no per-slot sums first


@dataclass(frozen=True)
class RefreshReport:
    days: tuple[date, ...]
    months: tuple[date, ...]
    aggregates: tuple[AggregateWrite, ...]

    @property
    def seconds(self) -> float:
        return sum(a.seconds for a in self.aggregates)

    def get(self, name: str) -> AggregateWrite:
        return next(a for a in self.aggregates if a.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": [d.isoformat() for d in self.days],
            "months": [m.isoformat() for m in self.months],
            "aggregates": [asdict(a) for a in self.aggregates],
            "seconds": self.seconds,
        }


def read_aggregate(
    con: BaseBackend,
    store_root: Any,
    name: str,
    days: Iterable[date] | None = None,
) -> ir.Table:
    """A materialised aggregate as an Ibis table, only the partitions of `days` if given
    (for month-level aggregates, the months holding `days`). Raises LookupError if the
    aggregate was never materialised."""
    key = partition_key(name)
    base = aggregate_dir(store_root, name)
    values = None if days is None else partition_values(key, days)
    if not (base / SCHEMA_FILE).is_file():
        raise LookupError(f"aggregate {name!r} has not been materialised under {base}")
    arrow_schema = pq.read_schema(base / SCHEMA_FILE)
    empty = ibis.schema({**ibis.Schema.from_pyarrow(arrow_schema).fields, key: ibis.dtype("date")})
    return read_partitioned(con, base, key, values, empty)


def refresh(
    store_root: Any = None,
    days: Iterable[date] = (),
    meters: pa.Table | ir.Table | None = None,
    transformers: pa.Table | ir.Table | None = None,
    tou: TouCalendar = GUANGDONG_TOU,
    backend: str | BaseBackend = "duckdb://",
    power_factor: float = 0.9,
    *,
    store: Any = None,
    con: BaseBackend | None = None,
    calendar: TouCalendar | None = None,
    additions: Mapping[date, str] | None = None,
) -> RefreshReport:
    """Recompute every aggregate's partitions for the `days` an import touched.

    `store_root` is the store's folder or an `io.Store`; `meters` (meter_id,
    transformer_id, multiplier, is_total) and `transformers` (transformer_id, rated_kva)
    are the dimensions (Arrow or Ibis tables); `backend` a URL for `connect` or a backend;
    `power_factor` turns kVA ratings into kW for load rates. Day-level aggregates are
    rebuilt from those days' readings only; months from the day-level results and the
    profile sums (see the module docstring). `additions` maps touched days where one
    import only added readings to that import's batch id (`IngestReport.added_only`).
    The queries are compiled once per shape and kept under `<root>/agg/_queries`
    (`queries`). `store`, `con` and `calendar` are accepted as aliases of `store_root`,
    `backend` and `tou`.
    """
    if (store_root is None and store is None) or meters is None or transformers is None:
        raise TypeError("refresh() needs the store and the meters and transformers dimensions")
    root = store_path(store_root if store_root is not None else store)
    tou = calendar or tou
    touched = tuple(sorted(set(days)))
    months = tuple(sorted({d.replace(day=1) for d in touched}))
    if not touched:
        return RefreshReport((), (), ())
    if con is None:
        con = connect(backend) if isinstance(backend, str) else backend
    session = Session(con, root / AGG_DIR / QUERIES_DIR)
    meters_a, transformers_a = _arrow(con, meters), _arrow(con, transformers)
    plans = Plans(session, meters_a.schema, transformers_a.schema, tou, power_factor)
    session.bind_arrow(METERS, meters_a)
    session.bind_arrow(TRANSFORMERS, transformers_a)
    session.bind_arrow(DAYS, pa.table([pa.array(touched, pa.date32())], schema=DAYS_SCHEMA))
    _bind_readings(session, root, READINGS, touched)
    writer = PartitionWriter(session, plans, root)

    writer.write("daily_tou", plans.daily_tou(), touched)
    writer.write("completeness", plans.completeness(), touched)
    writer.write("transformer_load", plans.transformer_load(), touched)
    writer.derive("transformer_peak", "transformer_load", touched)
    writer.derive("transformer_completeness", "completeness", touched)
    writer.derive("line_loss", "daily_tou", touched)
    _refresh_events(writer, touched)
    month_days = [d for d, _ in partition_files(aggregate_dir(root, "daily_tou"), s.DAY)]
    month_days = [d for d in month_days if d.replace(day=1) in months]
    writer.derive("monthly", "daily_tou", month_days, targets=months)
    for month in months:
        touched_here = [d for d in touched if d.replace(day=1) == month]
        _refresh_profile(writer, month, touched_here, meters_a[s.METER_ID], dict(additions or {}))
    return RefreshReport(touched, months, writer.report())


def _arrow(con: BaseBackend, table: pa.Table | ir.Table) -> pa.Table:
    return table if isinstance(table, pa.Table) else con.to_pyarrow(table)


def _bind_readings(
    session: Session,
    root: Path,
    name: str,
    days: Sequence[date],
    only: Mapping[date, str] | None = None,
) -> None:
    """`name` := the stored readings of `days`, and of the days in `only` the rows of the
    import (batch id) given for each."""
    if not only:
        _bind_reading_files(session, root, name, days)
        return
    parts = [f"{name}_days"]
    _bind_reading_files(session, root, parts[0], days)
    for i, batch_id in enumerate(sorted(set(only.values()))):
        parts.append(f"{name}_batch{i}")
        of_batch = [d for d, b in only.items() if b == batch_id]
        _bind_reading_files(session, root, parts[-1], of_batch, batch_id)
    # A union, not one condition over all files: DuckDB then filters only the days that
    # need it (an OR over both took twice as long as the new day alone).
    session.bind_union(name, parts)


def _bind_reading_files(
    session: Session, root: Path, name: str, days: Sequence[date], batch_id: str | None = None
) -> None:
    base = root / READINGS_DIR
    session.bind_parquet(
        name,
        [p for _, p in partition_files(base, s.DAY, days)],
        ", ".join(s.READING_COLUMNS),
        base=base,
        key=s.DAY,
        empty=READINGS_SCHEMA.to_pyarrow(),
        where=None if batch_id is None else f"{s.BATCH_ID} = {sql_str(batch_id)}",
    )


# --- load events ----------------------------------------------------------------------------


def _beijing_midnight_utc(day: date) -> datetime:
    local = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return local - timedelta(minutes=s.CHINA_UTC_OFFSET_MINUTES)


def _spans(session: Session, sql: str) -> list[tuple[date, datetime, datetime]]:
    """(day, start_ts, end_ts) of a (small) events query, as Python values."""
    rows = session.fetch(f"SELECT {s.DAY}, start_ts, end_ts FROM ({sql}) AS q").to_pylist()
    return [(r[s.DAY], _utc(r["start_ts"]), _utc(r["end_ts"])) for r in rows]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _refresh_events(writer: PartitionWriter, touched: Sequence[date]) -> None:
    root, session = writer.root, writer.session
    curve_days = {d for d, _ in partition_files(aggregate_dir(root, "transformer_load"), s.DAY)}
    lo, hi = min(touched) - timedelta(days=1), max(touched) + timedelta(days=1)
    while True:  # widen the window until no run touches its edges
        window = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        curve = writer.bind_source("transformer_load", window) if curve_days else None
        if curve is None:
            writer.write("load_events", None, touched)
            return
        events = writer.plans.derived("load_events", "transformer_load", curve)
        spans = _spans(session, events)
        start, end = _beijing_midnight_utc(lo), _beijing_midnight_utc(hi + timedelta(days=1))
        wider_lo = any(a == start for _, a, _ in spans) and lo - timedelta(days=1) in curve_days
        wider_hi = any(b == end for _, _, b in spans) and hi + timedelta(days=1) in curve_days
        if not (wider_lo or wider_hi):
            break
        lo -= timedelta(days=1) if wider_lo else timedelta(0)
        hi += timedelta(days=1) if wider_hi else timedelta(0)

    touched_spans = [
        (_beijing_midnight_utc(d), _beijing_midnight_utc(d + timedelta(days=1))) for d in touched
    ]

    def overlaps(a: datetime, b: datetime) -> bool:
        return any(a < t1 and b > t0 for t0, t1 in touched_spans)

    targets = set(touched)
    targets |= {d for d, a, b in spans if overlaps(a, b)}
    if writer.bind_source("load_events", window) is not None:
        old = _spans(session, f"SELECT * FROM {source_name('load_events')}")
        targets |= {d for d, a, b in old if overlaps(a, b)}
    writer.write("load_events", events, sorted(targets))


# --- profiles -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Manifest:
    """What a month's profile sums hold: the days summed, and per summed day the imports
    whose additions to it came after (added again, they would count twice)."""

    days: frozenset[date]
    added: dict[date, frozenset[str]]

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
            }
        )
    )
    os.replace(tmp, part_dir / PROFILE_MANIFEST)


def _add_days(
    writer: PartitionWriter,
    base: profiles.ProfileSums,
    days: Sequence[date],
    only: Mapping[date, str] | None = None,
) -> profiles.ProfileSums:
    """`base` plus the readings of `days`, and of the days in `only` those of the import
    given for each (one query)."""
    if not days and not only:
        return base
    session = writer.session
    _bind_readings(session, writer.root, PROFILE_READINGS, days, only)
    session.bind_arrow(PROFILE_INDEX, profiles.index_table(base.meter_ids))
    sql = writer.plans.profile_cells(by_slot=len(days) > _PROFILE_CELLS_PER_READING_DAYS)
    return profiles.add_cells(base, session.fetch(sql))


def _refresh_profile(
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
    data = part_dir / DATA_FILE
    stored = {d for d, _ in partition_files(root / READINGS_DIR, s.DAY)}
    old = _read_manifest(part_dir)
    summed_again = [d for d in touched if old is not None and d in old.days]
    if old is not None and all(d in additions for d in summed_again):
        new_days = [d for d in touched if d not in old.days and d in stored]
        only = {d: additions[d] for d in summed_again if not old.holds(d, additions[d])}
        sums = _add_days(writer, profiles.read_profile(data), new_days, only)
        days, added = old.days | set(new_days), dict(old.added)
    else:
        days = frozenset(d for d in stored if d.replace(day=1) == month)
        zeros = profiles.ProfileSums.zeros(profiles.sorted_names(dimension))
        sums, added = _add_days(writer, zeros, sorted(days)), {}
    for day in touched:  # what these imports added is in the sums now, however it came in
        if day in additions:
            added[day] = added.get(day, frozenset()) | {additions[day]}
    sums = sums.with_readings()
    written = removed = rows = 0
    if len(sums.meter_ids):
        rows = profiles.write_profile(sums, data)
        keep_schema(data, aggregate_dir(root, "meter_profile") / SCHEMA_FILE)
        _write_manifest(part_dir, _Manifest(frozenset(days), added))
        written = 1
    elif part_dir.exists():
        shutil.rmtree(part_dir)
        removed = 1
    writer.tally("meter_profile", written, removed, rows, time.perf_counter() - started)
