"""Building a planned outage's draft: the typed input, its checks, where the outage sits
(level, root feeder / 台区, org unit) and its scope rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gridcare.core.errors import DomainError
from gridcare.outages.choices import OutageCause, OutageLevel, PlannedType
from gridcare.outages.models import Outage, OutageScope
from gridcare.outages.selectors.planned import (
    Affected,
    Scope,
    common_org_unit,
    scope_org_units,
)

MAX_WINDOW_HOURS = 72
REASON_MAX = 200


@dataclass(frozen=True)
class PlannedInput:
    planned_type: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    scope: Scope


def check_input(data: PlannedInput, now: datetime) -> None:
    if data.planned_type not in PlannedType.values:
        raise DomainError("outages.planned.bad_type", "停电类型不正确", field="planned_type")
    if data.starts_at <= now:
        raise DomainError(
            "outages.planned.starts_in_past", "停电开始时间须晚于现在", field="starts_at"
        )
    if data.ends_at <= data.starts_at:
        raise DomainError(
            "outages.planned.bad_window", "停电结束时间须晚于开始时间", field="ends_at"
        )
    if (data.ends_at - data.starts_at).total_seconds() > MAX_WINDOW_HOURS * 3600:
        raise DomainError(
            "outages.planned.window_too_long",
            f"一次停电最长 {MAX_WINDOW_HOURS} 小时",
            field="ends_at",
        )
    if not data.reason.strip() or len(data.reason) > REASON_MAX:
        raise DomainError(
            "outages.planned.bad_reason", "请填写停电原因（最多 200 字）", field="reason"
        )
    if data.scope.empty:
        raise DomainError(
            "outages.planned.empty_scope", "请选择停电范围（线路、台区或户号）", field="scope"
        )


def placement(scope: Scope, accounts: list[Affected]) -> dict[str, object]:
    """Level, root feeder / 台区 / substation and org unit of the outage from its scope."""
    feeders = {a.feeder_id for a in accounts} | {f.pk for f in scope.feeders}
    areas = {a.transformer_id for a in accounts} | {t.pk for t in scope.transformers}
    level = (
        OutageLevel.FEEDER
        if scope.feeders
        else OutageLevel.TRANSFORMER
        if scope.transformers
        else OutageLevel.ACCOUNTS
    )
    feeder = scope.feeders[0] if len(scope.feeders) == 1 and len(feeders) == 1 else None
    transformer = (
        scope.transformers[0] if len(scope.transformers) == 1 and len(areas) == 1 else None
    )
    root_feeder = feeder or (transformer.feeder if transformer else None)
    unit = common_org_unit(scope_org_units(accounts, scope))
    if unit is None:
        raise DomainError(
            "outages.planned.no_org_unit", "停电范围不属于任何供电单位", field="scope"
        )
    return {
        "level": level,
        "feeder": root_feeder,
        "transformer": transformer,
        "substation": root_feeder.substation if root_feeder else None,
        "org_unit": unit,
    }


def scope_write(outage: Outage, scope: Scope) -> None:
    outage.scope_items.all().delete()
    OutageScope.objects.bulk_create(
        [OutageScope(outage=outage, feeder=f) for f in scope.feeders]
        + [OutageScope(outage=outage, transformer=t) for t in scope.transformers]
        + [OutageScope(outage=outage, account=a) for a in scope.accounts]
    )


def outage_fields(data: PlannedInput) -> dict[str, object]:
    limited = data.planned_type == PlannedType.LIMITED_SUPPLY
    return {
        "planned_type": data.planned_type,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "reason": data.reason.strip(),
        "cause": OutageCause.SUPPLY_SHORTAGE if limited else OutageCause.MAINTENANCE,
    }


def summary(data: PlannedInput, affected: int) -> dict[str, object]:
    return {
        "planned_type": data.planned_type,
        "starts_at": data.starts_at.isoformat(),
        "ends_at": data.ends_at.isoformat(),
        "feeders": [f.code for f in data.scope.feeders],
        "transformers": [t.code for t in data.scope.transformers],
        "accounts": [a.number for a in data.scope.accounts],
        "affected": affected,
    }
