"""Metering reads for the portal, console and API, always within the reader's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Max, Min, Q, QuerySet

from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.core.selectors import org_units_in_scope
from gridcare.grid.models import Transformer
from gridcare.metering.models import LoadEvent, TransformerDay

HEAVY_RATE = 0.8
OVERLOAD_RATE = 1.0


def transformers_visible_to(user: User) -> QuerySet[Transformer]:
    """Transformers of the staff user's org scope (customers see none)."""
    if not user.is_authenticated or user.is_customer or not user.has_perm("grid.view_meter"):
        return Transformer.objects.none()
    return Transformer.objects.filter(org_unit__in=org_units_in_scope(user))


def transformer_get_for_user(*, user: User, code: str) -> Transformer:
    transformer = (
        transformers_visible_to(user)
        .select_related("feeder__substation", "org_unit")
        .filter(code=code)
        .first()
    )
    if transformer is None:
        raise NotFound("grid.transformer.not_found", "台区不存在")
    return transformer


def transformer_day_range() -> tuple[dt.date, dt.date] | None:
    """First and last day with statistics, or None before the first import."""
    bounds = TransformerDay.objects.aggregate(first=Min("day"), last=Max("day"))
    if bounds["last"] is None:
        return None
    return bounds["first"], bounds["last"]


def transformer_days_ranked(
    *, user: User, day: dt.date, only: str = ""
) -> QuerySet[TransformerDay]:
    """The day's transformers in scope, most loaded first; `only` = heavy | overload."""
    days = TransformerDay.objects.filter(
        day=day, transformer__in=transformers_visible_to(user)
    ).select_related("transformer__feeder")
    if only == "overload":
        days = days.filter(load_rate__gte=OVERLOAD_RATE)
    elif only == "heavy":
        days = days.filter(load_rate__gte=HEAVY_RATE)
    return days.order_by("-load_rate", "transformer__code")


@dataclass(frozen=True)
class LoadingSummary:
    total: int
    heavy: int
    overload: int
    completeness: float


def transformer_loading_summary(*, user: User, day: dt.date) -> LoadingSummary:
    stats = TransformerDay.objects.filter(
        day=day, transformer__in=transformers_visible_to(user)
    ).aggregate(
        total=Count("pk"),
        heavy=Count("pk", filter=Q(load_rate__gte=HEAVY_RATE)),
        overload=Count("pk", filter=Q(load_rate__gte=OVERLOAD_RATE)),
        completeness=Avg("completeness"),
    )
    return LoadingSummary(
        total=stats["total"],
        heavy=stats["heavy"],
        overload=stats["overload"],
        completeness=100 * (stats["completeness"] or 0.0),
    )


def transformer_day_stat(*, transformer: Transformer, day: dt.date) -> TransformerDay | None:
    return TransformerDay.objects.filter(transformer=transformer, day=day).first()


def transformer_events(*, transformer: Transformer, since: dt.date) -> QuerySet[LoadEvent]:
    return LoadEvent.objects.filter(transformer=transformer, start__date__gte=since)


@dataclass(frozen=True)
class LoadAlerts:
    """The newest day's loading in the reader's area: counts and the most loaded 台区."""

    day: dt.date
    summary: LoadingSummary
    heaviest: list[TransformerDay]


def transformer_load_alerts(*, user: User, shown: int = 5) -> LoadAlerts | None:
    """Heavy-load (≥ 80 %) and overloaded 台区 of the newest day with statistics, most loaded
    first; None before the first import."""
    bounds = transformer_day_range()
    if bounds is None:
        return None
    day = bounds[1]
    heaviest = list(transformer_days_ranked(user=user, day=day, only="heavy")[:shown])
    return LoadAlerts(
        day=day,
        summary=transformer_loading_summary(user=user, day=day),
        heaviest=heaviest,
    )


@dataclass(frozen=True)
class RecentEvents:
    shown: list[LoadEvent]  # the newest first
    total: int


def transformer_events_recent(
    *, transformer: Transformer, since: dt.date, shown: int
) -> RecentEvents:
    """The transformer's loading events since `since`: the first `shown` and how many."""
    events = LoadEvent.objects.filter(transformer=transformer, start__date__gte=since)
    return RecentEvents(shown=list(events[:shown]), total=events.count())
