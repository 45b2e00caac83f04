"""The SLA sweep: the 80 % warning and the overdue escalation, once per clock per level.

`sla_sweep` reads only the clocks that are due (`warn_at`/`escalate_at` <= now, through the
partial indexes `sla_clock_warn_due` / `sla_clock_escalate_due`), claims each by
compare-and-set on `warned_at`/`escalated_at` IS NULL, and in the same transaction writes
the order's `sla_warning`/`sla_overdue` event and the staff notices (notify, SMS included).
Several workers may sweep at once: a clock is claimed by exactly one.

Who is told:
- warning: the assignee; else the members of the order's team; else the managers.
- overdue: the managers of the order's org unit, or of its nearest ancestor that has one
  (staff with the manager role).

When: `warn_at`/`escalate_at` already hold the moment a notice may go out (services.sla):
for working-day clocks inside office hours of a working day, for repairs at once, 24/7.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gridcare.core.models import User
from gridcare.notify.services import staff_notice_send
from gridcare.service.choices import ClockKind, EventKind
from gridcare.service.models import SlaClock, WorkOrder, WorkOrderEvent
from gridcare.service.services.clock_time import CHINA_TZ
from gridcare.service.services.staff_lookup import managers_of, staff_of

WARNING, OVERDUE = "warning", "overdue"
BATCH = 200


@dataclass
class SweepTally:
    warned: int = 0
    escalated: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"warned": self.warned, "escalated": self.escalated}


def sla_sweep(*, now: dt.datetime | None = None) -> SweepTally:
    """Send every warning and escalation that is due. Returns how many of each."""
    now = now or timezone.now()
    tally = SweepTally()
    live = SlaClock.objects.filter(stopped_at__isnull=True, paused_at__isnull=True)
    while ids := list(
        live.filter(escalated_at__isnull=True, escalate_at__lte=now).values_list("pk", flat=True)[
            :BATCH
        ]
    ):
        tally.escalated += sum(_notify(pk, OVERDUE, now) for pk in ids)
    while ids := list(
        live.filter(warned_at__isnull=True, warn_at__lte=now).values_list("pk", flat=True)[:BATCH]
    ):
        tally.warned += sum(_notify(pk, WARNING, now) for pk in ids)
    return tally


@transaction.atomic
def _notify(pk: int, level: str, now: dt.datetime) -> bool:
    """Claim one clock for `level` and tell people; False if another sweep got it first."""
    live = SlaClock.objects.filter(pk=pk, stopped_at__isnull=True, paused_at__isnull=True)
    if level == OVERDUE:
        # An escalation makes a warning not yet sent pointless: it is marked sent too.
        claimed = live.filter(escalated_at__isnull=True, escalate_at__lte=now).update(
            escalated_at=now, warned_at=Coalesce("warned_at", Value(now))
        )
    else:
        claimed = live.filter(warned_at__isnull=True, warn_at__lte=now).update(warned_at=now)
    if not claimed:
        return False
    clock = SlaClock.objects.select_related("order").get(pk=pk)
    order = clock.order
    WorkOrderEvent.objects.create(
        order=order,
        kind=EventKind.SLA_OVERDUE if level == OVERDUE else EventKind.SLA_WARNING,
        from_state=order.state,
        to_state=order.state,
        at=now,
        public=False,
        data={"clock": clock.clock, "deadline": clock.deadline_at.isoformat()},
    )
    users = managers_of(order) if level == OVERDUE else _handlers(order)
    with translation.override("zh-hans"):
        title, body = _texts(clock, level)
    staff_notice_send(
        users=users,
        kind=f"sla.{level}",
        title=title,
        body=body,
        link=f"/console/orders/{order.number}/",
        idempotency_key=f"sla:{clock.pk}:{clock.started_at.timestamp():.0f}:{level}",
    )
    return True


def _handlers(order: WorkOrder) -> list[User]:
    if order.assignee_id is not None and order.assignee is not None:
        return [order.assignee]
    if order.team is not None and (members := list(staff_of(order.team))):
        return members
    return managers_of(order)


def _clock_name(kind: str) -> str:
    names = {
        ClockKind.REPAIR_ARRIVAL: pgettext("sla notice", "Repair arrival"),
        ClockKind.REPAIR_RESTORATION: pgettext("sla notice", "Restoration"),
        ClockKind.COMPLAINT_CONTACT: pgettext("sla notice", "Complaint first contact"),
        ClockKind.COMPLAINT_REPLY: pgettext("sla notice", "Complaint reply"),
        ClockKind.REPLY: pgettext("sla notice", "Reply to the customer"),
        ClockKind.APPLICATION_STEP: pgettext("sla notice", "Application step"),
        ClockKind.RECONNECTION: pgettext("sla notice", "Reconnection"),
        ClockKind.DISCONNECTION: pgettext("sla notice", "Disconnection"),
    }
    return names.get(ClockKind(kind), kind)


def _texts(clock: SlaClock, level: str) -> tuple[str, str]:
    name = _clock_name(clock.clock)
    deadline = clock.deadline_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    number = clock.order.number
    if level == OVERDUE:
        return (
            _("Order %(number)s is overdue") % {"number": number},
            _("%(clock)s was due at %(deadline)s and has not been met.")
            % {"clock": name, "deadline": deadline},
        )
    return (
        _("Order %(number)s is nearly due") % {"number": number},
        _("%(clock)s is due at %(deadline)s.") % {"clock": name, "deadline": deadline},
    )
