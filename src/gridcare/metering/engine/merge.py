"""After staging, the batch against itself and against the store: group it by meter and day,
drop the readings a later line superseded, read the stored readings around it, and work out
what changes (last write wins). Each step is a function of a `Staging` (its tables) and
plain parameters, and says what it guarantees; `ingest` runs them in order, with the batch
rules of `vee` in between, and `write` publishes the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from gridcare.metering.engine import schema, vee
from gridcare.metering.engine.io import Store, fetch_one, readings_sql
from gridcare.metering.engine.parse import INTERVAL_US, QUALITY_TYPE, SHIFT_US, day_num_sql
from gridcare.metering.engine.staging import Staging, in_batch_order

_EPOCH_DAY = date(1970, 1, 1)
#: Stored readings in the columns of `stage` (no rows): the history of a batch that meets
#: nothing stored.
NO_READINGS = (
    "(SELECT NULL::INTEGER AS midx, NULL::BIGINT AS ts_us, NULL::DOUBLE AS kwh,"
    f" NULL::{QUALITY_TYPE} AS quality, NULL::VARCHAR AS batch_id WHERE false)"
)


def group(st: Staging) -> str:
    """Create and return `groups`: the batch per meter and partition day — midx, day, n
    (readings), slots (bitmap of the 96 intervals present), max_actual (largest `A` kWh),
    lo/hi (first/last interval end, µs). Guarantees one row per (midx, day) of `stage`."""
    groups = st.ws.table("groups")
    day = day_num_sql("ts_us")
    st.ws.con.execute(
        f"CREATE TEMP TABLE {groups} AS SELECT midx, day, count(*) AS n,"
        " bit_or(1::HUGEINT << slot::HUGEINT) AS slots,"
        f" max(kwh) FILTER (WHERE quality = '{schema.QUALITY_ACTUAL}') AS max_actual,"
        " min(ts_us) AS lo, max(ts_us) AS hi"
        f" FROM (SELECT midx, ts_us, kwh, quality, {day} AS day,"
        f" (ts_us + {SHIFT_US}) // {INTERVAL_US} - {day}::BIGINT * {schema.INTERVALS_PER_DAY}"
        f" AS slot FROM {st.stage}) GROUP BY midx, day"
    )
    return groups


def drop_superseded(st: Staging, groups: str) -> int:
    """Within the batch the last line wins: delete the earlier readings of a (meter, ts) and
    return how many. Guarantees: `stage` has one reading per (midx, ts_us), and `groups`'
    `n` counts distinct readings. Only meter-days with more readings than slots are looked
    at (a clean batch costs one sum)."""
    con = st.ws.con
    duplicates = int(fetch_one(con, f"SELECT sum(n - bit_count(slots)) FROM {groups}")[0] or 0)
    if not duplicates:
        return 0
    superseded = st.ws.table("superseded")
    candidates = (
        f"SELECT b.rowid AS rid, b.midx, b.ts_us, b.seq FROM {st.stage} b"
        f" SEMI JOIN (SELECT midx, day FROM {groups} WHERE n > bit_count(slots)) g"
        f" ON b.midx = g.midx AND {day_num_sql('b.ts_us')} = g.day"
    )
    con.execute(
        f"CREATE TEMP TABLE {superseded} AS SELECT rid FROM"
        f" ({in_batch_order(st, candidates)}) QUALIFY row_number() OVER"
        " (PARTITION BY midx, ts_us ORDER BY batch_order DESC) > 1"
    )
    con.execute(f"DELETE FROM {st.stage} WHERE rowid IN (SELECT rid FROM {superseded})")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {groups} AS SELECT * REPLACE"
        f" (least(n, bit_count(slots)) AS n) FROM {groups}"
    )
    st.ws.drop(superseded)
    return duplicates


@dataclass(frozen=True)
class Neighbourhood:
    """Stored readings around a batch (columns midx, ts_us, kwh, quality, batch_id).

    `stored`: a table of the batch meters' readings on the batch's days and the day either
    side, or None if none of those days is stored; `history`: SQL of those the batch does not
    replace (old values, gap ends); `window`: `history` plus, for the spike candidates only,
    the older days of their P95 window (`vee.check_spike`).
    """

    stored: str | None
    history: str
    window: str


def read_neighbourhood(
    st: Staging, store: Store, groups: str, thresholds: vee.VeeThresholds
) -> Neighbourhood:
    """Read what the batch's rules and merge need from the store (under its lock)."""
    ws = st.ws
    lo, hi = fetch_one(ws.con, f"SELECT min(day), max(day) FROM {groups}")
    first, last = (_EPOCH_DAY + timedelta(days=int(d)) for d in (lo, hi))
    wanted = (first - timedelta(days=thresholds.history_days + 1), last + timedelta(days=1))
    days = [d for d in store.days() if wanted[0] <= d <= wanted[1]]
    near = [d for d in days if d >= first - timedelta(days=1)]
    far = [d for d in days if d < first - timedelta(days=1)]
    stored, history = None, NO_READINGS
    if near:
        stored, history = ws.table("stored"), ws.table("history")
        ws.con.execute(
            f"CREATE TEMP TABLE {stored} AS {_stored_sql(st, store, near)}"
            f" WHERE m.midx IN (SELECT DISTINCT midx FROM {groups})"
        )
        ws.con.execute(
            f"CREATE TEMP TABLE {history} AS SELECT s.* FROM {stored} s"
            f" ANTI JOIN {st.stage} b ON s.midx = b.midx AND s.ts_us = b.ts_us"
        )
    window = history
    # Only the few spike candidates need the older days (a one-day import of 20,000 meters
    # would otherwise read a week of everybody's readings).
    candidates = vee.spike_candidates(groups, thresholds)
    if far and ws.count(f"({candidates})"):
        older = ws.table("older")
        ws.con.execute(
            f"CREATE TEMP TABLE {older} AS {_stored_sql(st, store, far)}"
            f" WHERE m.midx IN (SELECT midx FROM ({candidates}))"
        )
        window = f"(SELECT * FROM {history} UNION ALL SELECT * FROM {older})"
    return Neighbourhood(stored, history, window)


def _stored_sql(st: Staging, store: Store, days: list[date]) -> str:
    """SELECT of the stored readings of `days` (midx, ts_us, kwh, quality, batch_id) as `r`
    joined with the known meters as `m`; the caller adds the WHERE."""
    return (
        f"SELECT m.midx, epoch_us(r.ts) AS ts_us, r.kwh,"
        f" r.quality::{QUALITY_TYPE} AS quality, r.batch_id"
        f" FROM {readings_sql(store.day_path(d) for d in days)} r"
        f" JOIN {st.meters} m ON r.meter_id = m.meter_id"
    )


@dataclass(frozen=True)
class Changes:
    """What the batch changes in the store: `sql` yields (midx, ts_us, kwh, quality,
    old_kwh, old_quality, old_batch_id, had_old), one row per reading to write; counts of
    the batch's distinct readings by outcome."""

    sql: str
    inserted: int
    edited: int
    unchanged: int


def diff_with_store(st: Staging, stored: str | None) -> Changes:
    """Last write wins against the store. Guarantees: a reading whose kWh and quality are
    already stored is left out (it keeps its stored row and batch id); every other reading
    is in `sql`, with the value it replaces (`had_old`)."""
    ws = st.ws
    distinct = ws.count(st.stage)
    if stored is None:
        sql = (
            "SELECT midx, ts_us, kwh, quality, NULL::DOUBLE AS old_kwh,"
            f" NULL::{QUALITY_TYPE} AS old_quality, NULL::VARCHAR AS old_batch_id,"
            f" false AS had_old FROM {st.stage}"
        )
        return Changes(sql, distinct, 0, 0)
    changes = ws.table("changes")
    ws.con.execute(
        f"CREATE TEMP TABLE {changes} AS SELECT b.midx, b.ts_us, b.kwh, b.quality,"
        " s.kwh AS old_kwh, s.quality AS old_quality, s.batch_id AS old_batch_id,"
        " s.ts_us IS NOT NULL AS had_old"
        f" FROM {st.stage} b LEFT JOIN {stored} s ON b.midx = s.midx AND b.ts_us = s.ts_us"
        " WHERE s.ts_us IS NULL OR s.kwh <> b.kwh OR s.quality <> b.quality"
    )
    inserted, edited = fetch_one(
        ws.con,
        "SELECT count(*) FILTER (WHERE NOT had_old),"
        f" count(*) FILTER (WHERE had_old AND kwh <> old_kwh) FROM {changes}",
    )
    ws.drop(stored)
    sql = (
        "SELECT midx, ts_us, kwh, quality, old_kwh, old_quality, old_batch_id, had_old"
        f" FROM {changes}"
    )
    return Changes(sql, int(inserted), int(edited), distinct - int(inserted) - int(edited))
