"""The planned outages' clock, run by the periodic job (and callable with `now` in tests):
reminders before the start (OUTAGES_REMINDER_HOURS), the start, and the restoration of an
outage whose window has passed without a dispatcher marking it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gridcare.outages.choices import OutageEventKind, OutageKind, OutageState
from gridcare.outages.models import Outage, OutageEvent
from gridcare.outages.services import planned_notices
from gridcare.outages.services.planned import planned_restore, planned_start
from gridcare.outages.services.records import outage_customers_told


@dataclass
class TickResult:
    reminded: int = 0
    started: int = 0
    restored: int = 0


def _planned(state: str) -> list[Outage]:
    return list(
        Outage.objects.filter(kind=OutageKind.PLANNED, state=state).order_by("starts_at", "id")
    )


def _reminded(outage: Outage, hours: int) -> bool:
    return OutageEvent.objects.filter(
        outage=outage, kind=OutageEventKind.CUSTOMERS_NOTIFIED, data__what=f"reminder{hours}h"
    ).exists()


def reminders_due(now: datetime) -> int:
    """A reminder h hours before the start, once, unless the outage was published after
    that moment (its first notice was the reminder) or has already started."""
    sent = 0
    for outage in _planned(OutageState.PUBLISHED):
        for hours in settings.OUTAGES_REMINDER_HOURS:
            moment = outage.starts_at - timedelta(hours=hours)
            published = outage.published_at or now
            if not (published < moment <= now < outage.starts_at) or _reminded(outage, hours):
                continue
            with transaction.atomic():
                messages = planned_notices.notices_reminder(outage=outage, hours=hours, now=now)
                outage_customers_told(
                    outage=outage, what=f"reminder{hours}h", messages=messages, at=now
                )
            sent += 1
    return sent


def starts_due(now: datetime) -> int:
    started = 0
    for outage in _planned(OutageState.PUBLISHED):
        if outage.starts_at <= now:
            with transaction.atomic():
                locked = Outage.objects.select_for_update().get(pk=outage.pk)
                if locked.state == OutageState.PUBLISHED:
                    planned_start(outage=locked, now=now)
                    started += 1
    return started


def ends_due(now: datetime) -> int:
    """An active planned outage past its window's end is restored at that end."""
    restored = 0
    for outage in _planned(OutageState.ACTIVE):
        if outage.ends_at is not None and outage.ends_at <= now:
            planned_restore(actor=None, outage=outage, at=outage.ends_at, now=now)
            restored += 1
    return restored


def planned_tick(now: datetime | None = None) -> TickResult:
    now = now or timezone.now()
    return TickResult(reminded=reminders_due(now), started=starts_due(now), restored=ends_due(now))
