"""Every KPI of the catalogue for one org unit and period: the read behind
GET /api/v1/monitoring/kpis. Scope rule as elsewhere: a unit outside the reader's scope
is a 404 with the same body as a unit that does not exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gridcare.core.errors import DomainError, NotFound
from gridcare.core.models import OrgUnit, User
from gridcare.core.selectors import org_unit_scope_root
from gridcare.monitoring.metrics import CATALOGUE
from gridcare.monitoring.selectors.facts import Period, kpi_value
from gridcare.monitoring.selectors.index_scope import unit_by_code

#: A longer period is a typo more often than a question (the facts hold what was rebuilt).
MAX_PERIOD_DAYS = 3 * 366
#: Without dates: the last 30 days through today.
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class KpiLine:
    code: str
    label: str
    unit: str
    value: float | None
    available: bool
    n: int
    d: int


def kpi_period(start: dt.date | None, end: dt.date | None, *, today: dt.date) -> Period:
    """The period asked for (defaults: the last 30 days through today); reversed or longer
    than three years is a 400 with a Chinese reason."""
    last = end or today
    first = start or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise DomainError("monitoring.kpis.bad_period", "结束日期不能早于开始日期", field="to")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError("monitoring.kpis.period_too_long", "统计期最长三年", field="to")
    return Period(first, last)


def kpi_unit_for_user(*, user: User, code: str | None) -> OrgUnit | None:
    """The unit `code` names if it is in the user's scope (else 404); without a code, the
    user's own scope root (None for an administrator without a unit: everything)."""
    if code:
        return unit_by_code(
            user=user,
            code=code,
            error="monitoring.kpis.org_not_found",
            message=f"组织机构不存在：{code}",
        )
    if user.org_unit is None:
        if user.is_superuser:
            return None
        raise NotFound("monitoring.kpis.org_not_found", "没有可查看的组织机构", field="org")
    return org_unit_scope_root(user.org_unit)


def kpi_lines(*, unit: OrgUnit | None, period: Period) -> list[KpiLine]:
    """The catalogue's KPIs in catalogue order; `value` None: no data or not available."""
    lines = []
    for entry in CATALOGUE:
        found = kpi_value(entry.code, unit=unit, period=period)
        lines.append(
            KpiLine(
                code=entry.code,
                label=str(entry.label),
                unit=str(entry.unit.value),
                value=found.value,
                available=found.available,
                n=found.n,
                d=found.d,
            )
        )
    return lines
