"""/api/v1/monitoring: the KPI catalogue's values for an org unit and period. Thin: parse →
selector → output. Needs `monitoring.view_dashboards`; an org unit outside the reader's
scope is a 404."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from gridcare.core.api_support import AUTH, acting_user, require_staff_perm
from gridcare.core.params import parse_date
from gridcare.core.roles import VIEW_DASHBOARDS
from gridcare.core.schemas import ERRORS
from gridcare.monitoring.schemas import KpiFilter, KpiOut
from gridcare.monitoring.selectors.kpi_list import (
    KpiLine,
    kpi_lines,
    kpi_period,
    kpi_unit_for_user,
)

router = Router(tags=["monitoring"], auth=AUTH)


@router.get("/kpis", response={200: list[KpiOut], **ERRORS})
def kpis(request: HttpRequest, filters: Query[KpiFilter]) -> list[KpiLine]:
    """Every KPI of the catalogue over `from`…`to` (Beijing days, both included) for `org`'s
    subtree, from the daily facts (`gridcare monitoring rollup`)."""
    user = acting_user(request)
    require_staff_perm(user, VIEW_DASHBOARDS)
    period = kpi_period(
        parse_date(filters.from_, field="from"),
        parse_date(filters.to, field="to"),
        today=timezone.localdate(),
    )
    unit = kpi_unit_for_user(user=user, code=filters.org)
    return kpi_lines(unit=unit, period=period)
