"""Work-order aggregates for the monitoring rollup (docs/kpis.md), grouped by SQL per local
day, org unit, channel and key (core.kpi_sql). Each function takes the local days
`start`…`end` (both included), filters on an indexed timestamp and returns `GroupedRow`s.

An order counts for its team (班组) when it has one, else for its station: the most
precise unit known, which the facts' subtree sums roll up to the bureau. An agent's
figures count for the agent's own unit.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db.models import (
    BigIntegerField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat

from gridcare.core.kpi_sql import GroupedRow, day_window, grouped, local_day
from gridcare.service.choices import (
    REPAIR_TYPES,
    ClockKind,
    EventKind,
    OrderState,
    OrderType,
    Origin,
)
from gridcare.service.models import Category, ReturnVisit, SlaClock, WorkOrder, WorkOrderEvent
from gridcare.service.sla_rules import NOT_FULFILLED

#: A visit rated 4 or 5 (of 5) is a satisfied customer (the top-two-box CSAT convention).
SATISFIED_RATING = 4
#: What takes an order away from the person who first handled it: routing it to another
#: unit or crew, sending it back, reopening it after resolution (docs/kpis.md, fcr).
NOT_FIRST_CONTACT = (EventKind.DISPATCH, EventKind.REASSIGN, EventKind.SEND_BACK, EventKind.REOPEN)


def _order_unit(prefix: str = "") -> Coalesce:
    return Coalesce(
        F(f"{prefix}team_id"), F(f"{prefix}org_unit_id"), output_field=BigIntegerField()
    )


def _agent_unit(prefix: str = "") -> Coalesce:
    """The assignee's own unit (a scorecard is the agent's), else the order's."""
    return Coalesce(
        F(f"{prefix}assignee__org_unit_id"),
        F(f"{prefix}team_id"),
        F(f"{prefix}org_unit_id"),
        output_field=BigIntegerField(),
    )


def _created(start: dt.date, end: dt.date) -> QuerySet[WorkOrder]:
    low, high = day_window(start, end)
    return WorkOrder.objects.filter(created_at__gte=low, created_at__lt=high)


def orders_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Orders accepted per local day: channel = origin, key = order type, n = orders."""
    return grouped(
        _created(start, end),
        day=local_day("created_at"),
        unit=_order_unit(),
        channel=F("origin"),
        key=F("order_type"),
        n=Count("pk"),
    )


def applications_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Business applications (orders with an `Application`) filed per local day:
    channel = origin, key = application kind, n = applications (the caller splits online
    and offline origins)."""
    return grouped(
        _created(start, end).filter(application__isnull=False),
        day=local_day("created_at"),
        unit=_order_unit(),
        channel=F("origin"),
        key=F("application__kind"),
        n=Count("pk"),
    )


def first_contact_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """First-contact resolution of non-repair customer orders accepted per local day:
    d = such orders (not cancelled or merged), n = those resolved on the local day they
    were accepted with no dispatch, reassignment, send-back or reopening (docs/kpis.md)."""
    handed_on = WorkOrderEvent.objects.filter(order=OuterRef("pk"), kind__in=NOT_FIRST_CONTACT)
    orders = (
        _created(start, end)
        .exclude(order_type__in=REPAIR_TYPES)
        .exclude(origin=Origin.SYSTEM)
        .exclude(state__in=(OrderState.CANCELLED, OrderState.MERGED))
        .annotate(
            handed_on=Exists(handed_on),
            created_day=local_day("created_at"),
            resolved_day=local_day("resolved_at"),
        )
    )
    first = Q(resolved_day=F("created_day"), handed_on=False)
    return grouped(
        orders,
        day=F("created_day"),
        unit=_order_unit(),
        channel=F("origin"),
        key=F("order_type"),
        n=Count("pk", filter=first),
        d=Count("pk"),
    )


def complaints_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Complaints accepted per local day, duplicates merged into another order left out:
    channel = origin, key = the (leaf) category code, "" when uncategorised."""
    return grouped(
        _created(start, end)
        .filter(order_type=OrderType.COMPLAINT)
        .exclude(state=OrderState.MERGED),
        day=local_day("created_at"),
        unit=_order_unit(),
        channel=F("origin"),
        key=F("category__code"),
        n=Count("pk"),
    )


class CategoryLine(NamedTuple):
    """A category and the top-level category it belongs to (itself at level 1)."""

    code: str
    name_zh: str
    name_en: str
    top_code: str
    top_name_zh: str
    top_name_en: str


def category_lines(order_type: str = OrderType.COMPLAINT) -> dict[str, CategoryLine]:
    """Category code → its names and its top category's, for grouping the complaint
    facts (keyed by leaf code) into the complaint structure by category and sub-category."""
    lines = {}
    for category in Category.objects.filter(order_type=order_type).select_related("parent"):
        top = category.parent or category
        lines[category.code] = CategoryLine(
            category.code,
            category.name_zh,
            category.name_en,
            top.code,
            top.name_zh,
            top.name_en,
        )
    return lines


# --- SLA clocks ---


def _stopped(start: dt.date, end: dt.date) -> QuerySet[SlaClock]:
    """Clocks stopped in the window, without those an order's end merely cut short: a
    clock stopped by cancel/merge/archive before its deadline was neither met nor
    breached (sla_selectors.clock_status calls it `ended`)."""
    low, high = day_window(start, end)
    ended = Q(stopped_by__in=NOT_FULFILLED, stopped_at__lte=F("deadline_at"))
    return SlaClock.objects.filter(stopped_at__gte=low, stopped_at__lt=high).exclude(ended)


#: Met as sla_selectors.clock_status has it: fulfilled by its own event, on or before the
#: deadline (which already moved by every pause).
MET = Q(stopped_at__lte=F("deadline_at")) & ~Q(stopped_by__in=NOT_FULFILLED)


def sla_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Clocks stopped per local day: channel = order origin, key = "<clock>:<order type>",
    n = met, d = met + breached."""
    return grouped(
        _stopped(start, end),
        day=local_day("stopped_at"),
        unit=_order_unit("order__"),
        channel=F("order__origin"),
        key=Concat(F("clock"), Value(":"), F("order__order_type")),
        n=Count("pk", filter=MET),
        d=Count("pk"),
    )


def agent_sla_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """The same per assignee: key = the assignee's user id, unit = the assignee's unit."""
    return grouped(
        _stopped(start, end).filter(order__assignee__isnull=False),
        day=local_day("stopped_at"),
        unit=_agent_unit("order__"),
        key=F("order__assignee_id"),
        n=Count("pk", filter=MET),
        d=Count("pk"),
    )


def repair_on_time_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Repair-arrival clocks stopped per local day: key = area class, n = met, d = all."""
    return grouped(
        _stopped(start, end).filter(clock=ClockKind.REPAIR_ARRIVAL),
        day=local_day("stopped_at"),
        unit=_order_unit("order__"),
        key=F("order__area_class"),
        n=Count("pk", filter=MET),
        d=Count("pk"),
    )


def repair_times_by_day(start: dt.date, end: dt.date, *, clock: str) -> list[GroupedRow]:
    """Repair-arrival (report → on site) or restoration (on site → restored) durations of
    the clocks fulfilled per local day: key = area class, n = clocks, total = Σ seconds
    from the clock's start to its stop (natural time, pauses included: what the
    commitment's average counts)."""
    elapsed = ExpressionWrapper(F("stopped_at") - F("started_at"), output_field=DurationField())
    return grouped(
        _stopped(start, end).filter(clock=clock).exclude(stopped_by__in=NOT_FULFILLED),
        day=local_day("stopped_at"),
        unit=_order_unit("order__"),
        key=F("order__area_class"),
        n=Count("pk"),
        total=Sum(elapsed),
    )


# --- Return visits and agents ---


def ratings_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Return visits rated per local day: channel = order origin, key = the order's
    assignee user id ("" when none), n = satisfied (rating ≥ 4), d = rated, total = Σ
    rating."""
    low, high = day_window(start, end)
    visits = ReturnVisit.objects.filter(
        responded_at__gte=low, responded_at__lt=high, rating__isnull=False
    )
    return grouped(
        visits,
        day=local_day("responded_at"),
        unit=_order_unit("order__"),
        channel=F("order__origin"),
        key=F("order__assignee_id"),
        n=Count("pk", filter=Q(rating__gte=SATISFIED_RATING)),
        d=Count("pk"),
        total=Sum("rating"),
    )


def resolved_by_agent_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Orders resolved per local day by their assignee: key = user id, unit = the
    assignee's unit, n = orders (an order reopened and resolved again counts on its last
    resolution day)."""
    low, high = day_window(start, end)
    orders = WorkOrder.objects.filter(
        resolved_at__gte=low, resolved_at__lt=high, assignee__isnull=False
    )
    return grouped(
        orders,
        day=local_day("resolved_at"),
        unit=_agent_unit(),
        key=F("assignee_id"),
        n=Count("pk"),
    )
