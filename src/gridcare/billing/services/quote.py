"""电费试算: what a month's usage would cost on a tariff, with the bill's lines.

The tariff versions in force in that month price it, exactly as a bill would (a version
change inside the month splits the usage by days). Usage is either one figure (`kwh`, for
single-price tariffs) or per time-of-use bucket (`peak`, `flat`, `valley`, and `critical`,
the critical peak, bucket `sharp`). A two-part tariff's basic charge is by maximum demand
(`max_demand_kw`) or by capacity (`capacity_kva`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from gridcare.billing.choices import BasicChargeMethod
from gridcare.billing.engine.money import ZERO, to_decimal
from gridcare.billing.engine.money import kwh as to_wh
from gridcare.billing.engine.tariff import ALL, Context, Line, Period, month_days, price_month
from gridcare.billing.engine.tariff import total as lines_total
from gridcare.billing.models import Tariff
from gridcare.billing.services.run_plan import (
    Segment,
    month_end,
    version_segments,
    versions_by_tariff,
)
from gridcare.core.errors import DomainError, NotFound


@dataclass(frozen=True)
class Quote:
    tariff_code: str
    month: dt.date
    lines: list[Line]
    total: Decimal

    def to_dict(self) -> dict[str, Any]:
        """{"total": "123.45", "lines": [{"item", "quantity", "unit_price", "amount"}]},
        decimals as strings (the CLI's --json and the API)."""
        return {
            "total": str(self.total),
            "lines": [
                {
                    "item": line.item,
                    "quantity": str(to_wh(line.quantity)),
                    "unit_price": str(line.unit_price),
                    "amount": str(line.amount),
                }
                for line in self.lines
            ],
        }


def _usage(kwh_total: Decimal | None, buckets: dict[str, Decimal | None]) -> dict[str, Decimal]:
    given = {b: v for b, v in buckets.items() if v is not None}
    if kwh_total is not None and given:
        raise DomainError(
            "billing.quote.usage_both", _("Give the total kWh or the time-of-use kWh, not both")
        )
    if kwh_total is None and not all(buckets[b] is not None for b in ("peak", "flat", "valley")):
        raise DomainError(
            "billing.quote.usage_missing",
            _("Give the total kWh, or the peak, flat and valley kWh"),
        )
    usage = {ALL: kwh_total} if kwh_total is not None else given
    return {b: to_wh(_number(v)) for b, v in usage.items() if v is not None}


def _number(value: object) -> Decimal:
    """A finite, non-negative Decimal (the API and the CLI parse first; this is the rule)."""
    try:
        number = to_decimal(value)
    except ValueError:
        number = Decimal(-1)
    if not number.is_finite() or number < 0:
        raise DomainError("billing.quote.negative", _("Quantities must be numbers of at least 0"))
    return number


def _segments(tariff: Tariff, month: dt.date) -> list[Segment]:
    versions = versions_by_tariff(month).get(tariff.pk, [])
    segments, gaps = version_segments(month, month_end(month), versions, tariff.code)
    if gaps or not segments:
        raise DomainError(
            "billing.quote.no_version",
            _("The tariff has no prices in force for that month"),
            field="month",
        )
    return segments


def _context(
    segments: list[Segment],
    max_demand_kw: Decimal | None,
    capacity_kva: Decimal | None,
    basic_method: str | None,
    many_members: bool,
) -> Context:
    method = ""
    if any(s.version.spec.basic for s in segments):
        method = basic_method or (
            BasicChargeMethod.DEMAND
            if max_demand_kw is not None
            else BasicChargeMethod.CAPACITY
            if capacity_kva is not None
            else ""
        )
        needs: dict[str, Decimal | None] = {
            BasicChargeMethod.DEMAND: max_demand_kw,
            BasicChargeMethod.CAPACITY: capacity_kva,
        }
        if needs.get(method) is None:
            raise DomainError(
                "billing.quote.demand_needed",
                _("A two-part tariff needs the maximum demand (kW) or the capacity (kVA)"),
                field="max_demand_kw",
            )
    return Context(
        capacity_kva=capacity_kva or ZERO, basic_method=method, many_members=many_members
    )


def _periods(
    segments: list[Segment], usage: dict[str, Decimal], max_demand_kw: Decimal | None
) -> list[Period]:
    """The month's usage spread over the versions' days (the last one takes the rest)."""
    days = month_days(segments[0].start)
    left = dict(usage)
    periods = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        share = {
            b: v if last else to_wh(v * ((segment.end - segment.start).days + 1) / days)
            for b, v in left.items()
        }
        left = {b: left[b] - share[b] for b in left}
        demand = to_wh(max_demand_kw) if max_demand_kw is not None else None
        periods.append(Period(segment.start, segment.end, segment.version.spec, share, demand))
    return periods


def quote(
    *,
    tariff_code: str,
    month: dt.date,
    kwh: Decimal | None = None,
    peak: Decimal | None = None,
    flat: Decimal | None = None,
    valley: Decimal | None = None,
    critical: Decimal | None = None,
    max_demand_kw: Decimal | None = None,
    capacity_kva: Decimal | None = None,
    basic_method: str | None = None,
    many_members: bool = False,
) -> Quote:
    """The lines and total of `month`'s usage on `tariff_code` (DomainError on bad input)."""
    tariff = Tariff.objects.filter(code=tariff_code).first()
    if tariff is None:
        raise NotFound("billing.quote.tariff", _("No tariff with that code"), field="tariff")
    month = month.replace(day=1)
    segments = _segments(tariff, month)
    max_demand_kw = None if max_demand_kw is None else _number(max_demand_kw)
    capacity_kva = None if capacity_kva is None else _number(capacity_kva)
    usage = _usage(kwh, {"peak": peak, "flat": flat, "valley": valley, "sharp": critical})
    if ALL in usage:
        if any(ALL not in s.version.spec.energy for s in segments):
            raise DomainError(
                "billing.quote.tou_needed",
                _("This tariff prices by time of use: give the peak, flat and valley kWh"),
                field="kwh",
            )
        usage = {"flat": usage[ALL]}  # a single-price tariff prices every bucket alike
    context = _context(segments, max_demand_kw, capacity_kva, basic_method, many_members)
    lines = price_month(
        month=month, periods=_periods(segments, usage, max_demand_kw), context=context
    )
    return Quote(tariff_code=tariff.code, month=month, lines=lines, total=lines_total(lines))
