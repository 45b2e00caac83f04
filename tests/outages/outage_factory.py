"""Outages and per-customer interruptions written straight to the database (reliability and
page tests need history, not the detection pipeline that produces it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gridcare.customers.models import Account
from gridcare.grid.models import Transformer
from gridcare.outages.choices import OutageKind, OutageLevel, OutageState, PlannedType
from gridcare.outages.models import Outage, OutageCustomer
from gridcare.outages.services.records import outage_insert

BJ = ZoneInfo("Asia/Shanghai")


def bj(day: str, hm: str = "00:00") -> datetime:
    """`bj("2026-03-02", "10:15")`: a Beijing wall-clock time."""
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=BJ)


def outage_make(
    transformer: Transformer,
    *,
    starts_at: datetime,
    kind: str = OutageKind.UNPLANNED,
    planned_type: str = "",
    state: str = OutageState.RESTORED,
    level: str = OutageLevel.TRANSFORMER,
    cause: str = "",
) -> Outage:
    return outage_insert(
        actor=None,
        kind=kind,
        planned_type=planned_type,
        level=level,
        state=state,
        substation=transformer.feeder.substation,
        feeder=transformer.feeder,
        transformer=transformer,
        org_unit=transformer.org_unit,
        cause=cause,
        starts_at=starts_at,
    )


def interruption_add(
    outage: Outage,
    account: Account,
    off_at: datetime,
    minutes: float | None,
    *,
    removed: bool = False,
) -> OutageCustomer:
    """One customer off for `minutes` (None: still off)."""
    meter = account.meters.select_related("transformer").first()
    assert meter is not None
    return OutageCustomer.objects.create(
        outage=outage,
        account=account,
        transformer=meter.transformer,
        feeder_id=meter.transformer.feeder_id,
        off_at=off_at,
        on_at=None if minutes is None else off_at + timedelta(minutes=minutes),
        removed_at=off_at + timedelta(minutes=1) if removed else None,
    )


def limited_supply(transformer: Transformer, starts_at: datetime) -> Outage:
    return outage_make(
        transformer,
        starts_at=starts_at,
        kind=OutageKind.PLANNED,
        planned_type=PlannedType.LIMITED_SUPPLY,
    )
