"""Determinants given directly to a billing run (`billing_run(usage=...)`): per meter and
day, summed over a date range the way metering's `meter_usage` sums its daily aggregates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

INTERVALS_PER_DAY = 96


@dataclass(frozen=True)
class Usage:
    meter_id: str
    kwh: Mapping[str, float]
    days: int
    intervals: int
    expected_intervals: int
    estimated_intervals: int = 0
    estimated_kwh: float = 0.0
    suspect_intervals: int = 0
    suspect_kwh: float = 0.0
    max_kw: float | None = None
    max_kw_at: dt.datetime | None = None


@dataclass
class Day:
    kwh: dict[str, float]
    intervals: int = INTERVALS_PER_DAY
    estimated_intervals: int = 0
    estimated_kwh: float = 0.0
    suspect_intervals: int = 0
    suspect_kwh: float = 0.0
    max_kw: float | None = None


@dataclass
class Readings:
    """`readings.month("MA0001", date(2026, 11, 1), flat=300)` spreads 300 kWh evenly over
    the month's days; `readings.days["MA0001"][day]` edits one day."""

    days: dict[str, dict[dt.date, Day]] = field(default_factory=dict)
    calls: list[tuple[dt.date, dt.date, Sequence[str] | None]] = field(default_factory=list)

    def month(
        self, meter: str, month: dt.date, *, max_kw: float | None = None, **buckets: float
    ) -> None:
        count = ((month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - month).days
        per_meter = self.days.setdefault(meter, {})
        for offset in range(count):
            day = month + dt.timedelta(days=offset)
            per_meter[day] = Day({b: v / count for b, v in buckets.items()}, max_kw=max_kw)

    def __call__(
        self, start: dt.date, end: dt.date, meter_ids: Sequence[str] | None
    ) -> dict[str, Usage]:
        self.calls.append((start, end, meter_ids))
        wanted = meter_ids if meter_ids is not None else list(self.days)
        span = (end - start).days + 1
        result = {}
        for meter in wanted:
            days = [d for day, d in self.days.get(meter, {}).items() if start <= day <= end]
            if not days:
                continue
            kwh: dict[str, float] = {}
            for d in days:
                for bucket, value in d.kwh.items():
                    kwh[bucket] = kwh.get(bucket, 0.0) + value
            demands = [d.max_kw for d in days]
            result[meter] = Usage(
                meter_id=meter,
                kwh=kwh,
                days=len(days),
                intervals=sum(d.intervals for d in days),
                expected_intervals=span * INTERVALS_PER_DAY,
                estimated_intervals=sum(d.estimated_intervals for d in days),
                estimated_kwh=sum(d.estimated_kwh for d in days),
                suspect_intervals=sum(d.suspect_intervals for d in days),
                suspect_kwh=sum(d.suspect_kwh for d in days),
                max_kw=None if None in demands else max(d for d in demands if d is not None),
                max_kw_at=None,
            )
        return result
