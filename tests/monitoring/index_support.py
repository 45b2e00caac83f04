"""Fixtures of the index, scorecard and alert tests: facts written directly (the rollup
is another module's business) and live service rows at chosen moments."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from gridcare.core.models import OrgUnit
from gridcare.grid.models import Feeder
from gridcare.monitoring.models import Fact
from gridcare.service.models import ReturnVisit, SlaClock, SlaRule, WorkOrder

BJ = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def bj(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BJ)  # type: ignore[misc]


def fact(
    day: dt.date,
    metric: str,
    unit: OrgUnit,
    *,
    n: int = 0,
    d: int = 0,
    total: float = 0.0,
    channel: str = "",
    key: str = "",
) -> Fact:
    return Fact.objects.create(
        day=day, metric=metric, org_unit=unit, channel=channel, key=key, n=n, d=d, total=total
    )


def ratio(day: dt.date, metric: str, unit: OrgUnit, n: int, d: int, channel: str = "") -> Fact:
    return fact(day, metric, unit, n=n, d=d, channel=channel)


def order(
    order_type: str,
    at: dt.datetime,
    *,
    unit: OrgUnit,
    feeder: Feeder | None = None,
    state: str = "accepted",
) -> WorkOrder:
    """A work order opened at `at` (written directly: only its counts matter here)."""
    return WorkOrder.objects.create(
        number=f"GD{next(_numbers):010d}",
        order_type=order_type,
        origin="hotline",
        title="测试",
        org_unit=unit,
        feeder=feeder,
        state=state,
        created_at=at,
    )


def stopped_clock(
    unit: OrgUnit, *, deadline: dt.datetime, stopped: dt.datetime, by: str = "resolve"
) -> SlaClock:
    """A clock of a new order of `unit`, stopped by `by` at `stopped`."""
    rule = SlaRule.objects.first()
    assert rule is not None, "the SLA presets are installed by migrate"
    started = deadline - dt.timedelta(hours=24)
    return SlaClock.objects.create(
        order=order("consultation", started, unit=unit),
        rule=rule,
        clock="reply",
        unit="hours",
        limit=24,
        started_at=started,
        deadline_at=deadline,
        warn_at=started,
        stopped_at=stopped,
        stopped_by=by,
    )


def rating(unit: OrgUnit, stars: int, at: dt.datetime) -> ReturnVisit:
    visit = ReturnVisit.objects.create(
        order=order("fault_repair", at - dt.timedelta(days=1), unit=unit),
        channel="sms",
        token_digest=f"{next(_numbers):064d}",
        due_at=at + dt.timedelta(days=3),
        rating=stars,
        responded_at=at,
        outcome="satisfied" if stars >= 3 else "reopened",
    )
    return visit
