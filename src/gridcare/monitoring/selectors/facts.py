"""KPI values from the daily facts: one number for a period and org unit, or the same
broken down by day, month, channel, key or child unit (the dashboards' drill-down).

Every function sums facts in SQL and turns the sums into a value by the KPI's kind
(metrics.py); a ratio or mean with nothing to divide by is None ("no data"), never 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.apps import apps
from django.db.models import F, Max, QuerySet, Sum
from django.db.models.functions import TruncMonth

from gridcare.core.models import OrgUnit
from gridcare.monitoring.metrics import Kind, Kpi, kpi
from gridcare.monitoring.models import Fact, RollupDay

Breakdown = Literal["day", "month", "channel", "key", "org_unit"]


@dataclass(frozen=True)
class Period:
    """Local calendar days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (for trends)."""
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.end - length)

    @classmethod
    def month(cls, first: dt.date) -> Period:
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return cls(first.replace(day=1), following - dt.timedelta(days=1))


@dataclass(frozen=True)
class Value:
    """A KPI's value with the sums it came from (`value` None: no data)."""

    code: str
    value: float | None
    n: int = 0
    d: int = 0
    total: float = 0.0
    available: bool = True


def kpi_available(code: str) -> bool:
    """Whether the app the KPI's data comes from is installed."""
    return apps.is_installed(f"gridcare.{kpi(code).source}")


def subtree_ids(unit: OrgUnit | None) -> list[int] | None:
    """The ids of `unit` and every unit below it; None (no filter) for no unit."""
    if unit is None:
        return None
    return list(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


def facts(
    code: str,
    *,
    unit: OrgUnit | None,
    period: Period,
    channel: str | Sequence[str] | None = None,
    key: str | Sequence[str] | None = None,
) -> QuerySet[Fact]:
    """The fact rows of a KPI's metric in `period` under `unit`."""
    rows = Fact.objects.filter(
        metric=kpi(code).fact_metric, day__gte=period.start, day__lte=period.end
    )
    ids = subtree_ids(unit)
    if ids is not None:
        rows = rows.filter(org_unit_id__in=ids)
    if isinstance(channel, str):
        rows = rows.filter(channel=channel)
    elif channel is not None:
        rows = rows.filter(channel__in=list(channel))
    if isinstance(key, str):
        rows = rows.filter(key=key)
    elif key is not None:
        rows = rows.filter(key__in=list(key))
    return rows


def customers_served(*, unit: OrgUnit | None, on: dt.date) -> int:
    """Customers (accounts in service) under `unit` on the last built day up to `on`."""
    rows = Fact.objects.filter(metric="customers", day__lte=on)
    ids = subtree_ids(unit)
    if ids is not None:
        rows = rows.filter(org_unit_id__in=ids)
    last = rows.aggregate(day=Max("day"))["day"]
    if last is None:
        return 0
    return int(rows.filter(day=last).aggregate(n=Sum("n"))["n"] or 0)


def value_from_sums(
    entry: Kpi, *, n: int, d: int, total: float, customers: int | None = None
) -> float | None:
    """A KPI's value from its sums, by its kind."""
    if entry.kind is Kind.COUNT:
        return float(n)
    if entry.kind is Kind.RATIO:
        return 100.0 * n / d if d else None
    if entry.kind is Kind.MEAN:
        return total / n if n else None
    return 10_000.0 * n / customers if customers else None


def _value(code: str, sums: dict[str, object], customers: int | None) -> Value:
    n = int(sums.get("n") or 0)  # type: ignore[call-overload]
    d = int(sums.get("d") or 0)  # type: ignore[call-overload]
    total = float(sums.get("total") or 0.0)  # type: ignore[arg-type]
    entry = kpi(code)
    return Value(
        code=code,
        value=value_from_sums(entry, n=n, d=d, total=total, customers=customers),
        n=n,
        d=d,
        total=total,
    )


def _customers_if_needed(code: str, unit: OrgUnit | None, period: Period) -> int | None:
    return customers_served(unit=unit, on=period.end) if kpi(code).kind is Kind.PER_10K else None


def kpi_value(
    code: str,
    *,
    unit: OrgUnit | None,
    period: Period,
    channel: str | Sequence[str] | None = None,
    key: str | Sequence[str] | None = None,
) -> Value:
    """One KPI over `period` for `unit`'s subtree (every unit when None)."""
    if not kpi_available(code):
        return Value(code=code, value=None, available=False)
    sums = facts(code, unit=unit, period=period, channel=channel, key=key).aggregate(
        n=Sum("n"), d=Sum("d"), total=Sum("total")
    )
    return _value(code, sums, _customers_if_needed(code, unit, period))


def kpi_breakdown(
    code: str,
    *,
    unit: OrgUnit | None,
    period: Period,
    by: Breakdown,
    channel: str | Sequence[str] | None = None,
    key: str | Sequence[str] | None = None,
) -> list[tuple[object, Value]]:
    """One KPI per day, month (first day), channel, key or org unit id, in that order."""
    if not kpi_available(code):
        return []
    rows = facts(code, unit=unit, period=period, channel=channel, key=key)
    field = {"day": "day", "channel": "channel", "key": "key", "org_unit": "org_unit_id"}
    grouped: Any = (
        rows.annotate(group=TruncMonth("day")).values("group")
        if by == "month"
        else rows.values(group=F(field[by]))
    )
    sums = grouped.annotate(n=Sum("n"), d=Sum("d"), total=Sum("total")).order_by("group")
    customers = _customers_if_needed(code, unit, period)
    return [(row["group"], _value(code, row, customers)) for row in sums]


def kpi_by_child(
    code: str,
    *,
    unit: OrgUnit,
    period: Period,
    channel: str | Sequence[str] | None = None,
    key: str | Sequence[str] | None = None,
) -> list[tuple[OrgUnit, Value]]:
    """One KPI for each child unit of `unit` (its subtree summed): the drill-down."""
    children = list(OrgUnit.objects.filter(parent=unit).order_by("code"))
    per_unit = dict(
        kpi_breakdown(code, unit=unit, period=period, by="org_unit", channel=channel, key=key)
    )
    result = []
    for child in children:
        ids = set(subtree_ids(child) or [])
        n = sum(v.n for pk, v in per_unit.items() if pk in ids)
        d = sum(v.d for pk, v in per_unit.items() if pk in ids)
        total = sum(v.total for pk, v in per_unit.items() if pk in ids)
        customers = _customers_if_needed(code, child, period)
        result.append((child, _value(code, {"n": n, "d": d, "total": total}, customers)))
    return result


def period_measured(period: Period) -> bool:
    """Whether any day of `period` was rolled up (or has facts): before the first build,
    or before the data begins, a count is unknown, not 0."""
    days = RollupDay.objects.filter(day__gte=period.start, day__lte=period.end)
    return days.exists() or Fact.objects.filter(day__gte=period.start, day__lte=period.end).exists()


def facts_built_until() -> dt.datetime | None:
    """When the newest day's facts were built (None: never)."""
    latest = RollupDay.objects.order_by("-day").first()
    return latest.built_at if latest else None


def days_built(period: Period) -> Iterable[dt.date]:
    return RollupDay.objects.filter(day__gte=period.start, day__lte=period.end).values_list(
        "day", flat=True
    )
