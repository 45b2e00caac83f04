"""Incremental materialisation of the aggregates for the days an import touched.

Layout (next to the readings, one Parquet file per partition, replaced atomically with
`os.replace` after the backend has written it to a staging directory on the same disk):

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
manifest of the days already summed (`_days.json`, tied to the data file by size and
mtime). New days are added to the sums; a day summed before (a re-import) or a missing or
stale manifest rebuilds that month from all its reading partitions.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Sequence
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
from gridcare.metering.engine.backend import (
    DATA_FILE,
    READINGS_DIR,
    connect,
    is_spark,
    partition_files,
    read_partitioned,
    readings_table,
    store_path,
)
from gridcare.metering.engine.tou import GUANGDONG_TOU, TouCalendar

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
PROFILE_MANIFEST = "_days.json"
SCHEMA_FILE = "_schema.parquet"  # columns of the aggregate, for reads that match no partition


@dataclass(frozen=True)
class AggregateWrite:
    """What one aggregate's refresh wrote: partitions replaced / removed, rows, time."""

    name: str
    partitions: int
    removed: int
    rows: int
    seconds: float


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
    values = None if days is None else _partition_values(key, days)
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
) -> RefreshReport:
    """Recompute every aggregate's partitions for the `days` an import touched.

    `store_root` is the store's folder or an `io.Store`; `meters` (meter_id,
    transformer_id, multiplier, is_total) and `transformers` (transformer_id, rated_kva)
    are the dimensions (Arrow or Ibis tables); `backend` a URL for `connect` or a backend;
    `power_factor` turns kVA ratings into kW for load rates. Day-level aggregates are
    rebuilt from those days' readings only; months from the day-level results and the
    profile sums (see the module docstring). `store`, `con` and `calendar` are accepted as
    aliases of `store_root`, `backend` and `tou`.
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
    meters_t = meters if isinstance(meters, ir.Table) else ibis.memtable(meters)
    transformers_t = (
        transformers if isinstance(transformers, ir.Table) else ibis.memtable(transformers)
    )
    writer = _Writer(con, root)
    readings = readings_table(con, root, touched)

    writer.write("daily_tou", agg.daily_tou(readings, meters_t, tou), touched)
    writer.write("completeness", agg.completeness(readings, meters_t, touched), touched)
    writer.write("transformer_load", agg.transformer_load_curve(readings, meters_t), touched)
    writer.derive(
        "transformer_peak",
        "transformer_load",
        touched,
        lambda curve: agg.transformer_daily_peak(curve, transformers_t, power_factor),
    )
    writer.derive(
        "transformer_completeness",
        "completeness",
        touched,
        lambda c: agg.transformer_completeness(c, meters_t),
    )
    writer.derive("line_loss", "daily_tou", touched, lambda d: agg.line_loss(d, meters_t))
    _refresh_events(writer, touched, transformers_t, power_factor)
    month_days = [d for d, _ in partition_files(aggregate_dir(root, "daily_tou"), s.DAY)]
    month_days = [d for d in month_days if d.replace(day=1) in months]
    writer.derive("monthly", "daily_tou", month_days, agg.monthly, targets=months)
    for month in months:
        _refresh_profile(writer, month, [d for d in touched if d.replace(day=1) == month])
    return RefreshReport(touched, months, writer.report())


# --- writing --------------------------------------------------------------------------------


class _Writer:
    """Writes aggregates partition by partition and keeps the per-aggregate tallies."""

    def __init__(self, con: BaseBackend, root: Path) -> None:
        self.con = con
        self.root = root
        self._tally: dict[str, list[float]] = {}

    def report(self) -> tuple[AggregateWrite, ...]:
        return tuple(
            AggregateWrite(name, int(p), int(r), int(rows), round(sec, 4))
            for name, (p, r, rows, sec) in self._tally.items()
        )

    def write(self, name: str, expr: ir.Table | None, targets: Sequence[date]) -> None:
        """Compute `expr` once, then replace the `targets` partitions of `name` with it
        (`None`: remove them)."""
        started = time.perf_counter()
        key = partition_key(name)
        values = _partition_values(key, targets)
        base = aggregate_dir(self.root, name)
        base.mkdir(parents=True, exist_ok=True)
        staging = base / f".staging-{uuid.uuid4().hex}"
        try:
            if expr is not None:
                self._copy(expr.filter(expr[key].isin(list(values))), staging, key)
            written = removed = rows = 0
            for value in values:
                target_dir = base / f"{key}={value.isoformat()}"
                files = _parquet_files(staging / f"{key}={value.isoformat()}")
                if files:
                    if not written:
                        _keep_schema(files[0], base / SCHEMA_FILE)
                    rows += _install(files, target_dir / DATA_FILE)
                    written += 1
                elif (target_dir / DATA_FILE).exists():
                    shutil.rmtree(target_dir)
                    removed += 1
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.tally(name, written, removed, rows, time.perf_counter() - started)

    def derive(
        self,
        name: str,
        source: str,
        source_days: Sequence[date],
        build: Any,
        targets: Sequence[date] | None = None,
    ) -> None:
        """Write `build(read_aggregate(source, source_days))` for `targets` (default: the
        source days); with nothing to read, the targets' partitions are removed."""
        targets = source_days if targets is None else targets
        files = partition_files(aggregate_dir(self.root, source), partition_key(source))
        wanted = set(_partition_values(partition_key(source), source_days))
        if any(v in wanted for v, _ in files):
            table = read_aggregate(self.con, self.root, source, source_days)
            self.write(name, build(table), targets)
        else:
            self.write(name, None, targets)

    def _copy(self, expr: ir.Table, staging: Path, key: str) -> None:
        # Registers the memtables (dimensions) the query uses, as `to_parquet` does.
        self.con._run_pre_execute_hooks(expr)
        if is_spark(self.con):
            session = self.con._session
            frame = session.sql(self.con.compile(expr))
            frame.repartition(key).write.partitionBy(key).parquet(str(staging))
        else:
            sql = self.con.compile(expr)
            target = str(staging).replace("'", "''")
            self.con.raw_sql(
                f"COPY ({sql}) TO '{target}' (FORMAT parquet, PARTITION_BY ({key}))"
            ).fetchall()

    def tally(self, name: str, written: int, removed: int, rows: int, seconds: float) -> None:
        tally = self._tally.setdefault(name, [0, 0, 0, 0.0])
        for i, v in enumerate((written, removed, rows, seconds)):
            tally[i] += v


def _partition_values(key: str, days: Iterable[date]) -> tuple[date, ...]:
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


def _keep_schema(sample: Path, target: Path) -> None:
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


# --- load events ----------------------------------------------------------------------------


def _beijing_midnight_utc(day: date) -> datetime:
    local = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return local - timedelta(minutes=s.CHINA_UTC_OFFSET_MINUTES)


def _span(table: ir.Table, con: BaseBackend) -> list[tuple[date, datetime, datetime]]:
    """(day, start_ts, end_ts) of a (small) events table, as Python values."""
    rows = con.to_pyarrow(table.select(s.DAY, "start_ts", "end_ts")).to_pylist()
    return [(r[s.DAY], _utc(r["start_ts"]), _utc(r["end_ts"])) for r in rows]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _refresh_events(
    writer: _Writer, touched: Sequence[date], transformers: ir.Table, power_factor: float
) -> None:
    con, root = writer.con, writer.root
    curve_days = {d for d, _ in partition_files(aggregate_dir(root, "transformer_load"), s.DAY)}
    if not curve_days:
        writer.write("load_events", None, touched)
        return
    lo, hi = min(touched) - timedelta(days=1), max(touched) + timedelta(days=1)
    while True:  # widen the window until no run touches its edges
        window = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        curve = read_aggregate(con, root, "transformer_load", window)
        events = agg.load_events(curve, transformers, power_factor)
        spans = _span(events, con)
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
    events_dir = aggregate_dir(root, "load_events")
    if partition_files(events_dir, s.DAY, window):
        old = read_aggregate(con, root, "load_events", window)
        targets |= {d for d, a, b in _span(old, con) if overlaps(a, b)}
    writer.write("load_events", events, sorted(targets))


# --- profiles -------------------------------------------------------------------------------


def _read_manifest(part_dir: Path) -> list[date] | None:
    """Days already summed into the month's profile, or None if unknown/stale."""
    data, manifest = part_dir / DATA_FILE, part_dir / PROFILE_MANIFEST
    try:
        info = json.loads(manifest.read_text())
        stat = data.stat()
    except (OSError, ValueError):
        return None
    if info.get("size") != stat.st_size or info.get("mtime_ns") != stat.st_mtime_ns:
        return None
    return [date.fromisoformat(d) for d in info["days"]]


def _write_manifest(part_dir: Path, days: Sequence[date]) -> None:
    stat = (part_dir / DATA_FILE).stat()
    tmp = part_dir / f".{PROFILE_MANIFEST}.{uuid.uuid4().hex}"
    tmp.write_text(
        json.dumps(
            {
                "days": [d.isoformat() for d in sorted(days)],
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
            }
        )
    )
    os.replace(tmp, part_dir / PROFILE_MANIFEST)


def _profile_sums(writer: _Writer, days: Sequence[date]) -> profiles.ProfileSums:
    if not days:
        return profiles.ProfileSums.empty()
    sums = agg.profile_sums(readings_table(writer.con, writer.root, days), by_month=False)
    return profiles.from_long(writer.con.to_pyarrow(sums))


def _refresh_profile(writer: _Writer, month: date, touched: Sequence[date]) -> None:
    """Add the touched days to the month's slot sums (`profiles`), or rebuild the month from
    all its reading partitions when a touched day was summed before or the manifest is
    missing or stale."""
    started = time.perf_counter()
    root = writer.root
    part_dir = aggregate_dir(root, "meter_profile") / f"{agg.MONTH}={month.isoformat()}"
    data = part_dir / DATA_FILE
    summed = _read_manifest(part_dir)
    stored = [d for d, _ in partition_files(root / READINGS_DIR, s.DAY)]
    if summed is not None and not set(summed) & set(touched):
        days = sorted(set(summed) | set(touched))
        sums = profiles.read_profile(data) + _profile_sums(
            writer, [d for d in touched if d in stored]
        )
    else:
        days = sorted(d for d in stored if d.replace(day=1) == month)
        sums = _profile_sums(writer, days)
    written = removed = rows = 0
    if len(sums.meter_ids):
        rows = profiles.write_profile(sums, data)
        _keep_schema(data, aggregate_dir(root, "meter_profile") / SCHEMA_FILE)
        _write_manifest(part_dir, days)
        written = 1
    elif part_dir.exists():
        shutil.rmtree(part_dir)
        removed = 1
    writer.tally("meter_profile", written, removed, rows, time.perf_counter() - started)
