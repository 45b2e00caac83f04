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

`meter_profile` keeps per meter and month the 96 slot sums; new days are added to them
(`month_profile` says how, and when a month is summed again).

A day an import only added readings to (`additions`, from `IngestReport.added_only`: at
the end of yesterday, the estimates of the gap today's first reading closes), and whose
day-level aggregates exist, is not recomputed whole: the meters of the transformers that
import's rows belong to are (`_added_rows`), and their rows replace theirs in the day's
partitions of `daily_tou`, `completeness` and `transformer_load`; the other aggregates are
derived from those partitions as for any touched day. Falls back to the whole day when
those meters are more than a quarter of the dimension or include one without a
transformer. Only an import's own additions take this path: a day that another import's
mark (`pending`) also names, an import whose refresh never finished, is recomputed whole,
and so are the days of every such mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from gridcare.metering.engine import month_profile, pending
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
    partition_key,
    partition_values,
    stale_aggregates,
    stored_days,
)
from gridcare.metering.engine.backend import (
    DATA_FILE,
    connect,
    partition_files,
    read_partitioned,
)
from gridcare.metering.engine.plans import (
    DAYS,
    DAYS_SCHEMA,
    METERS,
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

QUERIES_DIR = "_queries"  # compiled SQL (`queries.Session`)
#: The aggregates computed from readings, and the column that keys their rows.
READING_AGGREGATES: dict[str, str] = {
    "daily_tou": s.METER_ID,
    "completeness": s.METER_ID,
    "transformer_load": s.TRANSFORMER_ID,
}
ADDED = "_gc_added"  # an import's rows of the days it only added readings to
ADDED_METERS = "_gc_added_meters"  # the meters recomputed for them
ADDED_TRANSFORMERS = "_gc_added_transformers"  # and their transformers
ADDED_READINGS = "_gc_added_readings"  # those meters' readings of those days
NEW_EVENTS = "_gc_new_events"  # the load events computed over the window
_ADDED_SHARE_MAX = 0.25  # of the meters dimension; above, the whole day is cheaper


@dataclass(frozen=True)
class RefreshReport:
    days: tuple[date, ...]
    months: tuple[date, ...]
    aggregates: tuple[AggregateWrite, ...]
    #: days recomputed only for the meters an import added readings to (module docstring)
    added_days: tuple[date, ...] = ()
    #: aggregates stored with other columns than this engine writes, so every day was
    #: refreshed (a new engine version, another time-of-use calendar)
    rebuilt_for: tuple[str, ...] = ()

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
            "added_days": [d.isoformat() for d in self.added_days],
            "rebuilt_for": list(self.rebuilt_for),
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
    *,
    root: Path,
    days: Iterable[date],
    meters: pa.Table | ir.Table,
    transformers: pa.Table | ir.Table,
    backend: str | BaseBackend = "duckdb://",
    tou: TouCalendar = GUANGDONG_TOU,
    power_factor: float = 0.9,
    additions: Mapping[date, str] | None = None,
) -> RefreshReport:
    """Recompute every aggregate's partitions for the `days` an import touched.

    `root` is the store's folder; `meters` (meter_id, transformer_id, multiplier, is_total)
    and `transformers` (transformer_id, rated_kva) are the dimensions (Arrow or Ibis
    tables); `backend` an engine URL for `backend.connect` or a connected backend; `tou`
    the time-of-use calendar; `power_factor` turns kVA ratings into kW for load rates.
    Day-level aggregates are rebuilt from those days' readings only; months from the
    day-level results and the profile sums (see the module docstring). `additions` maps
    touched days where one import only added readings to that import's batch id
    (`IngestReport.added_only`). The days of every import's mark (`pending`) are refreshed
    too, and the marks cleared once every partition is written. When an aggregate is stored
    with other columns than this engine writes (an upgrade added some, the time-of-use
    calendar changed), every stored day is refreshed whole instead (`rebuilt_for`). The queries are compiled
    once per shape and kept under `<root>/agg/_queries` (`queries`).
    """
    root = Path(root)
    marks = pending.read(root)
    touched = tuple(sorted(set(days).union(*(m for m in marks.values() if m))))
    stale = stale_aggregates(root, tou.buckets)
    if stale:  # columns this engine writes differently: every stored day, whole
        touched = stored_days(root)
        additions = {}
    months = tuple(sorted({d.replace(day=1) for d in touched}))
    if not touched:
        pending.clear(root, marks)
        return RefreshReport((), (), ())
    additions = _own_additions(additions or {}, marks)
    con = connect(backend) if isinstance(backend, str) else backend
    session = Session(con, root / AGG_DIR / QUERIES_DIR)
    meters_a, transformers_a = _arrow(con, meters), _arrow(con, transformers)
    plans = Plans(session, meters_a.schema, transformers_a.schema, tou, power_factor)
    session.bind_arrow(TRANSFORMERS, transformers_a)
    writer = PartitionWriter(session, plans, root)

    added = _added_rows(writer, meters_a, touched, additions)
    whole = [d for d in touched if d not in added.days] if added else list(touched)
    _write_from_readings(writer, meters_a, whole)
    if added:
        _write_added_rows(writer, added)
    _bind_days(session, meters_a, touched)
    writer.derive("transformer_peak", "transformer_load", touched)
    writer.derive("transformer_completeness", "completeness", touched)
    writer.derive("line_loss", "daily_tou", touched)
    _refresh_events(writer, touched)
    month_days = [d for d, _ in partition_files(aggregate_dir(root, "daily_tou"), s.DAY)]
    month_days = [d for d in month_days if d.replace(day=1) in months]
    writer.derive("monthly", "daily_tou", month_days, targets=months)
    for month in months:
        touched_here = [d for d in touched if d.replace(day=1) == month]
        month_profile.refresh_month(
            writer, month, touched_here, meters_a[s.METER_ID], dict(additions)
        )
    pending.clear(root, marks)
    return RefreshReport(touched, months, writer.report(), added.days if added else (), stale)


def _arrow(con: BaseBackend, table: pa.Table | ir.Table) -> pa.Table:
    return table if isinstance(table, pa.Table) else con.to_pyarrow(table)


def _own_additions(
    additions: Mapping[date, str], marks: Mapping[str, frozenset[date] | None]
) -> dict[date, str]:
    """The `additions` no other import's mark names (none if a mark is unreadable): what is
    materialised for those days holds every change but that import's."""
    if any(days is None for days in marks.values()):
        return {}
    others = [(batch_id, days) for batch_id, days in marks.items() if days]
    return {
        day: batch_id
        for day, batch_id in additions.items()
        if all(other == batch_id or day not in days for other, days in others)
    }


def _bind_days(session: Session, meters: pa.Table, days: Sequence[date]) -> None:
    """The meters dimension and `days` as the reading-level queries see them."""
    session.bind_arrow(METERS, meters)
    session.bind_arrow(DAYS, pa.table([pa.array(days, pa.date32())], schema=DAYS_SCHEMA))


def _write_from_readings(writer: PartitionWriter, meters: pa.Table, days: Sequence[date]) -> None:
    """The reading-level aggregates of `days`, from all their readings."""
    _bind_days(writer.session, meters, days)
    writer.bind_readings(READINGS, days)
    for name in READING_AGGREGATES:
        writer.write(name, None if not days else writer.plans.from_readings(name), days)


# --- days an import only added readings to ----------------------------------------------------


@dataclass(frozen=True)
class _Added:
    """Days to recompute for some meters only: those meters and their transformers."""

    days: tuple[date, ...]
    meters: pa.Table
    transformers: pa.Table


def _added_rows(
    writer: PartitionWriter,
    meters: pa.Table,
    touched: Sequence[date],
    additions: Mapping[date, str],
) -> _Added | None:
    """The days of `additions` that can be recomputed for the meters under the transformers
    of the import's rows (see the module docstring), or None."""
    days = tuple(d for d in touched if d in additions and _materialised(writer, d))
    if not days:
        return None
    writer.bind_readings(ADDED, (), {d: additions[d] for d in days})
    found = writer.session.fetch(f"SELECT DISTINCT {s.METER_ID} FROM {ADDED}").column(0)
    ids = meters[s.METER_ID]
    of_import = pc.is_in(ids, value_set=found.cast(ids.type))
    transformers = meters.filter(of_import)[s.TRANSFORMER_ID]
    if len(transformers) < len(found) or transformers.null_count:
        return None  # a meter outside the dimension, or without a transformer
    transformers = pc.unique(transformers)
    keep = pc.or_(of_import, pc.is_in(meters[s.TRANSFORMER_ID], value_set=transformers))
    chosen = meters.filter(keep)
    if len(chosen) > _ADDED_SHARE_MAX * len(meters):
        return None
    return _Added(days, chosen, pa.table({s.TRANSFORMER_ID: transformers}))


def _materialised(writer: PartitionWriter, day: date) -> bool:
    """Whether every reading-level aggregate has a partition of `day`."""
    dirs = [aggregate_dir(writer.root, name) for name in READING_AGGREGATES]
    part = f"{s.DAY}={day.isoformat()}"
    return all((d / part / DATA_FILE).is_file() and (d / SCHEMA_FILE).is_file() for d in dirs)


def _write_added_rows(writer: PartitionWriter, added: _Added) -> None:
    """Replace the rows of `added`'s meters (transformers) in the reading-level aggregates'
    partitions of its days by their rows recomputed from those meters' readings."""
    session = writer.session
    _bind_days(session, added.meters, added.days)
    session.bind_arrow(ADDED_METERS, added.meters.select([s.METER_ID]))
    session.bind_arrow(ADDED_TRANSFORMERS, added.transformers)
    writer.bind_readings(
        ADDED_READINGS,
        added.days,
        where=f"{s.METER_ID} IN (SELECT {s.METER_ID} FROM {ADDED_METERS})",
    )
    # Read once and held (a few transformers' meters): each of the three queries would
    # otherwise scan the whole days' files for them again.
    session.bind_arrow(READINGS, session.fetch(f"SELECT * FROM {ADDED_READINGS}"))
    for name, key in READING_AGGREGATES.items():
        schema = writer.bind_source(name, added.days)
        if schema is None:  # `_materialised` saw them; gone since: nothing to keep
            raise LookupError(f"{name}: no partitions of {added.days} to add to")
        keys = ADDED_METERS if key == s.METER_ID else ADDED_TRANSFORMERS
        columns = ", ".join(schema.names)
        sql = (
            f"SELECT {columns} FROM {source_name(name)}"
            f" WHERE {key} IS NULL OR {key} NOT IN (SELECT {key} FROM {keys})"
            f" UNION ALL SELECT {columns} FROM ({writer.plans.from_readings(name)}) AS q"
        )
        writer.write(name, sql, added.days)


# --- load events ----------------------------------------------------------------------------


def _beijing_midnight_utc(day: date) -> datetime:
    local = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return local - timedelta(minutes=s.CHINA_UTC_OFFSET_MINUTES)


def _spans(events: pa.Table) -> list[tuple[date, datetime, datetime]]:
    """(day, start_ts, end_ts) of (few) events, as Python values."""
    rows = events.select([s.DAY, "start_ts", "end_ts"]).to_pylist()
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
        events = session.fetch(writer.plans.derived("load_events", "transformer_load", curve))
        spans = _spans(events)
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
        old = _spans(session.fetch(f"SELECT * FROM {source_name('load_events')}"))
        targets |= {d for d, a, b in old if overlaps(a, b)}
    # Written from the events already computed (few rows), not by running their query again.
    session.bind_arrow(NEW_EVENTS, events)
    writer.write("load_events", f"SELECT * FROM {NEW_EVENTS}", sorted(targets))
