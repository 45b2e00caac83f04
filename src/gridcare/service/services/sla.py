"""SLA clocks: start, pause, resume and stop an order's clocks from its events.

When a clock runs is the table in `service.sla_rules`; how long is the policy in use's
`SlaRule` (data/sla_presets.toml); how time is measured is `clock_time` (natural time for
minutes and hours, working time for working days). Everything here runs inside the
transaction of the event that causes it (hooks.after_create / after_event).

Per clock, three moments are kept up to date whenever the deadline moves:

- `deadline_at`: natural clocks `start + limit`; working-day clocks 23:59:59 Beijing of the
  N-th working day after acceptance. Overdue means `now > deadline_at`.
- `warn_at`: when `policy.warn_ratio` of the clock's budget has elapsed; for working-day
  clocks moved to the next moment inside office hours of a working day.
- `escalate_at`: natural clocks the deadline itself (24/7); working-day clocks the first
  office moment after the deadline (a deadline at 23:59:59 Friday escalates on Monday, or
  on a 调休 make-up Sunday, at office opening).

A pause credits the clock with the time it covered in the clock's own measure (for
working-day clocks, the working time), so the time left never decreases while paused. A
clock paused when already overdue gets no credit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.errors import Conflict, NotFound, PermissionDeniedError
from gridcare.core.models import User
from gridcare.service import sla_rules
from gridcare.service.choices import CLOSED_STATES, ClockUnit, EventKind
from gridcare.service.models import (
    Application,
    Category,
    ClockPause,
    SlaClock,
    SlaPolicy,
    SlaRule,
    WorkOrder,
    WorkOrderEvent,
)
from gridcare.service.selectors import order_get_for_user
from gridcare.service.services import clock_time
from gridcare.service.services.access import WORK

ONE_SECOND = dt.timedelta(seconds=1)


# --- Applying events ---


def clocks_apply(*, order: WorkOrder, event: WorkOrderEvent) -> None:
    """Start, pause, resume or stop the clocks `event` concerns (at `event.at`)."""
    signals = sla_rules.event_signals(event.kind, event.data)
    to_stop = sla_rules.clocks_to_stop(order.order_type, signals)
    to_start = sla_rules.clocks_to_start(order.order_type, signals)
    pause, resume = sla_rules.PAUSE in signals, sla_rules.RESUME in signals
    if not (to_stop or to_start or pause or resume):
        return
    at = event.at
    clocks = {
        c.clock: c
        for c in SlaClock.objects.select_for_update(of=("self",))
        .filter(order=order, step="")
        .select_related("rule__policy")
    }
    running = [c for c in clocks.values() if c.stopped_at is None]
    if pause:
        for clock in running:
            _pause(clock, at)
    if resume:
        for clock in running:
            _resume(clock, at)
    for kind in to_stop:
        found = clocks.get(kind)
        if found is not None and found.stopped_at is None:
            _stop(found, at, _stopped_by(event.kind, signals, kind))
    if to_start:
        _start_all(order, to_start, clocks, at)


def _stopped_by(kind: str, signals: frozenset[str], clock: str) -> str:
    if signals & sla_rules.ENDING:
        return kind
    rule = next(r for r in sla_rules.CLOCK_RULES if r.clock == clock)
    return kind if kind in rule.stops_on else sla_rules.CONTACT


def _start_all(
    order: WorkOrder, kinds: list[str], clocks: dict[str, SlaClock], at: dt.datetime
) -> None:
    policy = _policy_for(order, clocks)
    if policy is None:
        return
    rules = list(policy.rules.all())
    # Looked up only when a rule of these clocks depends on it (not for every repair).
    needs_kind = any(r.application_kind and r.clock in kinds for r in rules)
    application_kind = _application_kind(order) if needs_kind else ""
    needs_category = any(r.category and r.clock in kinds for r in rules)
    category = _category_code(order) if needs_category else ""
    waiting = order.waiting_since is not None
    for kind in kinds:
        rule = _rule_for(rules, order, kind, application_kind, category)
        clock = clocks.get(kind)
        if rule is None or (clock is not None and clock.stopped_at is None):
            continue  # no commitment for this order, or it is already running
        clock = clock or SlaClock(order=order, clock=kind, step="")
        _start(clock, rule, policy, at)
        if waiting:
            _pause(clock, at)


def _policy_for(order: WorkOrder, clocks: dict[str, SlaClock]) -> SlaPolicy | None:
    """The policy the order started under (a switch changes new orders only), else the one
    in use."""
    for clock in clocks.values():
        return clock.rule.policy
    return SlaPolicy.objects.filter(in_use=True).first()


def _application_kind(order: WorkOrder) -> str:
    kind = (order.data or {}).get("application_kind")
    if isinstance(kind, str):
        return kind
    found = Application.objects.filter(order=order).values_list("kind", flat=True).first()
    return found or ""


def _category_code(order: WorkOrder) -> str:
    if order.category_id is None:
        return ""
    return (
        Category.objects.filter(pk=order.category_id).values_list("code", flat=True).first() or ""
    )


def _rule_for(
    rules: list[SlaRule], order: WorkOrder, clock: str, application_kind: str, category: str = ""
) -> SlaRule | None:
    """The most specific rule of the policy for this clock and order ("" = any)."""
    matching = [
        r
        for r in rules
        if r.clock == clock
        and not r.step
        and r.order_type in ("", order.order_type)
        and r.area_class in ("", order.area_class)
        and r.application_kind in ("", application_kind)
        and r.category in ("", category)
    ]
    matching.sort(
        key=lambda r: (
            bool(r.order_type),
            bool(r.category),
            bool(r.application_kind),
            bool(r.area_class),
        ),
        reverse=True,
    )
    return matching[0] if matching else None


# --- One clock ---


def is_working(clock: SlaClock) -> bool:
    return clock.unit == ClockUnit.WORKING_DAYS


def measure(clock: SlaClock, start: dt.datetime, end: dt.datetime) -> tuple[dt.timedelta, bool]:
    """Time between `start` and `end` in the clock's measure (negative if end < start)."""
    if not is_working(clock):
        return end - start, False
    if end < start:
        spent, provisional = clock_time.working_time_between(end, start)
        return -spent, provisional
    return clock_time.working_time_between(start, end)


def advance(clock: SlaClock, start: dt.datetime, amount: dt.timedelta) -> tuple[dt.datetime, bool]:
    """The moment `amount` after `start` in the clock's measure."""
    if not is_working(clock):
        return start + amount, False
    return clock_time.add_working_time(start, amount)


def _start(clock: SlaClock, rule: SlaRule, policy: SlaPolicy, at: dt.datetime) -> None:
    """(Re)start `clock` at `at` with `rule`'s full limit."""
    clock.rule, clock.unit, clock.limit = rule, rule.unit, rule.limit
    clock.started_at = at
    clock.paused_at = clock.stopped_at = clock.warned_at = clock.escalated_at = None
    clock.stopped_by = ""
    if rule.unit == ClockUnit.WORKING_DAYS:
        due = clock_time.working_deadline(accepted_at=at, working_days=rule.limit)
        clock.budget, _ = clock_time.working_time_between(at, due.at)
    else:
        hours = rule.limit / 60 if rule.unit == ClockUnit.MINUTES else rule.limit
        due = clock_time.hours_deadline(start=at, hours=hours)
        clock.budget = due.at - at
    clock.deadline_at, clock.provisional = due.at, due.provisional
    _schedule(clock, policy, at)
    clock.save()


def _schedule(clock: SlaClock, policy: SlaPolicy, ref: dt.datetime) -> None:
    """Set `warn_at` and `escalate_at` from the deadline, as seen from `ref`."""
    budget = clock.budget or dt.timedelta(0)
    left, p1 = measure(clock, ref, clock.deadline_at)
    reserve = budget * (1 - float(policy.warn_ratio))
    warn_due, p2 = advance(clock, ref, left - reserve) if left > reserve else (ref, False)
    clock.provisional = clock.provisional or p1 or p2
    if is_working(clock):
        hours = {"opens": policy.office_opens, "closes": policy.office_closes}
        clock.warn_at = clock_time.office_time(warn_due, **hours)
        clock.escalate_at = clock_time.office_time(clock.deadline_at + ONE_SECOND, **hours)
    else:  # repairs: 24/7, at once
        clock.warn_at = warn_due
        clock.escalate_at = clock.deadline_at


def _pause(clock: SlaClock, at: dt.datetime) -> None:
    if clock.paused_at is not None or clock.stopped_at is not None:
        return
    clock.paused_at = at
    clock.save(update_fields=["paused_at"])
    ClockPause.objects.create(clock=clock, started_at=at)


def _resume(clock: SlaClock, at: dt.datetime) -> None:
    """End the pause; the deadline moves by what the pause covered (nothing if the clock was
    already overdue when it was paused)."""
    if clock.paused_at is None:
        return
    paused_at = max(clock.paused_at, clock.started_at)
    left, p1 = measure(clock, paused_at, clock.deadline_at)
    if left > dt.timedelta(0):
        credit, p2 = measure(clock, paused_at, at)
        deadline, p3 = advance(clock, at, left) if at > paused_at else (clock.deadline_at, False)
        clock.deadline_at = deadline
        clock.provisional = clock.provisional or p1 or p2 or p3
    else:
        credit = dt.timedelta(0)
    clock.paused_at = None
    _schedule(clock, clock.rule.policy, at)
    clock.save()
    ClockPause.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=at, credit=credit)


def _stop(clock: SlaClock, at: dt.datetime, by: str) -> None:
    if clock.paused_at is not None:
        _resume(clock, at)
    clock.stopped_at, clock.stopped_by = at, by
    clock.save(update_fields=["stopped_at", "stopped_by"])


# --- Use cases ---


@transaction.atomic
def order_contact_record(*, actor: User, number: str, note: str = "") -> WorkOrderEvent:
    """Record that staff contacted the customer (a call back, a visit): an internal note
    event with `{"contact": true}`, which stops the complaint's first-contact clock."""
    order = order_get_for_user(user=actor, number=number)
    if actor.is_customer or not actor.has_perm(WORK):
        raise PermissionDeniedError(
            "service.order.forbidden_action", "您没有权限执行该操作", action="contact"
        )
    if order.state in CLOSED_STATES:
        raise Conflict("service.order.closed", "工单已关闭", state=order.state)
    event = WorkOrderEvent.objects.create(
        order=order,
        kind=EventKind.NOTE,
        from_state=order.state,
        to_state=order.state,
        actor=actor,
        note=note.strip() or "已联系客户",
        public=False,
        data={"contact": True},
    )
    clocks_apply(order=order, event=event)
    return event


@transaction.atomic
def sla_policy_use(*, actor: User | None, code: str) -> SlaPolicy:
    """Put policy `code` in use (and the previous one out): new orders get its limits;
    running clocks keep theirs."""
    policy = SlaPolicy.objects.select_for_update().filter(code=code).first()
    if policy is None:
        raise NotFound("service.sla.policy_not_found", "SLA 策略不存在", field="code")
    SlaPolicy.objects.filter(in_use=True).exclude(pk=policy.pk).update(in_use=False)
    if not policy.in_use:
        SlaPolicy.objects.filter(pk=policy.pk).update(in_use=True)
        policy.in_use = True
    audit_record(actor=actor, action="service.sla.policy_use", obj=policy)
    return policy


@transaction.atomic
def clocks_recompute(*, years: list[int] | None = None, now: dt.datetime | None = None) -> int:
    """Recompute every running working-day clock whose deadline is provisional (and whose
    span touches `years`, if given): from its start, on the current calendar, plus the
    credit of its finished pauses. Returns how many were recomputed."""
    now = now or timezone.now()
    clocks = list(
        SlaClock.objects.select_for_update(of=("self",))
        .filter(provisional=True, stopped_at__isnull=True, unit=ClockUnit.WORKING_DAYS)
        .select_related("rule__policy")
        .prefetch_related("pauses")
    )
    done = 0
    for clock in clocks:
        if years and not _touches(clock, set(years)):
            continue
        _recompute(clock, now)
        done += 1
    return done


def _touches(clock: SlaClock, years: set[int]) -> bool:
    first = clock_time.beijing_date(clock.started_at).year
    last = clock_time.beijing_date(clock.deadline_at).year
    return any(first <= year <= last for year in years)


def _recompute(clock: SlaClock, now: dt.datetime) -> None:
    due = clock_time.working_deadline(accepted_at=clock.started_at, working_days=clock.limit)
    budget, provisional = clock_time.working_time_between(clock.started_at, due.at)
    credit = dt.timedelta(0)
    for pause in clock.pauses.all():
        if pause.ended_at is None or not pause.credit or pause.started_at < clock.started_at:
            continue  # open (credited at resume), none given, or from an earlier round
        got, guessed = clock_time.working_time_between(pause.started_at, pause.ended_at)
        credit += got
        provisional |= guessed
    deadline, shifted = clock_time.add_working_time(due.at, credit)
    clock.budget, clock.deadline_at = budget, deadline
    clock.provisional = due.provisional or provisional or shifted
    _schedule(clock, clock.rule.policy, max(now, clock.started_at))
    clock.save()


def on_calendar_changed(sender: Any, years: list[int], **kwargs: Any) -> None:
    """Receiver for `gridcare.core.signals.calendar_changed` (connect in ServiceConfig.ready)."""
    clocks_recompute(years=list(years))
