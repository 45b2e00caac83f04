"""Time-of-use (峰谷分时) calendars: which tariff bucket each 15-minute interval falls in.

A `TouCalendar` is data, not code: a tuple of `(start_minute, end_minute, bucket)` periods
in **Beijing** wall-clock minutes `[start, end)` that tile the whole day, plus optional
overlays that replace part of the day on some months or dates (Guangdong's critical peak in
July–September and on hot days). The Django side builds one from a tariff preset and passes
it in; it round-trips through `to_dict`/`from_dict` for storage.

An interval belongs to the bucket that contains its **start**. Readings carry the interval
END (`schema.TS`), so 08:00–08:15 (ts = 08:15) is classified at minute 480. Boundaries must be
multiples of 15 minutes so that no interval is split between two buckets.

Beijing time is UTC + 8 h with no daylight saving, so everything here is integer arithmetic
on the epoch and runs unchanged on DuckDB and Spark.

>>> from datetime import date
>>> GUANGDONG_TOU.bucket_at(8 * 60, date(2024, 1, 15))
'flat'
>>> GUANGDONG_TOU.bucket_at(11 * 60, date(2024, 1, 15)), GUANGDONG_TOU.bucket_at(11 * 60, date(2024, 8, 1))
('peak', 'sharp')
>>> TouCalendar.from_dict(GUANGDONG_TOU.to_dict()) == GUANGDONG_TOU
True
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from gridcare.metering.engine import schema

MINUTES_PER_DAY = 24 * 60
_BUCKET_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# Seconds from an interval END (ts, UTC) to the Beijing clock at the interval START.
_LOCAL_START_SHIFT_S = (schema.CHINA_UTC_OFFSET_MINUTES - schema.INTERVAL_MINUTES) * 60


class TouPeriod(NamedTuple):
    """`[start_minute, end_minute)` of the Beijing day, in `bucket`."""

    start_minute: int
    end_minute: int
    bucket: str


@dataclass(frozen=True)
class TouOverlay:
    """Periods that replace the base calendar on some days.

    Active on every day whose month is in `months` and on every date in `days` (for
    example the days forecast at ≥ 35 °C, added by the caller). Outside its periods the base
    calendar applies.
    """

    periods: tuple[TouPeriod, ...]
    months: tuple[int, ...] = ()
    days: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "periods", tuple(TouPeriod(*p) for p in self.periods))
        object.__setattr__(self, "months", tuple(sorted(set(self.months))))
        object.__setattr__(self, "days", tuple(sorted(set(self.days))))
        if any(not 1 <= m <= 12 for m in self.months):
            raise ValueError(f"overlay months must be 1..12, got {self.months}")
        _check_periods(self.periods, tile=False)

    def active_on(self, day: date) -> bool:
        return day.month in self.months or day in self.days


@dataclass(frozen=True)
class TouCalendar:
    """A time-of-use calendar in Beijing wall-clock minutes.

    `periods` tile `[0, 1440)` without overlap; `overlays` are checked first, in order.
    `buckets` is the output order of bucket columns (defaults to first appearance);
    `labels` maps bucket names to display names (e.g. `peak` → `峰`).
    """

    name: str
    periods: tuple[TouPeriod, ...]
    overlays: tuple[TouOverlay, ...] = ()
    buckets: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "periods", tuple(TouPeriod(*p) for p in self.periods))
        object.__setattr__(self, "overlays", tuple(self.overlays))
        object.__setattr__(self, "labels", tuple((str(k), str(v)) for k, v in self.labels))
        _check_periods(self.periods, tile=True)
        used: list[str] = []
        for period in (*self.periods, *(p for o in self.overlays for p in o.periods)):
            if period.bucket not in used:
                used.append(period.bucket)
        if not self.buckets:
            object.__setattr__(self, "buckets", tuple(used))
        else:
            object.__setattr__(self, "buckets", tuple(self.buckets))
            missing = set(used) - set(self.buckets)
            if missing or len(set(self.buckets)) != len(self.buckets):
                raise ValueError(f"buckets {self.buckets} must list each of {used} once")
        for bucket in self.buckets:
            if not _BUCKET_NAME.match(bucket):
                raise ValueError(f"bucket name {bucket!r} must match {_BUCKET_NAME.pattern}")

    def bucket_at(self, minute: int, day: date) -> str:
        """The bucket of the interval starting at Beijing `minute` (0..1439) of `day`."""
        for overlay in self.overlays:
            if overlay.active_on(day):
                for period in overlay.periods:
                    if period.start_minute <= minute < period.end_minute:
                        return period.bucket
        for period in self.periods:
            if period.start_minute <= minute < period.end_minute:
                return period.bucket
        raise ValueError(f"minute {minute} outside 0..1439")

    def label(self, bucket: str) -> str:
        return dict(self.labels).get(bucket, bucket)

    def with_overlay_days(self, index: int, days: Iterable[date]) -> TouCalendar:
        """A copy whose overlay `index` is also active on `days` (e.g. hot days)."""
        overlays = list(self.overlays)
        old = overlays[index]
        overlays[index] = TouOverlay(old.periods, old.months, (*old.days, *days))
        return TouCalendar(self.name, self.periods, tuple(overlays), self.buckets, self.labels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "periods": [list(p) for p in self.periods],
            "overlays": [
                {
                    "periods": [list(p) for p in o.periods],
                    "months": list(o.months),
                    "days": [d.isoformat() for d in o.days],
                }
                for o in self.overlays
            ],
            "buckets": list(self.buckets),
            "labels": dict(self.labels),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TouCalendar:
        return cls(
            name=data["name"],
            periods=tuple(TouPeriod(*p) for p in data["periods"]),
            overlays=tuple(
                TouOverlay(
                    periods=tuple(TouPeriod(*p) for p in o["periods"]),
                    months=tuple(o.get("months", ())),
                    days=tuple(date.fromisoformat(d) for d in o.get("days", ())),
                )
                for o in data.get("overlays", ())
            ),
            buckets=tuple(data.get("buckets", ())),
            labels=tuple(dict(data.get("labels", {})).items()),
        )


def _check_periods(periods: tuple[TouPeriod, ...], *, tile: bool) -> None:
    spans = sorted(periods)
    for p in spans:
        if not (0 <= p.start_minute < p.end_minute <= MINUTES_PER_DAY):
            raise ValueError(f"period {p} must satisfy 0 <= start < end <= 1440")
        if p.start_minute % schema.INTERVAL_MINUTES or p.end_minute % schema.INTERVAL_MINUTES:
            raise ValueError(f"period {p} must start and end on a 15-minute boundary")
    for a, b in itertools.pairwise(spans):
        if b.start_minute < a.end_minute:
            raise ValueError(f"periods {a} and {b} overlap")
        if tile and b.start_minute != a.end_minute:
            raise ValueError(f"gap between {a} and {b}: periods must cover the whole day")
    if tile and (not spans or spans[0].start_minute != 0 or spans[-1].end_minute != 1440):
        raise ValueError("periods must cover the whole day, 0..1440")


#: Guangdong commercial and industrial TOU (粤发改价格〔2021〕331号), in Beijing time:
#: valley 00–08, peak 10–12 and 14–19, flat otherwise; critical peak (尖峰) 11–12 and
#: 15–17 in July–September (add hot days with `with_overlay_days(0, days)`).
GUANGDONG_TOU = TouCalendar(
    name="guangdong-2021",
    periods=(
        TouPeriod(0, 480, "valley"),
        TouPeriod(480, 600, "flat"),
        TouPeriod(600, 720, "peak"),
        TouPeriod(720, 840, "flat"),
        TouPeriod(840, 1140, "peak"),
        TouPeriod(1140, 1440, "flat"),
    ),
    overlays=(
        TouOverlay(
            periods=(TouPeriod(660, 720, "sharp"), TouPeriod(900, 1020, "sharp")),
            months=(7, 8, 9),
        ),
    ),
    buckets=("sharp", "peak", "flat", "valley"),
    labels=(("sharp", "尖峰"), ("peak", "峰"), ("flat", "平"), ("valley", "谷")),
)


# --- expressions ----------------------------------------------------------------------------


@ibis.udf.scalar.builtin(name="unix_seconds")
def unix_seconds(ts) -> dt.int64:  # type: ignore[no-untyped-def]
    """Whole seconds since the epoch of a UTC timestamp (Spark `unix_seconds`; Ibis/sqlglot
    compiles it to `CAST(EPOCH(ts) AS BIGINT)` on DuckDB, which avoids the costly cast of a
    TIMESTAMPTZ to a local TIMESTAMP that `epoch_seconds()` emits)."""


def local_second_of_day(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Second 0..86399 of the Beijing day at which the interval ending at `ts` STARTS."""
    return (unix_seconds(ts) + _LOCAL_START_SHIFT_S) % 86400


def local_slot(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Slot 0..95 of the Beijing day holding the interval that ENDS at `ts` (UTC).

    >>> import ibis
    >>> from datetime import datetime, timezone
    >>> from gridcare.metering.engine.backend import connect
    >>> t = ibis.memtable({"ts": [datetime(2024, 1, 1, 16, 0, tzinfo=timezone.utc)]})
    >>> connect().to_pyarrow(local_slot(t.ts).name("slot")).to_pylist()
    [95]
    """
    return slot_of_second(local_second_of_day(ts))


def slot_of_second(second_of_day: ir.IntegerValue) -> ir.IntegerValue:
    return (second_of_day // (schema.INTERVAL_MINUTES * 60)).cast("int32")


def local_day(ts: ir.TimestampValue) -> ir.DateValue:
    """Beijing calendar day of the interval that ENDS at `ts` (the partition day).

    Both backends run with the session time zone at UTC (Ibis sets it), so the cast to a
    date is in UTC after shifting. Prefer the readings' `day` partition column: it is free.
    """
    return (ts + ibis.interval(seconds=_LOCAL_START_SHIFT_S)).date()


def bucket_code_expr(
    second_of_day: ir.IntegerValue, day: ir.DateValue, calendar: TouCalendar
) -> ir.IntegerValue:
    """Index into `calendar.buckets` for the interval starting at Beijing `second_of_day`
    (0..86399, see `local_second_of_day`) of Beijing `day`.

    Compares seconds, not slots, so no per-row division; compute `second_of_day` in an
    earlier projection so the backend evaluates it once per row.
    """
    code = {b: i for i, b in enumerate(calendar.buckets)}
    sod = second_of_day
    branches: list[tuple[Any, Any]] = []
    for overlay in calendar.overlays:
        active = ibis.literal(False)
        if overlay.months:
            active = active | day.month().isin(list(overlay.months))
        if overlay.days:
            active = active | day.isin(list(overlay.days))
        for p in overlay.periods:
            cond = active & (sod >= p.start_minute * 60) & (sod < p.end_minute * 60)
            branches.append((cond, code[p.bucket]))
    # Base periods in order: each branch only needs the upper bound.
    base = _merge_adjacent(sorted(calendar.periods))
    for p in base[:-1]:
        branches.append((sod < p.end_minute * 60, code[p.bucket]))
    last = code[base[-1].bucket]
    if not branches:
        return ibis.literal(last, type="int8")
    return ibis.cases(*branches, else_=last).cast("int8")


def bucket_expr(ts: ir.TimestampValue, calendar: TouCalendar) -> ir.StringValue:
    """Bucket name (e.g. `peak`) of the interval ending at `ts`.

    >>> import ibis
    >>> from datetime import datetime, timezone
    >>> from gridcare.metering.engine.backend import connect
    >>> utc = timezone.utc
    >>> t = ibis.memtable({"ts": [datetime(2024, 1, 2, 0, 15, tzinfo=utc),  # 08:00-08:15 BJ
    ...                           datetime(2024, 1, 2, 0, 0, tzinfo=utc)]})  # 07:45-08:00 BJ
    >>> connect().to_pyarrow(bucket_expr(t.ts, GUANGDONG_TOU).name("b")).to_pylist()
    ['flat', 'valley']
    """
    code = bucket_code_expr(local_second_of_day(ts), local_day(ts), calendar)
    return ibis.cases(*((code == i, b) for i, b in enumerate(calendar.buckets)))


def _merge_adjacent(periods: list[TouPeriod]) -> list[TouPeriod]:
    merged: list[TouPeriod] = []
    for p in periods:
        if merged and merged[-1].bucket == p.bucket and merged[-1].end_minute == p.start_minute:
            merged[-1] = TouPeriod(merged[-1].start_minute, p.end_minute, p.bucket)
        else:
            merged.append(p)
    return merged
