"""An account's month priced from its determinants, or held with the reason.

Holds, first match wins (docs/architecture.md "Billing: runs and bills"):

1. NO_METER: the account has no meter.
2. TARIFF_GAP: some day of the month has no tariff version in force.
3. MISSING_READINGS: a meter has no reading in a period, or fewer than
   `BILLING_MIN_COVERAGE` of the period's 15-minute intervals (after the import's gap
   fill, which marks what it estimated). At or above it the period is billed on the
   readings it has; late readings then make the next run cancel and rebill.
4. SUSPECT_READINGS: any suspect reading in the month (held for review, never billed).
5. NO_DEMAND: a demand-based basic charge without the month's maximum demand.

(A profile whose basic-charge method the tariff has no price for is listed as TARIFF_GAP,
with the engine's reason.)

A closed account (customers keeps no closing date) is billed on the readings it has, with
no coverage rule, and skipped when it has none: its meter stops when it closes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gridcare.billing.choices import HoldReason
from gridcare.billing.engine.money import ZERO, kwh, to_decimal
from gridcare.billing.engine.tariff import (
    BUCKETS,
    Line,
    MissingDemand,
    Period,
    SpecError,
    price_month,
)
from gridcare.billing.engine.tariff import total as lines_total
from gridcare.billing.services.run_plan import AccountPlan, Segment
from gridcare.billing.services.run_usage import MeterUsage, Range


@dataclass
class BillDraft:
    """A priced month, before it is issued (or found unchanged)."""

    account_id: int
    number: str  # the account's
    period: dt.date
    start: dt.date
    end: dt.date
    tariff_code: str
    payment_mode: str
    lines: list[Line]
    total: Decimal
    energy_kwh: Decimal
    has_estimates: bool
    determinants: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hold:
    account_id: int
    number: str
    reason: HoldReason
    detail: str


def _amount(value: float) -> Decimal:
    return kwh(to_decimal(value))


def _period_text(segment: Segment) -> str:
    return f"{segment.start:%m-%d}–{segment.end:%m-%d}"


def _readings_hold(
    plan: AccountPlan, usage: Mapping[Range, Mapping[str, MeterUsage]], min_coverage: float
) -> Hold | None:
    missing: list[str] = []
    suspect: list[str] = []
    for segment in plan.segments:
        got = usage.get((segment.start, segment.end), {})
        for meter in plan.meters:
            read = got.get(meter)
            if read is None or read.intervals == 0:
                missing.append(f"{meter} {_period_text(segment)}: no readings")
            elif read.intervals < read.expected_intervals * min_coverage:
                share = 100 * read.intervals / max(read.expected_intervals, 1)
                missing.append(
                    f"{meter} {_period_text(segment)}: {read.intervals} of"
                    f" {read.expected_intervals} readings ({share:.1f} %)"
                )
            if read is not None and read.suspect_intervals:
                suspect.append(
                    f"{meter} {_period_text(segment)}: {read.suspect_intervals} suspect"
                    f" readings ({read.suspect_kwh:.3f} kWh) held for review"
                )
    if missing and not plan.closed:
        return Hold(plan.account_id, plan.number, HoldReason.MISSING_READINGS, "; ".join(missing))
    if suspect:
        return Hold(plan.account_id, plan.number, HoldReason.SUSPECT_READINGS, "; ".join(suspect))
    return None


def _period(segment: Segment, reads: Sequence[MeterUsage]) -> tuple[Period, dict[str, Any]]:
    """The engine's period and its determinants (as stored on the bill) from the meters'
    usage: kWh summed per bucket as Decimal, max demand the sum of the meters' maxima."""
    energy: dict[str, Decimal] = {}
    for read in reads:
        for bucket, value in read.kwh.items():
            if bucket not in BUCKETS:
                raise ValueError(f"meter {read.meter_id}: unknown time-of-use bucket {bucket!r}")
            energy[bucket] = energy.get(bucket, ZERO) + _amount(value)
    demands = [r.max_kw for r in reads]
    max_kw = (
        sum((_amount(d) for d in demands if d is not None), ZERO)
        if reads and None not in demands
        else None
    )
    # When: the largest meter's maximum (the sum has no single moment).
    peaks = [(r.max_kw, r.max_kw_at) for r in reads if r.max_kw is not None]
    peak_at = max(peaks, key=lambda p: p[0])[1] if peaks else None
    period = Period(segment.start, segment.end, segment.version.spec, energy, max_kw)
    determinants = {
        "start": segment.start.isoformat(),
        "end": segment.end.isoformat(),
        "days": period.days,
        "tariff": segment.version.tariff_code,
        "version": segment.version.id,
        "meters": [r.meter_id for r in reads],
        "kwh": {b: str(v) for b, v in sorted(energy.items())},
        "total_kwh": str(period.total_kwh),
        "intervals": sum(r.intervals for r in reads),
        "expected_intervals": sum(r.expected_intervals for r in reads),
        "estimated_intervals": sum(r.estimated_intervals for r in reads),
        "estimated_kwh": str(sum((_amount(r.estimated_kwh) for r in reads), ZERO)),
        "max_kw": None if max_kw is None else str(max_kw),
        "max_kw_at": None if peak_at is None else peak_at.isoformat(),
    }
    return period, determinants


def draft_or_hold(
    plan: AccountPlan,
    usage: Mapping[Range, Mapping[str, MeterUsage]],
    *,
    month: dt.date,
    min_coverage: float,
) -> BillDraft | Hold | None:
    """The account's bill for `month`, why it cannot be billed, or None (nothing to bill:
    a closed account without readings)."""
    if not plan.meters:
        if plan.closed:
            return None
        return Hold(plan.account_id, plan.number, HoldReason.NO_METER, "no meter on the account")
    if plan.gaps:
        detail = "; ".join(f"{g.tariff_code}: no version {g.start}–{g.end}" for g in plan.gaps)
        return Hold(plan.account_id, plan.number, HoldReason.TARIFF_GAP, detail)
    hold = _readings_hold(plan, usage, min_coverage)
    if hold is not None:
        return hold
    periods: list[Period] = []
    determinants: list[dict[str, Any]] = []
    estimated = 0
    for segment in plan.segments:
        got = usage.get((segment.start, segment.end), {})
        reads = [got[m] for m in plan.meters if m in got]
        estimated += sum(r.estimated_intervals for r in reads)
        period, described = _period(segment, reads)
        periods.append(period)
        determinants.append(described)
    if plan.closed and not any(d["intervals"] for d in determinants):
        return None
    try:
        lines = price_month(month=month, periods=periods, context=plan.context())
    except MissingDemand as exc:
        return Hold(plan.account_id, plan.number, HoldReason.NO_DEMAND, str(exc))
    except SpecError as exc:
        # The tariff cannot bill this account as profiled (a basic-charge method its
        # version has no price for): listed with the tariff gaps for an administrator.
        detail = f"{plan.segments[-1].version.tariff_code} cannot bill it: {exc.reason}"
        return Hold(plan.account_id, plan.number, HoldReason.TARIFF_GAP, detail)
    extra: dict[str, Any] = {"periods": determinants}
    if plan.year_to_date_kwh:
        extra["year_to_date_kwh"] = str(plan.year_to_date_kwh)
    return BillDraft(
        account_id=plan.account_id,
        number=plan.number,
        period=month,
        start=plan.segments[0].start,
        end=plan.segments[-1].end,
        tariff_code=plan.segments[-1].version.tariff_code,
        payment_mode=plan.payment_mode,
        lines=lines,
        total=lines_total(lines),
        energy_kwh=sum((p.total_kwh for p in periods), ZERO),
        has_estimates=estimated > 0,
        determinants=extra,
    )
