"""Validation, estimation, editing (VEE): one small function per rule, as SQL, with findings.

Row rules (`check_*` returning a `RowCheck`) reject a reading; they are evaluated in order
and the first that fails is the reading's finding (one report line per rejected reading; for
the wide format a line-level problem — malformed line, meter, date — is one report line for
the whole line). Each `RowCheck` is SQL over the staging columns of `parse` plus `midx`
(the meter's index in the known meters, NULL if unknown):

| rule                 | code                              | rejects when                      |
| -------------------- | --------------------------------- | --------------------------------- |
| `check_shape`        | `metering.vee.malformed_row`      | wrong number of fields (cut line) |
| `check_meter_given`  | `metering.vee.unparseable`        | empty meter id                    |
| `check_ts_parseable` | `metering.vee.unparseable`        | not a timestamp (or before 1970)  |
| `check_time_of_day`  | `metering.vee.no_time_of_day`     | a date without a time (DATE type) |
| `check_utc_offset`   | `metering.vee.bad_utc_offset`     | offset beyond ±14:00 or :60+      |
| `check_date_parseable` | `metering.vee.unparseable`      | wide `date` is not a date         |
| `check_kwh_parseable`| `metering.vee.unparseable`        | energy not a finite number        |
| `check_quality`      | `metering.vee.unparseable`        | quality not A/E/S/empty           |
| `check_meter_known`  | `metering.vee.unknown_meter`      | meter not among the known meters  |
| `check_on_grid`      | `metering.vee.off_grid`           | ts not on the 15-minute grid      |
| `check_not_future`   | `metering.vee.future`             | ts (interval end) > now           |
| `check_non_negative` | `metering.vee.negative_energy`    | kwh < 0                           |

Batch rules run on the staged batch (a `Workspace` and table names):

- `over_capacity_sql`: a reading above what the meter can physically measure in 15 minutes,
  capacity_factor × contracted kVA × 0.25 h ÷ the meter's multiplier (`default_capacity_kva`
  for a meter without one), is rejected with `metering.vee.over_capacity`. This bounds every
  stored value, whatever the meter's history (a meter without any would otherwise judge a
  1e300 kWh reading against itself).
- `flag_spikes` (threshold: `check_spike`): per meter, threshold = max(spike_factor × P95, spike_min_kwh), P95 over the
  meter's measured (A/S) readings from `history_days` days before its first reading in the
  batch up to its last one, batch values replacing stored ones. An actual reading above it
  becomes `S` (suspect): kept, flagged, never rejected.
- `fill_gaps` (values: `estimate_gaps`): between two consecutive measured readings of a meter with at most
  `max_gap_fill` (≤ 48) missing intervals between them, at least one of the two from this
  batch, missing interval i of k = gap + 1 gets v0 + (v1 − v0) × i / k, quality `E`. A
  stored estimate is re-estimated when a neighbour changes and replaced by an actual reading.

No value that is not finite is ever stored: `check_kwh_parseable` rejects it (the report
shows it as written, `1.8e308`), and estimates lie between two stored values.
De-duplication (last write wins) and the edit log are in `merge`.

>>> t = VeeThresholds(max_gap_fill=3)
>>> VeeThresholds.from_dict(t.to_dict()) == t
True
>>> import duckdb
>>> points = "(VALUES (1, 900000000, 1.0, true), (1, 2700000000, 2.0, true)) p(midx, ts_us, kwh, in_batch)"
>>> duckdb.sql(estimate_gaps(points, t)).fetchall()
[(1, 1800000000, 1.5)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from gridcare.metering.engine import schema
from gridcare.metering.engine.io import sql_str
from gridcare.metering.engine.parse import DAY_US, INTERVAL_US, QUALITY_TYPE, day_num_sql
from gridcare.metering.engine.workspace import Workspace

MAX_GAP_FILL: Final = schema.INTERVALS_PER_DAY // 2  # 12 h; longer runs are not estimated


@dataclass(frozen=True)
class Finding:
    """A VEE outcome: stable dotted `code` and a Chinese `message` for people."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


MALFORMED_ROW: Final = Finding(
    "metering.vee.malformed_row", "行格式错误：字段数与表头不符（该行可能被截断）"
)
EMPTY_METER: Final = Finding("metering.vee.unparseable", "电表编号为空")
UNPARSEABLE_TS: Final = Finding("metering.vee.unparseable", "时间无法解析（或早于1970年）")
NO_TIME_OF_DAY: Final = Finding(
    "metering.vee.no_time_of_day", "时间只有日期，缺少时刻（应为区间结束时刻，如 00:15）"
)
BAD_UTC_OFFSET: Final = Finding(
    "metering.vee.bad_utc_offset", "时区偏移无效（不应超过 ±14:00，分钟应小于 60）"
)
UNPARSEABLE_DATE: Final = Finding("metering.vee.unparseable", "日期无法解析")
UNPARSEABLE_KWH: Final = Finding("metering.vee.unparseable", "电量不是有效数字")
INVALID_QUALITY: Final = Finding("metering.vee.unparseable", "质量标志无效（应为 A、E、S 或空）")
UNKNOWN_METER: Final = Finding("metering.vee.unknown_meter", "电表编号不在档案中")
OFF_GRID: Final = Finding(
    "metering.vee.off_grid", "时间不在15分钟整点上（应为 :00、:15、:30、:45 整）"
)
FUTURE: Final = Finding("metering.vee.future", "时间晚于当前时间")
NEGATIVE_ENERGY: Final = Finding("metering.vee.negative_energy", "电量为负值")
OVER_CAPACITY: Final = Finding(
    "metering.vee.over_capacity", "电量超过该表15分钟内可能的最大值（按合同容量），不予入库"
)

# Flags (the reading is stored, with a quality code).
SPIKE: Final = Finding(
    "metering.vee.spike", "电量异常偏高（超过本表近期 P95 的倍数），标记为可疑 S"
)
ESTIMATED: Final = Finding("metering.vee.estimated", "缺测点按前后读数线性插值估算，标记为 E")

#: Rejection findings; the staged `code` of a rejected reading is its index + 1 (0 = accepted).
REJECTIONS: Final = (
    MALFORMED_ROW,
    EMPTY_METER,
    UNPARSEABLE_TS,
    UNPARSEABLE_DATE,
    UNPARSEABLE_KWH,
    INVALID_QUALITY,
    UNKNOWN_METER,
    OFF_GRID,
    FUTURE,
    NEGATIVE_ENERGY,
    NO_TIME_OF_DAY,
    BAD_UTC_OFFSET,
    OVER_CAPACITY,
)


@dataclass(frozen=True)
class VeeThresholds:
    """Settings of the batch rules (built by the Django side from a preset).

    spike_factor × P95 (kWh per interval) and spike_min_kwh (kWh per interval) bound a
    normal reading; history_days is the P95 window in days; max_gap_fill is the longest run
    of missing intervals that is estimated (0 turns estimation off). capacity_factor ×
    capacity (kVA) × 0.25 h is the most a meter can measure in an interval, lenient on
    purpose: it stops readings no installation could draw, it does not police the contract
    (the demo's 4 kVA homes peak near 3 × their capacity); default_capacity_kva is the
    capacity of a meter without one.
    """

    spike_factor: float = 8.0
    spike_min_kwh: float = 5.0
    history_days: int = 7
    max_gap_fill: int = 2
    capacity_factor: float = 4.0
    default_capacity_kva: float = 1000.0

    def __post_init__(self) -> None:
        if not self.spike_factor > 0:
            raise ValueError("spike_factor must be > 0")
        if not self.spike_min_kwh >= 0:
            raise ValueError("spike_min_kwh must be ≥ 0")
        if not 0 <= self.history_days <= 366:
            raise ValueError("history_days must be in 0..366")
        if not 0 <= self.max_gap_fill <= MAX_GAP_FILL:
            raise ValueError(f"max_gap_fill must be in 0..{MAX_GAP_FILL}")
        if not 0 < self.capacity_factor < math.inf:
            raise ValueError("capacity_factor must be > 0")
        if not 0 < self.default_capacity_kva < math.inf:
            raise ValueError("default_capacity_kva must be > 0")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VeeThresholds:
        return cls(
            spike_factor=float(data.get("spike_factor", cls.spike_factor)),
            spike_min_kwh=float(data.get("spike_min_kwh", cls.spike_min_kwh)),
            history_days=int(data.get("history_days", cls.history_days)),
            max_gap_fill=int(data.get("max_gap_fill", cls.max_gap_fill)),
            capacity_factor=float(data.get("capacity_factor", cls.capacity_factor)),
            default_capacity_kva=float(data.get("default_capacity_kva", cls.default_capacity_kva)),
        )


# --- row rules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowCheck:
    """A row rule: `fails` is SQL true when the reading breaks it; `shown` is the SQL of
    the value the report shows for it."""

    finding: Finding
    fails: str
    shown: str

    @property
    def number(self) -> int:
        """The staged code of this finding (index in `REJECTIONS` + 1)."""
        return REJECTIONS.index(self.finding) + 1


def check_shape() -> RowCheck:
    """The line has as many fields as the header (a cut last line has fewer)."""
    return RowCheck(MALFORMED_ROW, "NOT shape_ok", "left(raw_line, 200)")


def check_meter_given() -> RowCheck:
    return RowCheck(EMPTY_METER, "meter IS NULL OR meter = ''", "''")


def check_ts_parseable() -> RowCheck:
    """A timestamp (1970 or later: earlier ones are garbled dates, not readings)."""
    return RowCheck(UNPARSEABLE_TS, "ts_us IS NULL OR ts_us < 0", "ts_text")


def check_time_of_day() -> RowCheck:
    """The time has a time of day: a date alone (`2024-05-01`, a Parquet DATE) would be
    read as midnight. Every form DuckDB reads with a time has a `:` in it."""
    return RowCheck(NO_TIME_OF_DAY, "NOT contains(ts_text, ':')", "ts_text")


def check_utc_offset() -> RowCheck:
    """An explicit UTC offset is a real one: at most 14 hours, minutes below 60 (DuckDB
    reads `+25:00` or `+08:75` and moves the reading). Only a text that can carry an
    offset other than `Z` pays for the pattern."""
    may_have_offset = (
        "NOT ends_with(ts_text, 'Z') AND NOT ends_with(ts_text, '+08:00')"
        " AND (contains(ts_text, '+') OR contains(right(ts_text, 6), '-'))"
    )
    pattern = r"[+-]((1[5-9]|[2-9][0-9])(:?[0-9][0-9])?|[0-9][0-9]:?[6-9][0-9])$"
    return RowCheck(
        BAD_UTC_OFFSET,
        f"({may_have_offset} AND regexp_matches(trim(ts_text), '{pattern}'))",
        "ts_text",
    )


def check_date_parseable() -> RowCheck:
    return RowCheck(UNPARSEABLE_DATE, "day_us IS NULL OR day_us < 0", "date_text")


def check_kwh_parseable() -> RowCheck:
    return RowCheck(UNPARSEABLE_KWH, "kwh IS NULL OR NOT isfinite(kwh)", "kwh_text")


def check_quality() -> RowCheck:
    return RowCheck(INVALID_QUALITY, "quality IS NULL", "quality_text")


def check_meter_known() -> RowCheck:
    """The meter is one of the caller's known meters (`midx`: NULL when the meter is not one)."""
    return RowCheck(UNKNOWN_METER, "midx IS NULL", "meter")


def check_on_grid() -> RowCheck:
    """ts is a multiple of 15 minutes (whole seconds; µs since the epoch)."""
    return RowCheck(OFF_GRID, f"ts_us % {INTERVAL_US} <> 0", "ts_text")


def check_not_future(now_us: int) -> RowCheck:
    """The interval has ended by `now` (ts is the interval END)."""
    return RowCheck(FUTURE, f"ts_us > {int(now_us)}", "ts_text")


def check_non_negative() -> RowCheck:
    return RowCheck(NEGATIVE_ENERGY, "kwh < 0", "kwh_text")


def long_checks(now_us: int) -> tuple[RowCheck, ...]:
    """Rules of a long-format reading, in order."""
    return (
        check_shape(),
        check_meter_given(),
        check_ts_parseable(),
        check_time_of_day(),
        check_utc_offset(),
        check_kwh_parseable(),
        check_quality(),
        check_meter_known(),
        check_on_grid(),
        check_not_future(now_us),
        check_non_negative(),
    )


def wide_line_checks() -> tuple[RowCheck, ...]:
    """Rules of a whole wide line (one report line if it fails)."""
    return (check_shape(), check_meter_given(), check_date_parseable(), check_meter_known())


def wide_point_checks(now_us: int) -> tuple[RowCheck, ...]:
    """Rules of one point of a good wide line (always on the grid)."""
    return (check_kwh_parseable(), check_not_future(now_us), check_non_negative())


def code_sql(checks: Iterable[RowCheck]) -> str:
    """SQL: the number of the first failing rule, 0 if the reading passes them all."""
    whens = " ".join(f"WHEN {c.fails} THEN {c.number}" for c in checks)
    return f"(CASE {whens} ELSE 0 END)::UTINYINT"


def shown_sql(checks: Iterable[RowCheck], code: str = "code") -> str:
    """SQL: the reported value for the finding numbered `code` (NULL when accepted)."""
    whens = " ".join(f"WHEN {c.number} THEN {c.shown}" for c in checks)
    return f"CAST(CASE {code} {whens} END AS VARCHAR)"


def findings_values_sql() -> str:
    """SQL relation (number, code, message) of `REJECTIONS`."""
    rows = ", ".join(
        f"({i}, {sql_str(f.code)}, {sql_str(f.message)})" for i, f in enumerate(REJECTIONS, start=1)
    )
    return f"(VALUES {rows}) AS findings(number, code, message)"


# --- batch rules ---------------------------------------------------------------------------


def capacity_limit_sql(thresholds: VeeThresholds) -> str:
    """SQL over the known meters (`capacity_kva`, `multiplier`, may be NULL): the largest
    reading (kWh per interval, before the multiplier) the meter can measure."""
    t = thresholds
    hours = schema.INTERVAL_MINUTES / 60
    return (
        f"(coalesce(capacity_kva, {t.default_capacity_kva!r}) * {t.capacity_factor * hours!r}"
        " / greatest(coalesce(multiplier, 1), 1))"
    )


def over_capacity_sql(stage: str, meters: str, thresholds: VeeThresholds, floor: float) -> str:
    """SQL: (rid, midx, ts_us, kwh, seq) of the staged readings above their meter's
    `capacity_limit_sql`. `floor` is the smallest limit of any meter: only readings above it
    are joined with the meters (one comparison for the other 57 M of L)."""
    return (
        f"SELECT s.rowid AS rid, s.midx, s.ts_us, s.kwh, s.seq FROM {stage} s"
        f" JOIN {meters} m ON s.midx = m.midx"
        f" WHERE s.kwh > {floor!r} AND s.kwh > {capacity_limit_sql(thresholds)}"
    )


def spike_candidates(groups: str, thresholds: VeeThresholds) -> str:
    """SQL: (midx, lo, hi) of meters with an actual reading above `spike_min_kwh` in the
    batch (no other meter can have a spike) and the µs window of their P95.

    `groups` (midx, max_actual, lo, hi): the batch per meter and day, `max_actual` the
    largest actual (`A`) kWh, `lo`/`hi` the first/last interval end.
    """
    window = thresholds.history_days * DAY_US
    return f"""
        SELECT midx, min(lo) - {window} AS lo, max(hi) AS hi
        FROM {groups} GROUP BY midx
        HAVING max(max_actual) > {thresholds.spike_min_kwh!r}
    """


def check_spike(batch: str, history: str, candidates: str, thresholds: VeeThresholds) -> str:
    """SQL: (midx, threshold kWh) of the `candidates` meters (`spike_candidates`).

    threshold = max(spike_factor × P95, spike_min_kwh); P95 (`quantile_cont`) over the
    meter's measured (A/S) readings in its window: the `batch` (midx, ts_us, kwh, quality),
    and the stored `history` (same columns) that the batch does not replace.
    """
    t = thresholds
    e = schema.QUALITY_ESTIMATED
    return f"""
        WITH measured AS (
            SELECT b.midx, b.kwh FROM {batch} b JOIN {candidates} c ON b.midx = c.midx
            WHERE b.quality <> '{e}'
            UNION ALL
            SELECT h.midx, h.kwh FROM {history} h JOIN {candidates} c ON h.midx = c.midx
            WHERE h.quality <> '{e}' AND h.ts_us BETWEEN c.lo AND c.hi
        )
        SELECT midx, greatest({t.spike_factor!r} * quantile_cont(kwh, 0.95), {t.spike_min_kwh!r})
               AS threshold
        FROM measured GROUP BY midx
    """


def flag_spikes(
    ws: Workspace, *, stage: str, groups: str, window: str, thresholds: VeeThresholds
) -> int:
    """Mark the spikes of `stage` (midx, ts_us, kwh, quality, seq) as `S`; returns how many
    readings of `stage` are `S` after it (spikes and suspects given by the source).

    `groups` as in `spike_candidates`; `window`: stored readings (midx, ts_us, kwh,
    quality) the batch does not replace, covering each candidate's P95 window.
    """
    con, s, a = ws.con, schema.QUALITY_SUSPECT, schema.QUALITY_ACTUAL
    candidates = ws.table("candidates")
    con.execute(f"CREATE TEMP TABLE {candidates} AS {spike_candidates(groups, thresholds)}")
    if ws.count(candidates):
        # Delete and insert again rather than UPDATE: an UPDATE … FROM of the ENUM column
        # on the 57.6 M-row stage once left two readings with quality '' (DuckDB 2.0.0).
        suspects = ws.table("suspects")
        con.execute(
            f"CREATE TEMP TABLE {suspects} AS SELECT b.rowid AS rid, b.midx, b.ts_us, b.kwh,"
            f" '{s}'::{QUALITY_TYPE} AS quality, b.seq FROM {stage} b"
            f" JOIN ({check_spike(stage, window, candidates, thresholds)}) AS thr"
            f" ON b.midx = thr.midx WHERE b.quality = '{a}' AND b.kwh > thr.threshold"
        )
        con.execute(f"DELETE FROM {stage} WHERE rowid IN (SELECT rid FROM {suspects})")
        con.execute(
            f"INSERT INTO {stage} (midx, ts_us, kwh, quality, seq)"
            f" SELECT midx, ts_us, kwh, quality, seq FROM {suspects}"
        )
        ws.drop(suspects)
    ws.drop(candidates)
    return ws.count(f"{stage} WHERE quality = '{s}'")


def fill_gaps(
    ws: Workspace, *, stage: str, groups: str, history: str, thresholds: VeeThresholds
) -> str:
    """Create and return a table of the estimates to write: (midx, ts_us, kwh, quality `E`,
    old_kwh, old_quality, old_batch_id, had_old), each new or different from what
    `history` holds there.

    `stage`: the batch (accepted readings); `groups` (midx, day, n, lo, hi): the batch per
    meter and day; `history`: stored readings (midx, ts_us, kwh, quality, batch_id) that the
    batch does not replace. A gap lies strictly between two consecutive measured readings,
    so the only batch readings it can meet are estimates given by the source: those stay.
    """
    con, e = ws.con, schema.QUALITY_ESTIMATED
    per_day = schema.INTERVALS_PER_DAY
    span = (thresholds.max_gap_fill + 1) * INTERVAL_US
    # Only readings that can end a gap: all of a day with missing intervals, and the
    # first/last interval of a complete day whose neighbour day is not complete.
    ends = ws.table("gap_ends")
    con.execute(
        f"CREATE TEMP TABLE {ends} AS SELECT g.midx, g.day, g.n < {per_day} AS open,"
        f" CASE WHEN p.n IS DISTINCT FROM {per_day} THEN g.lo END AS first_end,"
        f" CASE WHEN f.n IS DISTINCT FROM {per_day} THEN g.hi END AS last_end"
        f" FROM {groups} g"
        f" LEFT JOIN {groups} p ON p.midx = g.midx AND p.day = g.day - 1"
        f" LEFT JOIN {groups} f ON f.midx = g.midx AND f.day = g.day + 1"
        f" WHERE g.n < {per_day} OR p.n IS DISTINCT FROM {per_day}"
        f" OR f.n IS DISTINCT FROM {per_day}"
    )
    batch_points = (
        f"SELECT s.midx, s.ts_us, s.kwh, true AS in_batch FROM {stage} s"
        f" JOIN {ends} g ON s.midx = g.midx AND {day_num_sql('s.ts_us')} = g.day"
        f" WHERE s.quality <> '{e}'"
        " AND (g.open OR s.ts_us = g.first_end OR s.ts_us = g.last_end)"
    )
    stored_points = (
        f"SELECT h.midx, h.ts_us, h.kwh, false FROM {history} h"
        f" JOIN (SELECT midx, min(lo) - {span} AS lo, max(hi) + {span} AS hi FROM {groups}"
        " GROUP BY midx) r ON h.midx = r.midx AND h.ts_us BETWEEN r.lo AND r.hi"
        f" WHERE h.quality <> '{e}'"
    )
    estimates, fills = ws.table("estimates"), ws.table("fills")
    con.execute(
        f"CREATE TEMP TABLE {estimates} AS SELECT f.* FROM"
        f" ({estimate_gaps(f'({batch_points} UNION ALL {stored_points})', thresholds)}) f"
        f" ANTI JOIN (SELECT midx, ts_us FROM {stage} WHERE quality = '{e}') s"
        " ON s.midx = f.midx AND s.ts_us = f.ts_us"
    )
    con.execute(
        f"CREATE TEMP TABLE {fills} AS SELECT f.midx, f.ts_us, f.kwh,"
        f" '{e}'::{QUALITY_TYPE} AS quality, h.kwh AS old_kwh, h.quality AS old_quality,"
        " h.batch_id AS old_batch_id, h.ts_us IS NOT NULL AS had_old"
        f" FROM {estimates} f LEFT JOIN {history} h ON f.midx = h.midx AND f.ts_us = h.ts_us"
        f" WHERE h.ts_us IS NULL OR h.kwh <> f.kwh OR h.quality <> '{e}'"
    )
    ws.drop(ends, estimates)
    return fills


def estimate_gaps(points: str, thresholds: VeeThresholds) -> str:
    """SQL: (midx, ts_us, kwh) estimated by linear interpolation, quality `E`.

    `points` (midx, ts_us, kwh, in_batch): the measured readings (quality A/S) around the
    batch; a gap is filled only if at least one of its two ends is `in_batch`.
    """
    span = (thresholds.max_gap_fill + 1) * INTERVAL_US
    return f"""
        SELECT midx, t0 + i * {INTERVAL_US} AS ts_us, v0 + (v1 - v0) * i / k AS kwh
        FROM (
            SELECT midx, t0, v0, v1, k, unnest(range(1, k)) AS i
            FROM (
                SELECT midx, t0, v0, v1, (t1 - t0) // {INTERVAL_US} AS k
                FROM (
                    SELECT midx, ts_us AS t0, kwh AS v0, in_batch AS b0,
                           lead(ts_us) OVER w AS t1, lead(kwh) OVER w AS v1,
                           lead(in_batch) OVER w AS b1
                    FROM {points}
                    WINDOW w AS (PARTITION BY midx ORDER BY ts_us)
                )
                WHERE t1 - t0 BETWEEN {2 * INTERVAL_US} AND {span} AND (b0 OR b1)
            )
        )
        ORDER BY midx, ts_us
    """
