"""Reads of SLA clocks for screens and the API: time left, state, the most urgent clock.

`remaining` is measured in the clock's own measure: natural time for minutes/hours
clocks, working time for working-day clocks (a weekend does not eat into it); negative
when overdue. While paused, the time left is frozen at the pause and `deadline` is where
the deadline would be if the clock resumed now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from gridcare.service import sla_rules
from gridcare.service.models import SlaClock, WorkOrder
from gridcare.service.services.sla import advance, measure

RUNNING, PAUSED, WARNING, OVERDUE, MET, BREACHED, ENDED = (
    "running",
    "paused",
    "warning",
    "overdue",
    "met",
    "breached",
    "ended",
)
#: Most urgent first (how `order_sla` picks among an order's clocks).
URGENCY = {OVERDUE: 0, WARNING: 1, RUNNING: 2, PAUSED: 3, BREACHED: 4, MET: 5, ENDED: 6}


@dataclass(frozen=True)
class ClockStatus:
    clock: str
    label: str
    unit: str
    limit: int
    deadline: dt.datetime
    remaining: dt.timedelta
    #: Share of the budget used (0 at the start, 1 at the deadline, above 1 when overdue).
    ratio: float
    #: running / paused / warning / overdue while it runs; met / breached once fulfilled;
    #: ended when the order was cancelled, merged or archived before the deadline.
    state: str
    provisional: bool

    @property
    def open(self) -> bool:
        return self.state in (RUNNING, PAUSED, WARNING, OVERDUE)


def clock_status(clock: SlaClock, now: dt.datetime | None = None) -> ClockStatus:
    now = now or timezone.now()
    deadline, provisional = clock.deadline_at, clock.provisional
    budget = clock.budget or (clock.deadline_at - clock.started_at)
    if clock.stopped_at is not None:
        remaining, _ = measure(clock, clock.stopped_at, deadline)
        if clock.stopped_by in sla_rules.NOT_FULFILLED:
            state = BREACHED if remaining < dt.timedelta(0) else ENDED
        else:
            state = MET if remaining >= dt.timedelta(0) else BREACHED
    elif clock.paused_at is not None:
        remaining, p1 = measure(clock, max(clock.paused_at, clock.started_at), deadline)
        if remaining > dt.timedelta(0) and now > clock.paused_at:
            deadline, p2 = advance(clock, now, remaining)
            provisional = provisional or p1 or p2
        state = PAUSED
    else:
        remaining, p1 = measure(clock, now, deadline)
        provisional = provisional or p1
        warn_ratio = float(clock.rule.policy.warn_ratio)
        used = _ratio(budget, remaining)
        state = OVERDUE if now > deadline else WARNING if used >= warn_ratio else RUNNING
    return ClockStatus(
        clock=clock.clock,
        label=str(clock.get_clock_display()),
        unit=clock.unit,
        limit=clock.limit,
        deadline=deadline,
        remaining=remaining,
        ratio=_ratio(budget, remaining),
        state=state,
        provisional=provisional,
    )


def _ratio(budget: dt.timedelta, remaining: dt.timedelta) -> float:
    if budget <= dt.timedelta(0):
        return 1.0
    return float(round(Decimal(1 - remaining / budget), 4))


def order_clocks(order: WorkOrder) -> list[SlaClock]:
    """The order's clocks (uses a prefetch of `clocks` when the caller made one)."""
    return list(order.clocks.all())


def order_sla(order: WorkOrder, now: dt.datetime | None = None) -> ClockStatus | None:
    """The order's most urgent clock: overdue first, then warning, running (least time left
    first) and paused; once none runs, a breached one before a met one. None without
    clocks."""
    now = now or timezone.now()
    return most_urgent(clock_status(c, now) for c in order_clocks(order))


def most_urgent(statuses: Iterable[ClockStatus]) -> ClockStatus | None:
    found = list(statuses)
    if not found:
        return None
    return min(found, key=lambda s: (URGENCY[s.state], s.remaining if s.open else -s.remaining))


def with_clocks(orders: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """`orders` with their clocks (and each clock's policy) prefetched, for lists that show
    `order_sla` per row in a constant number of queries."""
    return orders.prefetch_related(
        Prefetch("clocks", queryset=SlaClock.objects.select_related("rule__policy"))
    )


def order_clock_statuses(order: WorkOrder, now: dt.datetime | None = None) -> list[ClockStatus]:
    """Every clock of the order (order detail), most urgent first."""
    now = now or timezone.now()
    statuses = [clock_status(c, now) for c in order_clocks(order)]
    return sorted(statuses, key=lambda s: (URGENCY[s.state], s.deadline))
