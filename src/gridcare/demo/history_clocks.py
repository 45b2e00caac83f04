"""SLA clocks for the archived history orders, derived from their events and bulk-inserted.

A live order's clocks are started and stopped by `service.services.sla` as its events
happen; a history order's events are written in bulk, so its clocks are written here from
the same table (`service.sla_rules`: which event starts and stops which clock) and the
limits of the policy in use (`SlaRule`, the most specific rule for the order type, area
class and category). A clock is met when its stopping event came before the deadline,
breached after; cancel and merge end it unfulfilled. Warned and escalated are set where
the sweep would have set them (the stop came after the warning or escalation moment).

Working-day clocks use one snapshot of the working calendar for the whole year (the
service helpers take a fresh one per call, thousands of queries here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings

from gridcare.core.calendar import work_calendar
from gridcare.core.workdays import WorkCalendar
from gridcare.demo.orders_draft import Event, HistoryOrder
from gridcare.demo.plan import LOCAL_TZ
from gridcare.service import sla_rules
from gridcare.service.choices import ClockUnit
from gridcare.service.models import SlaClock, SlaPolicy, SlaRule, WorkOrder

BATCH_SIZE = 2_000
ONE_DAY = dt.timedelta(days=1)
ONE_SECOND = dt.timedelta(seconds=1)
#: What starts each clock of a history order (no reopen happens in the history).
STARTS = {"repair_restoration": "arrive"}


def _midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


class WorkingTime:
    """Working time on one calendar snapshot (the measure of `service.clock_time`)."""

    def __init__(self, cal: WorkCalendar, tz: dt.tzinfo) -> None:
        self.cal, self.tz = cal, tz

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        total, day = dt.timedelta(0), start.astimezone(self.tz).date()
        while _midnight(day, self.tz) < end:
            lo = max(start, _midnight(day, self.tz))
            hi = min(end, _midnight(day + ONE_DAY, self.tz))
            if self.cal.is_workday(day) and hi > lo:
                total += hi - lo
            day += ONE_DAY
        return total

    def add(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        moment = start.astimezone(self.tz)
        while amount > dt.timedelta(0):
            day = moment.date()
            midnight = _midnight(day + ONE_DAY, self.tz)
            if self.cal.is_workday(day):
                if amount <= midnight - moment:
                    return moment + amount
                amount -= midnight - moment
            moment = midnight
        return moment

    def office(self, moment: dt.datetime, opens: dt.time, closes: dt.time) -> dt.datetime:
        local = moment.astimezone(self.tz)
        day = local.date()
        while True:
            if self.cal.is_workday(day):
                opening = dt.datetime.combine(day, opens, tzinfo=self.tz)
                if local < opening:
                    return opening
                if local < dt.datetime.combine(day, closes, tzinfo=self.tz):
                    return local
            day += ONE_DAY
            local = _midnight(day, self.tz)


def _rule_for(rules: list[SlaRule], order: WorkOrder, clock: str, category: str) -> SlaRule | None:
    """The most specific rule for this clock (as `services.sla` picks it; history orders
    have no application kind)."""
    matching = [
        r
        for r in rules
        if r.clock == clock
        and not r.step
        and not r.application_kind
        and r.order_type in ("", order.order_type)
        and r.area_class in ("", order.area_class)
        and r.category in ("", category)
    ]
    matching.sort(key=lambda r: (bool(r.order_type), bool(r.category), bool(r.area_class)))
    return matching[-1] if matching else None


def _stop(
    events: Sequence[Event], clock: str, after: dt.datetime
) -> tuple[dt.datetime, str] | None:
    """The first event after `after` that stops `clock`, with what stopped it."""
    rule = next(r for r in sla_rules.CLOCK_RULES if r.clock == clock)
    for event in events:
        if event.at < after:
            continue
        signals = sla_rules.event_signals(event.kind, event.data)
        if signals & sla_rules.ENDING:
            return event.at, event.kind
        if rule.stops_on & signals:
            return event.at, event.kind if event.kind in rule.stops_on else sla_rules.CONTACT
    return None


class ClockWriter:
    def __init__(self, policy: SlaPolicy) -> None:
        self.policy = policy
        self.rules = list(policy.rules.all())
        self.time = WorkingTime(work_calendar(), LOCAL_TZ)
        self.count_first = settings.SLA_COUNT_ACCEPTANCE_DAY

    def clocks(self, order: WorkOrder, draft: HistoryOrder, category: str) -> list[SlaClock]:
        found = []
        for clock in sla_rules.clocks_to_start(order.order_type, frozenset({"created", "arrive"})):
            start_kind = STARTS.get(clock, "created")
            start = next((e.at for e in draft.events if e.kind == start_kind), None)
            rule = _rule_for(self.rules, order, clock, category)
            if start is None or rule is None:
                continue
            stop = _stop(draft.events[1:], clock, start)
            found.append(self._clock(order, rule, start, stop))
        return found

    def _clock(
        self,
        order: WorkOrder,
        rule: SlaRule,
        start: dt.datetime,
        stop: tuple[dt.datetime, str] | None,
    ) -> SlaClock:
        ratio = float(self.policy.warn_ratio)
        if rule.unit == ClockUnit.WORKING_DAYS:
            due = self.time.cal.working_deadline(
                start, rule.limit, count_acceptance_day=self.count_first
            )
            deadline, provisional = due.at, due.provisional
            budget = self.time.between(start, deadline)
            hours = (self.policy.office_opens, self.policy.office_closes)
            warn_at = self.time.office(self.time.add(start, budget * ratio), *hours)
            escalate_at = self.time.office(deadline + ONE_SECOND, *hours)
        else:
            minutes = rule.limit if rule.unit == ClockUnit.MINUTES else rule.limit * 60
            budget, provisional = dt.timedelta(minutes=minutes), False
            deadline = start + budget
            warn_at, escalate_at = start + budget * ratio, deadline
        stopped_at, stopped_by = stop if stop else (None, "")
        late = stopped_at is None or stopped_at > warn_at
        return SlaClock(
            order=order, rule=rule, clock=rule.clock, step="", unit=rule.unit, limit=rule.limit,
            started_at=start, deadline_at=deadline, warn_at=warn_at, escalate_at=escalate_at,
            budget=budget, provisional=provisional, stopped_at=stopped_at, stopped_by=stopped_by,
            warned_at=warn_at if late else None,
            escalated_at=escalate_at if stopped_at is None or stopped_at > escalate_at else None,
        )  # fmt: skip


def history_clocks_create(
    orders: Sequence[WorkOrder], drafts: Sequence[HistoryOrder], categories: dict[int, str]
) -> int:
    """Bulk-create the clocks of the written history `orders` (with their `drafts`);
    `categories` maps category ids to codes. Returns how many; none without a policy."""
    policy = SlaPolicy.objects.filter(in_use=True).first()
    if policy is None:
        return 0
    writer = ClockWriter(policy)
    rows: list[SlaClock] = []
    for order, draft in zip(orders, drafts, strict=True):
        rows += writer.clocks(order, draft, categories.get(order.category_id or 0, ""))
    SlaClock.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)
