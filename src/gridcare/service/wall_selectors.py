"""Live work-order figures for the duty wall (值班大屏) and the dashboards' commitments.

The wall reads the orders themselves, not the daily facts (they are rebuilt every few
minutes): open and overdue orders by type and the SLA clocks at risk, each one SQL
aggregate within the reader's scope (`selectors.orders_visible_to`, so a field crew sees
its team's orders and an agent their station's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from gridcare.core.models import User
from gridcare.service.choices import OPEN_STATES, ClockKind, ClockUnit, OrderType
from gridcare.service.models import SlaClock, SlaRule
from gridcare.service.selectors import orders_visible_to

#: The wall lists this many clocks at risk (the count covers them all).
RISK_SHOWN = 8


@dataclass(frozen=True)
class OpenOrders:
    order_type: str
    open: int
    overdue: int


def open_orders_by_type(*, user: User, now: dt.datetime) -> list[OpenOrders]:
    """Orders still being worked on, per type, and how many of them have a running clock
    past its deadline (a paused or stopped clock is not overdue), most first."""
    late = SlaClock.objects.filter(
        order=OuterRef("pk"),
        stopped_at__isnull=True,
        paused_at__isnull=True,
        deadline_at__lt=now,
    )
    rows = (
        orders_visible_to(user)
        .filter(state__in=OPEN_STATES)
        .annotate(late=Exists(late))
        .values("order_type")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(late=True)))
        .order_by("-open", "order_type")
    )
    return [OpenOrders(r["order_type"], r["open"], r["overdue"]) for r in rows]


@dataclass(frozen=True)
class ClockAtRisk:
    number: str
    order_type: str
    clock: str
    deadline_at: dt.datetime
    overdue: bool


@dataclass(frozen=True)
class SlaRisk:
    warned: int  # running clocks past their warning time, not yet overdue
    overdue: int  # running clocks past their deadline
    next_to_expire: list[ClockAtRisk]


def sla_risk(*, user: User, now: dt.datetime) -> SlaRisk:
    """Running clocks (not stopped, not paused) past their warning time, on orders within
    the reader's scope: counted, and the RISK_SHOWN nearest deadlines listed (overdue ones
    first, as their deadlines lie in the past)."""
    clocks = SlaClock.objects.filter(
        order__in=orders_visible_to(user).values("pk"),
        stopped_at__isnull=True,
        paused_at__isnull=True,
        warn_at__lte=now,
    )
    counts = clocks.aggregate(
        overdue=Count("pk", filter=Q(deadline_at__lt=now)),
        warned=Count("pk", filter=Q(deadline_at__gte=now)),
    )
    nearest = clocks.select_related("order").order_by("deadline_at", "pk")[:RISK_SHOWN]
    return SlaRisk(
        warned=counts["warned"],
        overdue=counts["overdue"],
        next_to_expire=[
            ClockAtRisk(
                number=c.order.number,
                order_type=c.order.order_type,
                clock=c.clock,
                deadline_at=c.deadline_at,
                overdue=c.deadline_at < now,
            )
            for c in nearest
        ],
    )


def repair_commitments() -> dict[str, dict[str, float]]:
    """The policy in use's repair commitments in minutes, by clock kind and area class
    (`{"repair_arrival": {"urban": 45.0, …}, "repair_restoration": {…}}`; domain-facts §1)."""
    rules = SlaRule.objects.filter(
        policy__in_use=True,
        order_type=OrderType.FAULT_REPAIR,
        clock__in=[ClockKind.REPAIR_ARRIVAL, ClockKind.REPAIR_RESTORATION],
        unit__in=[ClockUnit.MINUTES, ClockUnit.HOURS],
        category="",
    ).values_list("clock", "area_class", "unit", "limit")
    found: dict[str, dict[str, float]] = {}
    for clock, area_class, unit, limit in rules:
        minutes = limit * 60.0 if unit == ClockUnit.HOURS else float(limit)
        found.setdefault(clock, {})[area_class] = minutes
    return found
