"""The two writes every outage path shares: a new outage with its number, and an event row.

Detection (services.detect) and planned outages (services.planned) both create outages
through `outage_insert` and record every state change through `outage_event_add`, in the
caller's transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone

from gridcare.core.models import User
from gridcare.outages.choices import OutageEventKind
from gridcare.outages.models import Outage, OutageEvent

BEIJING_DAY_FORMAT = "%Y%m%d"


def outage_number(*, created_at: datetime, pk: int) -> str:
    """TD<yyyymmdd, Beijing><pk, 6 digits>: readable over the phone, unique by the pk."""
    day = timezone.localtime(created_at).strftime(BEIJING_DAY_FORMAT)
    return f"TD{day}{pk % 1_000_000:06d}"


def outage_insert(*, actor: User | None, **fields: Any) -> Outage:
    """Save a new outage and give it its number (two statements, one transaction)."""
    now = fields.pop("created_at", None) or timezone.now()
    outage = Outage(number=f"P{uuid.uuid4().hex[:18]}", created_at=now, created_by=actor, **fields)
    outage.full_clean(exclude=["number"])
    outage.save()
    outage.number = outage_number(created_at=now, pk=outage.pk)
    Outage.objects.filter(pk=outage.pk).update(number=outage.number)
    return outage


def outage_event_add(
    *,
    outage: Outage,
    kind: str,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> OutageEvent:
    return OutageEvent.objects.create(
        outage=outage, kind=kind, actor=actor, data=data or {}, at=at or timezone.now()
    )


def outage_customers_told(
    *, outage: Outage, what: str, messages: int, at: datetime, actor: User | None = None
) -> OutageEvent:
    """Record that the customers were sent `what` (planned, reminder24h, cancelled …):
    the reminder job reads `data.what` to send each reminder once."""
    return outage_event_add(
        outage=outage,
        kind=OutageEventKind.CUSTOMERS_NOTIFIED,
        actor=actor,
        data={"what": what, "messages": messages},
        at=at,
    )
