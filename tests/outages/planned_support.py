"""Helpers for the planned-outage tests: a draft in one call."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from gridcare.core.models import User
from gridcare.outages.models import Outage
from gridcare.outages.selectors.planned import scope_resolve
from gridcare.outages.services.planned import PlannedInput, planned_create


def planned_input(
    user: User,
    *,
    starts_in: timedelta,
    hours: float = 4,
    planned_type: str = "maintenance",
    feeders: tuple[str, ...] = (),
    transformers: tuple[str, ...] = (),
    accounts: tuple[str, ...] = (),
    now: datetime | None = None,
) -> PlannedInput:
    start = (now or timezone.now()) + starts_in
    return PlannedInput(
        planned_type=planned_type,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        reason="10kV 线路检修",
        scope=scope_resolve(
            user=user,
            feeder_codes=feeders,
            transformer_codes=transformers,
            account_numbers=accounts,
        ),
    )


def draft(user: User, **kwargs: object) -> Outage:
    now = kwargs.get("now")
    return planned_create(actor=user, data=planned_input(user, **kwargs), now=now)  # type: ignore[arg-type]
