"""Fact rows written directly (the rollup is another helper's work): `fact(...)` adds one
day's measure of one metric for one unit, so a test states its sums by hand."""

from __future__ import annotations

import datetime as dt

from gridcare.core.models import OrgUnit
from gridcare.monitoring.models import Fact, RollupDay


def fact(
    metric: str,
    unit: OrgUnit,
    day: dt.date,
    *,
    n: int = 0,
    d: int = 0,
    total: float = 0.0,
    channel: str = "",
    key: str = "",
) -> Fact:
    return Fact.objects.create(
        metric=metric, org_unit=unit, day=day, n=n, d=d, total=total, channel=channel, key=key
    )


def built(day: dt.date) -> RollupDay:
    return RollupDay.objects.create(day=day, rows=1)
