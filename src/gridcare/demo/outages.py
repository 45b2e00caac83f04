"""The demo's outages: a terminal (集中器) on every 台区 and a year of outage history ending
the day before `until`, written in bulk so the reliability report and the ETR history have
data from the first start.

- **Unplanned**: 10 kV feeder trips (about 1.5 a feeder a year, more in the summer storm
  season) and 台区 faults (about 0.4 a 台区 a year); the cause follows the season
  (weather and overload in summer, equipment the rest of the year) and the duration is
  log-normal around the cause's median. A feeder trip is restored in up to three steps
  (the crew sectionalises), so its customers get their supply back at different times.
- **Planned**: maintenance on a section of each feeder (a third of its 台区, about twice a
  year, 08:00 to 14:00–18:00 on a working day, announced a week before), and a few
  temporary repairs of single 台区.
- Two planned outages announced for the coming week, so the portal search has something
  to find. The live outage comes through the real pipeline: `live_outage_feeder` names
  the feeder to trip (`gridcare outages simulate --scenario feeder-trip --feeder CODE`).

Every row is built in memory (seeded) and written with bulk_create; numbers follow the
`TD<yyyymmdd><pk>` rule of outages.services.records.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from gridcare.core.models import OrgUnit
from gridcare.customers.models import AccountMeter
from gridcare.demo.plan import LOCAL_TZ, DemoPlan
from gridcare.demo.topology import OrgTree
from gridcare.grid.models import Feeder, Terminal, Transformer
from gridcare.outages.choices import (
    OutageCause,
    OutageEventKind,
    OutageKind,
    OutageLevel,
    OutageState,
)
from gridcare.outages.models import Outage, OutageCustomer, OutageEvent, PowerEvent
from gridcare.outages.services.records import outage_number

BATCH_SIZE = 5_000
FEEDER_TRIPS_PER_YEAR = 1.5
TRANSFORMER_FAULTS_PER_YEAR = 0.4
PLANNED_PER_FEEDER_PER_YEAR = 2
PLANNED_SECTION_SHARE = 1 / 3
TEMPORARY_PER_YEAR = 6
#: Median minutes to restore, by cause (the history the ETR estimate learns from).
MEDIAN_MINUTES: dict[str, int] = {
    OutageCause.WEATHER: 150,
    OutageCause.EQUIPMENT: 100,
    OutageCause.EXTERNAL: 120,
    OutageCause.OVERLOAD: 60,
}
SUMMER = (6, 7, 8, 9)
#: Summer months weigh this much more when drawing an unplanned outage's day.
SUMMER_WEIGHT = 2.5


@dataclass
class _Draft:
    """One outage before it is written: the row and its customers' (account, transformer,
    feeder, off, on) tuples."""

    outage: Outage
    customers: list[tuple[int, int, int, dt.datetime, dt.datetime | None]] = field(
        default_factory=list
    )
    events: list[tuple[str, dt.datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class Topology:
    feeders: list[Feeder]
    transformers_of: dict[int, list[Transformer]]  # feeder id → its 台区
    accounts_of: dict[int, list[int]]  # transformer id → account ids


def demo_terminals_create(units: QuerySet[OrgUnit]) -> int:
    """A terminal `TM-<台区 code>` on every demo 台区 that has none."""
    missing = Transformer.objects.filter(org_unit__in=units, terminals__isnull=True)
    created = Terminal.objects.bulk_create(
        [Terminal(code=f"TM-{t.code}", transformer=t) for t in missing], batch_size=BATCH_SIZE
    )
    return len(created)


def _topology(units: QuerySet[OrgUnit]) -> Topology:
    transformers = list(
        Transformer.objects.filter(org_unit__in=units)
        .select_related("feeder__substation")
        .order_by("feeder_id", "code")
    )
    transformers_of: dict[int, list[Transformer]] = defaultdict(list)
    for transformer in transformers:
        transformers_of[transformer.feeder_id].append(transformer)
    feeders = sorted({t.feeder for t in transformers}, key=lambda f: f.code)
    accounts_of: dict[int, list[int]] = defaultdict(list)
    links = AccountMeter.objects.filter(meter__transformer__in=transformers).values_list(
        "meter__transformer_id", "account_id"
    )
    for transformer_id, account_id in links:
        accounts_of[transformer_id].append(account_id)
    return Topology(feeders=feeders, transformers_of=transformers_of, accounts_of=accounts_of)


def _day_weights(first: dt.date, days: int) -> list[float]:
    return [
        SUMMER_WEIGHT if (first + dt.timedelta(days=n)).month in SUMMER else 1.0
        for n in range(days)
    ]


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: the count is small (a few a year)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _cause(rng: random.Random, day: dt.date) -> str:
    if day.month in SUMMER:
        return rng.choices(
            [
                OutageCause.WEATHER,
                OutageCause.OVERLOAD,
                OutageCause.EQUIPMENT,
                OutageCause.EXTERNAL,
            ],
            weights=[5, 3, 2, 1],
        )[0]
    return rng.choices(
        [OutageCause.EQUIPMENT, OutageCause.EXTERNAL, OutageCause.WEATHER], weights=[5, 2, 1]
    )[0]


def _minutes(rng: random.Random, cause: str, *, feeder: bool) -> int:
    median = MEDIAN_MINUTES[cause] * (0.8 if feeder else 1.0)
    return max(8, min(720, round(rng.lognormvariate(math.log(median), 0.5))))


def _moment(day: dt.date, rng: random.Random, hours: tuple[int, int]) -> dt.datetime:
    minute = rng.randrange(hours[0] * 60, hours[1] * 60)
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=LOCAL_TZ)


def _outage(first: Transformer, **fields: object) -> Outage:
    """An outage row of the feeder (and org unit) of `first`, with a provisional number."""
    return Outage(
        number=f"P{uuid.uuid4().hex[:18]}",
        substation=first.feeder.substation,
        feeder=first.feeder,
        org_unit=first.org_unit,
        **fields,
    )


def _unplanned(
    rng: random.Random, topo: Topology, day: dt.date, areas: list[Transformer], *, feeder: bool
) -> _Draft:
    cause = _cause(rng, day)
    start = _moment(day, rng, (0, 24))
    minutes = _minutes(rng, cause, feeder=feeder)
    restored = start + dt.timedelta(minutes=minutes)
    estimate = MEDIAN_MINUTES[cause]
    draft = _Draft(
        _outage(
            areas[0],
            kind=OutageKind.UNPLANNED,
            level=OutageLevel.FEEDER if feeder else OutageLevel.TRANSFORMER,
            state=OutageState.RESTORED,
            transformer=None if feeder else areas[0],
            cause=cause,
            starts_at=start,
            detected_at=start + dt.timedelta(seconds=rng.randrange(20, 90)),
            etr_at=start + dt.timedelta(minutes=estimate),
            etr_basis={"method": "cause_season", "n": 20, "median_minutes": estimate},
            restored_at=restored,
            created_at=start,
        )
    )
    # A feeder comes back in up to three steps, each 台区 with its step.
    steps = [*sorted(rng.uniform(0.4, 1.0) for _ in range(2)), 1.0] if feeder else [1.0]
    for transformer in areas:
        back = start + dt.timedelta(minutes=minutes * rng.choice(steps))
        for account_id in topo.accounts_of.get(transformer.pk, ()):
            off = start + dt.timedelta(seconds=rng.randrange(0, 40))
            draft.customers.append((account_id, transformer.pk, transformer.feeder_id, off, back))
    draft.events = [
        (OutageEventKind.DETECTED, start + dt.timedelta(minutes=1)),
        (OutageEventKind.ETR_SET, start + dt.timedelta(minutes=3)),
        (OutageEventKind.RESTORED, restored),
    ]
    return draft


def _planned(
    rng: random.Random, topo: Topology, day: dt.date, areas: list[Transformer], *, kind: str
) -> _Draft:
    start = dt.datetime.combine(day, dt.time(8, 0), tzinfo=LOCAL_TZ)
    end = start + dt.timedelta(hours=rng.choice((6, 8, 10)) if kind == "maintenance" else 4)
    restored = end - dt.timedelta(minutes=rng.randrange(0, 50))
    published = start - dt.timedelta(days=8 if kind == "maintenance" else 2)
    draft = _Draft(
        _outage(
            areas[0],
            kind=OutageKind.PLANNED,
            planned_type=kind,
            level=OutageLevel.FEEDER if len(areas) > 1 else OutageLevel.TRANSFORMER,
            state=OutageState.RESTORED,
            transformer=areas[0] if len(areas) == 1 else None,
            cause=OutageCause.MAINTENANCE,
            reason=f"{areas[0].feeder.name} 设备检修" if len(areas) > 1 else "台区设备临时检修",
            starts_at=start,
            ends_at=end,
            restored_at=restored,
            published_at=published,
            created_at=published - dt.timedelta(days=1),
        )
    )
    for transformer in areas:
        for account_id in topo.accounts_of.get(transformer.pk, ()):
            draft.customers.append(
                (account_id, transformer.pk, transformer.feeder_id, start, restored)
            )
    draft.events = [
        (OutageEventKind.PUBLISHED, published),
        (OutageEventKind.STARTED, start),
        (OutageEventKind.RESTORED, restored),
    ]
    return draft


def _working_day(rng: random.Random, days: list[dt.date]) -> dt.date:
    day = rng.choice(days)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _section(rng: random.Random, areas: list[Transformer]) -> list[Transformer]:
    size = max(1, round(len(areas) * PLANNED_SECTION_SHARE))
    first = rng.randrange(0, max(1, len(areas) - size + 1))
    return areas[first : first + size]


def _history(rng: random.Random, topo: Topology, until: dt.date) -> list[_Draft]:
    first = until - dt.timedelta(days=365)
    days = [first + dt.timedelta(days=n) for n in range(365)]  # ends the day before `until`
    weights = _day_weights(first, 365)
    drafts: list[_Draft] = []
    for feeder in topo.feeders:
        areas = topo.transformers_of[feeder.pk]
        for day in rng.choices(days, weights=weights, k=_poisson(rng, FEEDER_TRIPS_PER_YEAR)):
            drafts.append(_unplanned(rng, topo, day, areas, feeder=True))
        for transformer in areas:
            count = _poisson(rng, TRANSFORMER_FAULTS_PER_YEAR)
            for day in rng.choices(days, weights=weights, k=count):
                drafts.append(_unplanned(rng, topo, day, [transformer], feeder=False))
        for _ in range(PLANNED_PER_FEEDER_PER_YEAR):
            day = _working_day(rng, days[7:])
            drafts.append(_planned(rng, topo, day, _section(rng, areas), kind="maintenance"))
    every_area = [t for f in topo.feeders for t in topo.transformers_of[f.pk]]
    for _ in range(TEMPORARY_PER_YEAR):
        day = _working_day(rng, days[7:])
        drafts.append(_planned(rng, topo, day, [rng.choice(every_area)], kind="temporary"))
    return drafts


def _announced(rng: random.Random, topo: Topology, until: dt.date) -> list[_Draft]:
    """Two maintenance outages announced for the week after `until` (published, open)."""
    drafts = []
    for offset, feeder in zip((3, 6), rng.sample(topo.feeders, 2), strict=True):
        day = until + dt.timedelta(days=offset)
        draft = _planned(
            rng, topo, day, _section(rng, topo.transformers_of[feeder.pk]), kind="maintenance"
        )
        draft.outage.state = OutageState.PUBLISHED
        draft.outage.restored_at = None
        draft.customers = [(a, t, f, off, None) for a, t, f, off, _on in draft.customers]
        draft.events = draft.events[:1]
        drafts.append(draft)
    return drafts


def _write(drafts: list[_Draft]) -> dict[str, int]:
    for draft in drafts:
        draft.outage.affected_count = len(draft.customers)
    outages = Outage.objects.bulk_create([d.outage for d in drafts], batch_size=BATCH_SIZE)
    for outage in outages:
        outage.number = outage_number(created_at=outage.created_at, pk=outage.pk)
    Outage.objects.bulk_update(outages, ["number"], batch_size=BATCH_SIZE)
    customers = [
        OutageCustomer(
            outage=d.outage,
            account_id=account_id,
            transformer_id=transformer_id,
            feeder_id=feeder_id,
            off_at=off,
            on_at=on,
            notified_at=None
            if d.outage.kind == OutageKind.PLANNED
            else off + dt.timedelta(minutes=2),
            restored_notified_at=on,
        )
        for d in drafts
        for account_id, transformer_id, feeder_id, off, on in d.customers
    ]
    OutageCustomer.objects.bulk_create(customers, batch_size=BATCH_SIZE)
    events = [
        OutageEvent(outage=d.outage, kind=kind, at=at, data={})
        for d in drafts
        for kind, at in d.events
    ]
    OutageEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    return {
        "outages": len(outages),
        "outage_customers": len(customers),
        "outage_events": len(events),
    }


def demo_outages_create(*, tree: OrgTree, plan: DemoPlan, until: dt.date) -> dict[str, int]:
    """Terminals, the year of outage history ending the day before `until`, and two
    announced planned outages; returns rows written per kind."""
    units = OrgUnit.objects.filter(path__startswith=tree.bureau.path)
    terminals = demo_terminals_create(units)
    topo = _topology(units)
    if not topo.feeders:
        return {"terminals": terminals}
    rng = random.Random(plan.seed * 26 + 1)
    drafts = _history(rng, topo, until) + _announced(rng, topo, until)
    return {"terminals": terminals, **_write(drafts)}


def live_outage_feeder(tree: OrgTree) -> Feeder | None:
    """The feeder the demo's live outage trips (the lead's storm replays onto it): the
    first feeder of the first station, which serves the demo customer's town."""
    units = OrgUnit.objects.filter(path__startswith=tree.stations[0].path)
    transformer = Transformer.objects.filter(org_unit__in=units).order_by("feeder__code").first()
    return transformer.feeder if transformer else None


def demo_outages_delete(units: QuerySet[OrgUnit]) -> dict[str, int]:
    """The demo's outages (their customers and events cascade) and terminals, before the
    topology and accounts they protect."""
    _, events = PowerEvent.objects.filter(transformer__org_unit__in=units).delete()
    _, outages = Outage.objects.filter(org_unit__in=units).delete()
    _, terminals = Terminal.objects.filter(transformer__org_unit__in=units).delete()
    return {**events, **outages, **terminals}
