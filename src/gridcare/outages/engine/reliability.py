"""Reliability indices from per-customer interruptions (framework-free).

Definitions (domain-facts §5, DL/T 836 / IEEE 1366), for N customers served over a period
of T hours:

- SAIFI  = Σ customer interruptions / N                 (times per customer)
- SAIDI  = Σ customer interruption minutes / N           (minutes per customer)
- CAIDI  = SAIDI / SAIFI                                 (minutes per interrupted customer)
- ASAI   = 1 − SAIDI(h) / T                              (a fraction)
- RS-1   = ASAI × 100 % with every outage counted;  RS-3 = the same without limited
  supply (限电).

A customer's interruptions are first united: two outages that overlap (a transformer
outage inside a feeder outage, a planned outage that a fault extended) are one stretch
without power, so its minutes never count twice and it counts as one interruption.
Stretches shorter than the sustained threshold are momentary and not counted.

Major event days (IEEE 1366 "2.5 beta"): take the daily SAIDI of a baseline (days with
SAIDI 0 left out), α = mean and β = standard deviation of ln(daily SAIDI); a day whose SAIDI
exceeds T_MED = exp(α + 2.5 β) is a major event day. An interruption belongs to the day it
began (as IEEE 1366 accrues multi-day events). The report gives the indices with and
without the interruptions of those days.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

MED_BETA_MULTIPLIER = 2.5
MINUTES_PER_HOUR = 60.0


@dataclass(frozen=True)
class Interruption:
    """One customer's time without supply in one outage (on_at None: still off)."""

    customer: int
    off_at: datetime
    on_at: datetime | None
    planned: bool = False
    limited_supply: bool = False


@dataclass(frozen=True)
class Span:
    """A united stretch without supply of one customer, clipped to the period."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60.0


@dataclass(frozen=True)
class Indices:
    customers_served: int
    period_hours: float
    customer_interruptions: int
    customer_minutes: float
    customers_interrupted: int

    @property
    def saifi(self) -> float:
        return self.customer_interruptions / self.customers_served if self.customers_served else 0.0

    @property
    def saidi_minutes(self) -> float:
        return self.customer_minutes / self.customers_served if self.customers_served else 0.0

    @property
    def caidi_minutes(self) -> float:
        # No interruption: no average duration to speak of; 0 keeps the JSON numeric.
        return self.saidi_minutes / self.saifi if self.saifi else 0.0

    @property
    def asai(self) -> float:
        if not self.period_hours:
            return 1.0
        return 1.0 - (self.saidi_minutes / MINUTES_PER_HOUR) / self.period_hours

    @property
    def rs_percent(self) -> float:
        return 100.0 * self.asai

    def as_dict(self) -> dict[str, float | int]:
        return {
            "customer_interruptions": self.customer_interruptions,
            "customers_interrupted": self.customers_interrupted,
            "customer_minutes": round(self.customer_minutes, 2),
            "saifi": round(self.saifi, 6),
            "saidi_minutes": round(self.saidi_minutes, 4),
            "caidi_minutes": round(self.caidi_minutes, 4),
            "asai": round(self.asai, 8),
        }


@dataclass(frozen=True)
class MajorEventDays:
    threshold_minutes: float | None  # T_MED; None: too little history to judge
    days: tuple[date, ...]
    baseline_days: int  # days with SAIDI > 0 the threshold was drawn from


@dataclass(frozen=True)
class Report:
    all: Indices  # RS-1: every sustained interruption
    without_limited_supply: Indices  # RS-3
    planned: Indices
    unplanned: Indices
    major_events: MajorEventDays
    without_major_events: Indices
    daily_saidi: dict[date, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """The CLI's --json line and the API's body: the headline figures first."""
        return {
            "customers_served": self.all.customers_served,
            "saifi": round(self.all.saifi, 6),
            "saidi_minutes": round(self.all.saidi_minutes, 4),
            "caidi_minutes": round(self.all.caidi_minutes, 4),
            "asai": round(self.all.asai, 8),
            "rs1": round(self.all.rs_percent, 6),
            "rs3": round(self.without_limited_supply.rs_percent, 6),
            "period_hours": round(self.all.period_hours, 4),
            "customer_interruptions": self.all.customer_interruptions,
            "customer_minutes": round(self.all.customer_minutes, 2),
            "planned": self.planned.as_dict(),
            "unplanned": self.unplanned.as_dict(),
            "major_event_days": [d.isoformat() for d in self.major_events.days],
            "t_med_minutes": (
                None
                if self.major_events.threshold_minutes is None
                else round(self.major_events.threshold_minutes, 4)
            ),
            "without_major_events": {
                **self.without_major_events.as_dict(),
                "rs1": round(self.without_major_events.rs_percent, 6),
            },
        }


def united_spans(
    interruptions: Iterable[Interruption],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    sustained_minutes: float,
) -> dict[int, list[Span]]:
    """customer → its stretches without supply inside [start, end), overlaps united and
    momentary stretches dropped. An interruption still open runs until `now`."""
    by_customer: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for item in interruptions:
        off = max(item.off_at, start)
        on = min(item.on_at or now, end)
        if on > off:
            by_customer[item.customer].append((off, on))
    united: dict[int, list[Span]] = {}
    for customer, intervals in by_customer.items():
        spans = [s for s in _union(intervals) if s.minutes >= sustained_minutes]
        if spans:
            united[customer] = spans
    return united


def _union(intervals: list[tuple[datetime, datetime]]) -> list[Span]:
    """Sorted, overlapping or touching intervals merged (power back at 10:00 and off again
    at 10:00 is one stretch)."""
    merged: list[list[datetime]] = []
    for off, on in sorted(intervals):
        if merged and off <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], on)
        else:
            merged.append([off, on])
    return [Span(off, on) for off, on in merged]


def indices_of(
    spans: dict[int, list[Span]], *, customers_served: int, period_hours: float
) -> Indices:
    return Indices(
        customers_served=customers_served,
        period_hours=period_hours,
        customer_interruptions=sum(len(s) for s in spans.values()),
        customer_minutes=sum(span.minutes for s in spans.values() for span in s),
        customers_interrupted=len(spans),
    )


def daily_saidi(
    spans: dict[int, list[Span]], *, customers_served: int, tz: tzinfo
) -> dict[date, float]:
    """Local day → SAIDI (minutes) of the stretches that began that day."""
    minutes: dict[date, float] = defaultdict(float)
    for customer_spans in spans.values():
        for span in customer_spans:
            minutes[span.start.astimezone(tz).date()] += span.minutes
    if not customers_served:
        return {}
    return {day: total / customers_served for day, total in sorted(minutes.items())}


def major_event_threshold(daily: Iterable[float]) -> tuple[float | None, int]:
    """T_MED in minutes from the baseline's daily SAIDI values, and how many non-zero days
    it rests on. Fewer than two non-zero days give no standard deviation: no threshold."""
    logs = [math.log(v) for v in daily if v > 0]
    if len(logs) < 2:
        return None, len(logs)
    alpha = statistics.fmean(logs)
    beta = statistics.stdev(logs)
    return math.exp(alpha + MED_BETA_MULTIPLIER * beta), len(logs)


def major_event_days(
    period_daily: dict[date, float], baseline_daily: Sequence[float]
) -> MajorEventDays:
    threshold, n = major_event_threshold(baseline_daily)
    if threshold is None:
        return MajorEventDays(threshold_minutes=None, days=(), baseline_days=n)
    days = tuple(day for day, saidi in sorted(period_daily.items()) if saidi > threshold)
    return MajorEventDays(threshold_minutes=threshold, days=days, baseline_days=n)


def _without_days(
    spans: dict[int, list[Span]], days: set[date], tz: tzinfo
) -> dict[int, list[Span]]:
    kept: dict[int, list[Span]] = {}
    for customer, customer_spans in spans.items():
        rest = [s for s in customer_spans if s.start.astimezone(tz).date() not in days]
        if rest:
            kept[customer] = rest
    return kept


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    now: datetime
    tz: tzinfo
    sustained_minutes: float

    @property
    def hours(self) -> float:
        return (self.end - self.start) / timedelta(hours=1)


def reliability_report(
    interruptions: Sequence[Interruption],
    *,
    customers_served: int,
    period: Period,
    baseline: Sequence[Interruption] | None = None,
    baseline_period: Period | None = None,
    baseline_daily: Sequence[float] | None = None,
) -> Report:
    """Every figure of the reliability report for one selection of customers.

    `baseline` (with `baseline_period`) is the history the major-event threshold is drawn
    from (IEEE 1366 uses five years), or `baseline_daily` its daily SAIDI values already
    computed (a report's months share their report's); without either the period itself is
    the baseline.
    """

    def spans(items: Iterable[Interruption], within: Period = period) -> dict[int, list[Span]]:
        return united_spans(
            items,
            start=within.start,
            end=within.end,
            now=within.now,
            sustained_minutes=within.sustained_minutes,
        )

    def indices(united: dict[int, list[Span]]) -> Indices:
        return indices_of(united, customers_served=customers_served, period_hours=period.hours)

    everything = spans(interruptions)
    per_day = daily_saidi(everything, customers_served=customers_served, tz=period.tz)
    if baseline_daily is None and baseline is not None and baseline_period is not None:
        history = spans(baseline, baseline_period)
        baseline_daily = list(
            daily_saidi(history, customers_served=customers_served, tz=period.tz).values()
        )
    meds = major_event_days(
        per_day, list(per_day.values()) if baseline_daily is None else baseline_daily
    )
    return Report(
        all=indices(everything),
        without_limited_supply=indices(spans(i for i in interruptions if not i.limited_supply)),
        planned=indices(spans(i for i in interruptions if i.planned)),
        unplanned=indices(spans(i for i in interruptions if not i.planned)),
        major_events=meds,
        without_major_events=indices(_without_days(everything, set(meds.days), period.tz)),
        daily_saidi=per_day,
    )
