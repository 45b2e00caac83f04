"""The dashboards' reads: the filter (period and org unit), the headline KPIs with their
previous period, and the per-unit drill-down rows; `board_sections.py` composes the
boards themselves from these.

Every number comes from the daily facts through `facts.py` (sums in SQL); a KPI whose
source app is missing reads "not available" and a ratio with nothing to divide "no data",
never 0. Labels are the console's business: these functions return codes and values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Sum

from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import OrgUnit, User
from gridcare.core.params import BadParameter
from gridcare.core.selectors import org_unit_path, org_units_in_scope
from gridcare.monitoring.metrics import Kpi, kpi
from gridcare.monitoring.selectors.facts import (
    Period,
    Value,
    facts,
    kpi_by_child,
    kpi_value,
    period_measured,
)
from gridcare.monitoring.selectors.index_scope import scope_unit

#: The default period: this many days, ending yesterday (today's facts are still growing).
DEFAULT_DAYS = 30
#: The longest period a board covers (a longer one is a typo or a crawler).
MAX_DAYS = 3 * 366
#: The headline KPIs of the overview, in the order shown.
HEADLINE_CODES = (
    "contacts",
    "orders",
    "online_share",
    "fcr",
    "sla_compliance",
    "complaints_per_10k",
    "csat",
    "repeat_contacts",
    "bot_containment",
    "notify_delivery",
)


@dataclass(frozen=True)
class Scope:
    """What a board shows: `unit`'s subtree over `period`."""

    unit: OrgUnit
    period: Period

    @property
    def is_team(self) -> bool:
        """A team (班组) has no units below it: its drill-down goes to the orders."""
        return self.unit.kind == OrgUnitKind.TEAM


def default_period(today: dt.date) -> Period:
    """The last DEFAULT_DAYS days, ending yesterday."""
    end = today - dt.timedelta(days=1)
    return Period(end - dt.timedelta(days=DEFAULT_DAYS - 1), end)


def board_period(*, start: dt.date | None, end: dt.date | None, today: dt.date) -> Period:
    """The period a board was asked for (either end may be left out), or a 400: reversed,
    longer than three years, or ending after today."""
    default = default_period(today)
    if start is None and end is None:
        return default
    if end is None:
        end = min(today, start + dt.timedelta(days=DEFAULT_DAYS - 1)) if start else default.end
    if start is None:
        start = end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise BadParameter("monitoring.period.reversed", "结束日期不能早于开始日期", field="to")
    if end > today:
        raise BadParameter("monitoring.period.future", "结束日期不能晚于今天", field="to")
    if (end - start).days >= MAX_DAYS:
        raise BadParameter("monitoring.period.too_long", "统计期最长三年", field="from")
    return Period(start, end)


def board_unit(*, user: User, code: str) -> OrgUnit:
    """The org unit a board was asked for by code, within the user's scope (404 outside
    it, as for anything else there); no code: the user's scope root."""
    return scope_unit(user=user, code=code)


def breadcrumb(*, user: User, unit: OrgUnit) -> list[OrgUnit]:
    """`unit`'s parents from the user's scope root down, for the way back up."""
    visible = set(org_units_in_scope(user).values_list("pk", flat=True))
    return [u for u in org_unit_path(unit) if u.pk in visible]


# --- Headlines ----------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """A KPI in the period and the period before it, for the trend."""

    kpi: Kpi
    current: Value
    previous: Value

    @property
    def change(self) -> float | None:
        if self.current.value is None or self.previous.value is None:
            return None
        return self.current.value - self.previous.value

    @property
    def trend(self) -> str:
        """ "up", "down", "flat" or "" (nothing to compare)."""
        change = self.change
        if change is None:
            return ""
        return "flat" if abs(change) < 1e-9 else ("up" if change > 0 else "down")

    @property
    def improved(self) -> bool | None:
        """Whether the change is for the better (None: a volume, or no change)."""
        if self.kpi.higher_is_better is None or self.trend in ("", "flat"):
            return None
        return (self.trend == "up") == self.kpi.higher_is_better


def headline(code: str, scope: Scope, *, previous_measured: bool | None = None) -> Headline:
    """`previous_measured` False: the period before has no data at all (before the first
    day of history), so its counts read "—" rather than 0 and show no trend (None: find
    out)."""
    before = scope.period.previous()
    if previous_measured is None:
        previous_measured = period_measured(before)
    return Headline(
        kpi=kpi(code),
        current=kpi_value(code, unit=scope.unit, period=scope.period),
        previous=(
            kpi_value(code, unit=scope.unit, period=before)
            if previous_measured
            else Value(code=code, value=None)
        ),
    )


def headlines(scope: Scope, codes: tuple[str, ...] = HEADLINE_CODES) -> list[Headline]:
    measured = period_measured(scope.period.previous())
    return [headline(code, scope, previous_measured=measured) for code in codes]


# --- Drill-down ---------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    """One unit below the board's unit, with the board's KPIs over its subtree."""

    unit: OrgUnit
    values: dict[str, Value] = field(default_factory=dict)

    @property
    def is_team(self) -> bool:
        return self.unit.kind == OrgUnitKind.TEAM


def unit_rows(codes: tuple[str, ...], scope: Scope, **narrow: str) -> list[UnitRow]:
    """Each child unit of the scope's unit with each KPI of `codes` (`narrow`: a channel
    or key every KPI is narrowed to); none for a team, whose drill-down is its orders."""
    if scope.is_team:
        return []
    rows: dict[int, UnitRow] = {}
    for code in codes:
        for child, value in kpi_by_child(code, unit=scope.unit, period=scope.period, **narrow):
            rows.setdefault(child.pk, UnitRow(child)).values[code] = value
    return list(rows.values())


# --- Series -------------------------------------------------------------------------


def months_back(period: Period, months: int = 12) -> Period:
    """The `months` calendar months ending with the period's last one (monthly trends)."""
    first = period.end.replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return Period(first, period.end)


def month_starts(period: Period) -> list[dt.date]:
    """The first day of each calendar month the period touches."""
    found, first = [], period.start.replace(day=1)
    while first <= period.end:
        found.append(first)
        first = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return found


def daily_counts_by_channel(code: str, scope: Scope) -> dict[str, dict[dt.date, int]]:
    """A count KPI per channel and day (Σn in SQL): `{channel: {day: n}}`."""
    rows = (
        facts(code, unit=scope.unit, period=scope.period)
        .values("channel", "day")
        .annotate(n=Sum("n"))
        .order_by("channel", "day")
    )
    found: dict[str, dict[dt.date, int]] = {}
    for row in rows:
        found.setdefault(row["channel"], {})[row["day"]] = int(row["n"] or 0)
    return found


def counts_by_channel_and_key(code: str, scope: Scope) -> dict[tuple[str, str], int]:
    """A count KPI per (channel, key) over the period (Σn in SQL)."""
    rows = (
        facts(code, unit=scope.unit, period=scope.period)
        .values("channel", "key")
        .annotate(n=Sum("n"))
        .order_by("channel", "key")
    )
    return {(row["channel"], row["key"]): int(row["n"] or 0) for row in rows}


def period_days(period: Period) -> list[dt.date]:
    return [period.start + dt.timedelta(days=i) for i in range(period.days)]
