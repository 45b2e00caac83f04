"""The duty wall (值班大屏): what is happening now in the reader's scope.

Live figures come straight from the source apps' selectors, not from the facts (which are
rebuilt every few minutes): today's contacts by channel, open and overdue orders by type,
live outages, SLA clocks at risk, and today's alert firings. Each is one or two SQL
aggregates, so a wall polling every 15 s costs a handful of cheap queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from gridcare.core.models import User
from gridcare.core.selectors import org_units_in_scope
from gridcare.customers.wall_selectors import ChannelCount, contacts_on_day_by_channel
from gridcare.monitoring.models import AlertFiring
from gridcare.outages.choices import OutageLevel, OutageState
from gridcare.outages.selectors.board import BoardSummary, outage_board_summary, outages_visible_to
from gridcare.service.wall_selectors import OpenOrders, SlaRisk, open_orders_by_type, sla_risk

if TYPE_CHECKING:
    from gridcare.outages.models import Outage

#: The wall lists this many live outages and alert firings (the counts cover them all).
OUTAGES_SHOWN = 6
FIRINGS_SHOWN = 10


@dataclass(frozen=True)
class Wall:
    now: dt.datetime
    contacts: list[ChannelCount]
    orders: list[OpenOrders]
    outages: BoardSummary
    live_outages: list[Outage]
    risk: SlaRisk
    firings: list[AlertFiring]

    @property
    def contacts_total(self) -> int:
        return sum(c.total for c in self.contacts)

    @property
    def open_total(self) -> int:
        return sum(o.open for o in self.orders)

    @property
    def overdue_total(self) -> int:
        return sum(o.overdue for o in self.orders)


def firings_today(*, user: User, now: dt.datetime) -> QuerySet[AlertFiring]:
    """Today's alert firings for units within the reader's scope, newest first; a firing
    with no unit (every unit's rule) only for a reader who sees every unit."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    firings = AlertFiring.objects.filter(fired_at__gte=start).select_related("rule", "org_unit")
    if user.is_superuser and user.org_unit is None:
        return firings
    return firings.filter(org_unit__in=org_units_in_scope(user))


def live_outages(*, user: User) -> list[Outage]:
    """Feeder and 台区 outages in progress within the reader's scope, longest first."""
    return list(
        outages_visible_to(user)
        .filter(state=OutageState.ACTIVE)
        .exclude(level=OutageLevel.CUSTOMER)
        .select_related("feeder", "transformer")
        .order_by("starts_at", "pk")[:OUTAGES_SHOWN]
    )


def duty_wall(*, user: User, now: dt.datetime | None = None) -> Wall:
    moment = now or timezone.now()
    return Wall(
        now=moment,
        contacts=contacts_on_day_by_channel(user=user, day=timezone.localdate(moment)),
        orders=open_orders_by_type(user=user, now=moment),
        outages=outage_board_summary(user=user),
        live_outages=live_outages(user=user),
        risk=sla_risk(user=user, now=moment),
        firings=list(firings_today(user=user, now=moment)[:FIRINGS_SHOWN]),
    )
