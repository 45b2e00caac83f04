"""The monitoring story of the demo year (issue 28 §7), laid over the drafted orders.

The drafter (`orders_draft`) gives a plausible but even year; the dashboards need a year
with a plot. This module changes the drafted orders in place, with its own seeded random
stream (so the drafter's stream, and its tests, stay as they are):

- **A weak spot**: the third station (`WEAK_STATION`) reaches repairs late more often all
  year, and every station is late more often on storm days (the arrival and everything
  after it move later, so the SLA clocks built from the events show it).
- **A complaint spike**: in the month of the late-summer typhoon, supply-quality and outage
  complaints of the year gather in the weak station (its customers complain about the slow
  repairs), several times its monthly average.
- **Satisfaction dips, then recovers**: ratings fall in that station in the spike month and
  less so in the month after, bureau-wide a little; later months are as before.
- **Most consultations are settled on the first call** (首问负责制): taken and answered on
  the spot by whoever accepted them, never dispatched, so first-contact resolution reads
  as a 95598 centre's does instead of zero.
- **Online grows**: month by month more orders come through WeChat, H5, the web and Alipay
  instead of the hotline and the hall (线上办电率 rises).

The hall's falling waiting times are the contacts' part (`history_contacts`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from gridcare.demo.orders_draft import ARRIVAL_LIMIT, HistoryOrder, Premise, StormDay
from gridcare.demo.plan import LOCAL_TZ
from gridcare.service.choices import EventKind, OrderState, OrderType, Origin

#: Index of the station whose repairs are slow (the third, with the most remote 台区).
WEAK_STATION = 2
#: Extra chance that a repair arrives late: in the weak station, and on any storm day.
WEAK_LATE = 0.22
STORM_LATE = 0.25
#: Share of the year's complaints moved into the weak station's spike month (at least 4).
SPIKE_SHARE = 0.12
SPIKE_GROUPS = ("supply_quality", "outage")
#: Chance a rating drops by two stars: (weak station, elsewhere) in the spike month, then
#: in the month after; recovered from the second month on.
DIP = ((0.55, 0.2), (0.3, 0.08))
#: Chance an offline order came online instead, reached on the demo's last day (linear
#: from zero a year before); repairs move less (a blackout is still phoned in).
ONLINE_RAMP: dict[str, float] = {OrderType.FAULT_REPAIR: 0.25}
ONLINE_RAMP_OTHERS = 0.55
OFFLINE = frozenset({Origin.HOTLINE, Origin.BUSINESS_HALL})
ONLINE_CHOICES = ((Origin.WECHAT, 40), (Origin.H5, 40), (Origin.WEB, 12), (Origin.ALIPAY, 8))
#: Share of consultations answered on the spot (the rest go to a handler as drafted).
FIRST_CONTACT_SHARE = 0.8
_COMMENTS = {
    1: "处理太慢，很不满意",
    2: "等了很久",
    3: "一般",
    4: "满意",
    5: "非常满意，师傅辛苦了",
}


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_TZ).date()


def spike_month(storms: dict[dt.date, StormDay], until: dt.date) -> dt.date:
    """First day of the month the complaints spike in: the typhoon's (the strongest storm),
    else four months before the end."""
    typhoon = [s.day for s in storms.values() if s.factor == max(x.factor for x in storms.values())]
    day = min(typhoon) if typhoon else until - dt.timedelta(days=120)
    return day.replace(day=1)


class Story:
    def __init__(
        self,
        *,
        seed: int,
        until: dt.date,
        end: dt.datetime,
        storms: dict[dt.date, StormDay],
        premises: list[Premise],
    ) -> None:
        self.rng = random.Random(f"demo-story:{seed}")
        # Its own stream, so the story's other draws stay as they were.
        self.first_contact_rng = random.Random(f"demo-first-contact:{seed}")
        self.until, self.end, self.storms = until, end, storms
        self.first = until - dt.timedelta(days=364)
        self.weak = [p for p in premises if p.station == WEAK_STATION] or premises
        self.spike = spike_month(storms, until)

    def apply(self, orders: list[HistoryOrder]) -> None:
        live = [o for o in orders if o.state == OrderState.ARCHIVED]
        for order in live:
            if order.order_type == OrderType.FAULT_REPAIR:
                self._maybe_late(order)
        self._spike(live)
        for order in live:
            self._dip(order)
        for order in orders:
            self._online(order)
        for order in live:
            self._first_contact(order)

    # --- First-contact resolution ---

    def _first_contact(self, order: HistoryOrder) -> None:
        if order.order_type != OrderType.CONSULTATION:
            return
        if self.first_contact_rng.random() >= FIRST_CONTACT_SHARE:
            return
        kinds = [event.kind for event in order.events]
        if EventKind.DISPATCH not in kinds or kinds.count(EventKind.RESOLVE) != 1:
            return
        minutes = self.first_contact_rng.randint(3, 25)
        answered = order.created_at + dt.timedelta(minutes=minutes)
        if local_day(answered) == local_day(order.created_at):
            _answered_on_the_spot(order, answered)

    # --- The weak spot ---

    def _maybe_late(self, order: HistoryOrder) -> None:
        chance = (WEAK_LATE if order.premise.station == WEAK_STATION else 0.0) + (
            STORM_LATE if local_day(order.created_at) in self.storms else 0.0
        )
        if order.late or self.rng.random() >= chance:
            return
        at = {e.kind: i for i, e in enumerate(order.events)}
        arrive = at.get(EventKind.ARRIVE)
        if arrive is None:
            return
        limit = ARRIVAL_LIMIT[order.premise.area_class]
        target = order.created_at + dt.timedelta(minutes=limit + self.rng.randint(5, limit))
        delta = target - order.events[arrive].at
        if delta > dt.timedelta(0) and order.events[-1].at + delta < self.end:
            _shift(order, arrive, delta)
            order.late = True
            if order.rating is not None and self.rng.random() < 0.6:
                _rate(order, max(1, order.rating - 2))

    # --- The spike ---

    def _spike(self, orders: list[HistoryOrder]) -> None:
        complaints = [o for o in orders if o.order_type == OrderType.COMPLAINT]
        wanted = max(4, round(SPIKE_SHARE * len(complaints)))
        start = self.spike
        stop = (start + dt.timedelta(days=32)).replace(day=1)
        days = [d for d in _days(start, stop) if self.first <= d <= self.until]
        movable = [
            o
            for o in complaints
            if o.category_code.split(".", 1)[0] in SPIKE_GROUPS and not start <= local_day(o.created_at) < stop
        ]  # fmt: skip
        if not days or not movable:
            return
        weights = [3.0 if d in self.storms else 1.0 for d in days]
        step = max(1, len(movable) // wanted)
        for order in movable[::step][:wanted]:
            day = self.rng.choices(days, weights=weights)[0]
            local = order.created_at.astimezone(LOCAL_TZ)
            moment = dt.datetime.combine(day, local.time(), tzinfo=LOCAL_TZ)
            delta = moment - order.created_at
            if order.events[-1].at + delta >= self.end:
                continue
            _shift(order, 0, delta)
            order.premise = self.rng.choice(self.weak)

    # --- Satisfaction ---

    def _dip(self, order: HistoryOrder) -> None:
        if order.rating is None:
            return
        month = local_day(order.created_at).replace(day=1)
        after = (self.spike + dt.timedelta(days=32)).replace(day=1)
        phase = 0 if month == self.spike else 1 if month == after else None
        if phase is None:
            return
        chance = DIP[phase][0 if order.premise.station == WEAK_STATION else 1]
        if self.rng.random() < chance:
            _rate(order, max(1, order.rating - 2))

    # --- Online ---

    def _online(self, order: HistoryOrder) -> None:
        if order.origin not in OFFLINE:
            return
        share = (local_day(order.created_at) - self.first).days / 364
        ramp = ONLINE_RAMP.get(order.order_type, ONLINE_RAMP_OTHERS)
        if self.rng.random() >= ramp * share:
            return
        origins = [o for o, _ in ONLINE_CHOICES]
        order.origin = self.rng.choices(origins, weights=[w for _, w in ONLINE_CHOICES])[0]
        # Nobody at the hotline or the counter accepted it: the customer filed it.
        order.events[0] = replace(order.events[0], role="")


def _answered_on_the_spot(order: HistoryOrder, answered: dt.datetime) -> None:
    """The drafted hand-over (dispatch, a handler's take and reply) replaced by the
    accepting agent taking the order at once and resolving it at `answered`."""
    taken = order.created_at + dt.timedelta(minutes=1)
    events = []
    for event in order.events:
        if event.kind == EventKind.DISPATCH:
            continue
        if event.kind == EventKind.TAKE:
            event = replace(event, at=taken, from_state=OrderState.ACCEPTED, role="agent")
        elif event.kind == EventKind.RESOLVE:
            event = replace(event, at=answered, role="agent")
        events.append(event)
    order.events = events
    order.resolved_at = answered
    order.team = ""


def _days(start: dt.date, stop: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((stop - start).days)]


def _shift(order: HistoryOrder, first: int, delta: dt.timedelta) -> None:
    """Move the events from index `first` on by `delta`, and the order's times with them."""
    order.events[first:] = [replace(e, at=e.at + delta) for e in order.events[first:]]
    if first == 0:
        order.created_at += delta
    resolve = [e.at for e in order.events if e.kind == EventKind.RESOLVE]
    order.resolved_at = resolve[-1] if resolve else order.resolved_at
    last = order.events[-1]
    if last.kind in (EventKind.ARCHIVE, EventKind.CANCEL, EventKind.MERGE):
        order.closed_at = last.at


def _rate(order: HistoryOrder, rating: int) -> None:
    order.rating, order.rating_comment = rating, _COMMENTS[rating]
    order.events = [
        replace(e, note=order.rating_comment, data={"rating": rating})
        if e.kind == EventKind.RATED
        else e
        for e in order.events
    ]


def story_apply(
    orders: list[HistoryOrder],
    *,
    seed: int,
    until: dt.date,
    end: dt.datetime,
    storms: dict[dt.date, StormDay],
    premises: list[Premise],
) -> dt.date:
    """Lay the story over `orders` in place (their order in the list stays: merged orders
    point at their parent by index); returns the first day of the spike month."""
    story = Story(seed=seed, until=until, end=end, storms=storms, premises=premises)
    story.apply(orders)
    return story.spike
