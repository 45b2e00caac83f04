"""Live counts for monitoring's alert rules: windows shorter than a day cannot wait for
the daily facts, so these read the orders, clocks and return visits themselves, grouped
in SQL by the answerable org unit (the station) or the feeder.

Windows are half-open: `start <= at < end`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q

from gridcare.service import sla_rules
from gridcare.service.choices import OrderState, OrderType
from gridcare.service.models import ReturnVisit, SlaClock, WorkOrder

#: A return-visit rating that counts as satisfied (满意 and 非常满意 of five), the same
#: line the return visit archives an order on without review (services/visit_rating.py).
SATISFIED_MIN_RATING = 4


@dataclass(frozen=True)
class FeederCount:
    feeder_id: int
    feeder_name: str
    org_unit_id: int
    count: int


def _orders(start: dt.datetime, end: dt.datetime, order_type: str):  # type: ignore[no-untyped-def]
    return WorkOrder.objects.filter(
        order_type=order_type, created_at__gte=start, created_at__lt=end
    ).exclude(state=OrderState.CANCELLED)


def complaints_by_unit(*, start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    """Complaints opened in the window per answerable unit (merged duplicates included:
    each is a customer who complained)."""
    rows = (
        _orders(start, end, OrderType.COMPLAINT)
        .values("org_unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["org_unit_id"]: row["n"] for row in rows}


def repair_orders_by_feeder(*, start: dt.datetime, end: dt.datetime) -> list[FeederCount]:
    """Repair calls opened in the window per feeder and answerable unit (a call merged into
    its outage's master order is still a call)."""
    rows = (
        _orders(start, end, OrderType.FAULT_REPAIR)
        .filter(feeder__isnull=False)
        .values("feeder_id", "org_unit_id", feeder_name=F("feeder__name"))
        .annotate(n=Count("pk"))
        .order_by("feeder_id", "org_unit_id")
    )
    return [FeederCount(r["feeder_id"], r["feeder_name"], r["org_unit_id"], r["n"]) for r in rows]


def sla_clocks_stopped_by_unit(
    *, start: dt.datetime, end: dt.datetime
) -> dict[int, tuple[int, int]]:
    """Per answerable unit: (met, total) of the SLA clocks stopped in the window.

    As `sla_selectors.clock_status` reads them: a clock stopped by its fulfilling event on
    or before its deadline is met, after it breached; one ended by cancel, merge or archive
    counts only if it was already overdue (breached), else not at all.
    """
    ended = list(sla_rules.NOT_FULFILLED)
    late = Q(stopped_at__gt=F("deadline_at"))
    rows = (
        SlaClock.objects.filter(stopped_at__gte=start, stopped_at__lt=end)
        .filter(~Q(stopped_by__in=ended) | late)
        .values(unit_id=F("order__org_unit_id"))
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=~Q(stopped_by__in=ended) & ~late),
        )
        .order_by()
    )
    return {row["unit_id"]: (row["met"], row["total"]) for row in rows}


def ratings_by_unit(*, start: dt.datetime, end: dt.datetime) -> dict[int, tuple[int, int]]:
    """Per answerable unit: (satisfied, rated) of the return visits answered in the window."""
    rows = (
        ReturnVisit.objects.filter(
            rating__isnull=False, responded_at__gte=start, responded_at__lt=end
        )
        .values(unit_id=F("order__org_unit_id"))
        .annotate(
            rated=Count("pk"), satisfied=Count("pk", filter=Q(rating__gte=SATISFIED_MIN_RATING))
        )
        .order_by()
    )
    return {row["unit_id"]: (row["satisfied"], row["rated"]) for row in rows}
