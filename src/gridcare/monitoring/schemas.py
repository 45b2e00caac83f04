"""Shapes of /api/v1/monitoring."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Schema

from gridcare.core.schemas import coded

DateIn = Annotated[
    str,
    Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", max_length=10, description="YYYY-MM-DD"),
    coded("monitoring.kpis.bad_date", "日期应写作 YYYY-MM-DD"),
]
OrgCode = Annotated[
    str,
    Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_.-]+$"),
    coded("monitoring.kpis.bad_org", "组织机构代码只含字母、数字、点、横线和下划线（最多 32 位）"),
]


class KpiFilter(Schema):
    from_: DateIn | None = Field(
        None, alias="from", description="first Beijing day (default: 29 days before `to`)"
    )
    to: DateIn | None = Field(
        None,
        description="last Beijing day, both included (default: today); `to` before "
        "`from`, a period over three years or a date not in the calendar is a 400",
    )
    org: OrgCode | None = Field(
        None, description="an org unit code in your scope (default: your own unit's scope)"
    )


class KpiOut(Schema):
    """One KPI over the period (docs/kpis.md): `value` is null when there is no data or
    its source is not installed (`available` false), never 0 in their stead."""

    code: str
    label: str
    unit: str
    value: float | None
    available: bool
    n: int
    d: int
