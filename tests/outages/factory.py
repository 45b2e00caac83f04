"""Outages as the detection and planned-outage services will leave them, written directly
(the screens only read them): an Outage with its OutageCustomer rows and a few events."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from gridcare.customers.models import Account
from gridcare.grid.models import Transformer
from gridcare.outages.choices import (
    OutageCause,
    OutageEventKind,
    OutageKind,
    OutageLevel,
    OutageState,
    PlannedType,
)
from gridcare.outages.models import Outage, OutageCustomer
from gridcare.outages.services.records import outage_event_add, outage_insert


def _transformer_of(account: Account) -> Transformer:
    link = account.meter_links.select_related("meter__transformer__feeder").first()
    assert link is not None, f"{account.number} has no meter"
    return link.meter.transformer


def outage_make(
    *,
    accounts: list[Account],
    kind: str = OutageKind.UNPLANNED,
    level: str = OutageLevel.TRANSFORMER,
    state: str = OutageState.ACTIVE,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    etr_minutes: int | None = 90,
    restored_at: datetime | None = None,
    cause: str = OutageCause.EQUIPMENT,
    reason: str = "",
    restored_accounts: tuple[str, ...] = (),
) -> Outage:
    """An outage reaching `accounts` (their 台区 / feeder taken from their meters);
    `restored_accounts` (户号) already have their supply back."""
    start = starts_at or timezone.now() - timedelta(minutes=40)
    transformers = [_transformer_of(account) for account in accounts]
    first = transformers[0]
    planned = kind == OutageKind.PLANNED
    outage = outage_insert(
        actor=None,
        kind=kind,
        planned_type=PlannedType.MAINTENANCE if planned else "",
        level=level,
        state=state,
        substation=first.feeder.substation,
        feeder=first.feeder,
        transformer=first if level != OutageLevel.FEEDER else None,
        org_unit=first.org_unit,
        cause=OutageCause.MAINTENANCE if planned else cause,
        reason=reason or ("10kV 线路检修" if planned else ""),
        starts_at=start,
        ends_at=ends_at or (start + timedelta(hours=6) if planned else None),
        detected_at=None if planned else start + timedelta(minutes=1),
        etr_at=start + timedelta(minutes=etr_minutes) if etr_minutes else None,
        etr_basis={"method": "similar", "n": 12, "median_minutes": etr_minutes or 0},
        restored_at=restored_at,
        affected_count=len(accounts),
        published_at=start - timedelta(days=8) if planned else None,
    )
    restored_time = restored_at or timezone.now() - timedelta(minutes=5)
    OutageCustomer.objects.bulk_create(
        OutageCustomer(
            outage=outage,
            account=account,
            transformer=transformer,
            feeder=transformer.feeder,
            off_at=start,
            on_at=(
                restored_time
                if state == OutageState.RESTORED or account.number in restored_accounts
                else None
            ),
        )
        for account, transformer in zip(accounts, transformers, strict=True)
    )
    outage_event_add(
        outage=outage,
        kind=OutageEventKind.PUBLISHED if planned else OutageEventKind.DETECTED,
        at=start,
        data={"affected": len(accounts)},
    )
    return outage
