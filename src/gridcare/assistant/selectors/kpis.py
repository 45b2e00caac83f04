"""Assistant aggregates for the monitoring rollup (docs/kpis.md), grouped by SQL per local
day, org unit, channel and key (core.kpi_sql).

A conversation counts on the local day it started, for the supply unit of the customer's
first account when the customer is known, else for the root bureau.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BigIntegerField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from gridcare.assistant.models import BotSession
from gridcare.core.kpi_sql import GroupedRow, day_window, grouped, local_day, root_unit_id
from gridcare.customers.kpi_selectors import customer_unit


def _started(start: dt.date, end: dt.date) -> QuerySet[BotSession]:
    low, high = day_window(start, end)
    return BotSession.objects.filter(started_at__gte=low, started_at__lt=high)


def _unit() -> Coalesce:
    return Coalesce(customer_unit(), Value(root_unit_id()), output_field=BigIntegerField())


def sessions_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Conversations started per local day: channel = the conversation's channel, d =
    conversations, n = those the assistant kept (never handed to a person)."""
    return grouped(
        _started(start, end),
        day=local_day("started_at"),
        unit=_unit(),
        channel=F("channel"),
        n=Count("pk", filter=Q(handoff_reason="")),
        d=Count("pk"),
    )


def handoffs_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Conversations started per local day that were handed to a person: channel = the
    conversation's channel, key = handoff reason, n = conversations."""
    return grouped(
        _started(start, end).exclude(handoff_reason=""),
        day=local_day("started_at"),
        unit=_unit(),
        channel=F("channel"),
        key=F("handoff_reason"),
        n=Count("pk"),
    )
