"""The monitoring benchmark's small world, through Django: the org tree, the network, the
staff, a few thousand customers with accounts, a notification template, and a work table
`bench_accounts` that numbers the accounts 1..N so the SQL of `generate.py` can pick one
with an index instead of a join on random ids.

Everything large (orders, contacts, clocks, visits, sessions, notices, payments) is written
by server-side SQL in `generate.py`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

BATCH = 5_000
STATIONS = 8
TEAMS_PER_STATION = 2
FEEDERS = 16
TRANSFORMERS = 200
AREA_CLASSES = ("urban", "urban", "rural", "rural", "remote")
#: Staff per station, by role (the agents and clerks are the scorecards' people).
STAFF = (("agent", 8), ("business_hall_clerk", 3), ("dispatcher", 1), ("field_crew", 6))
MANAGER = "bench-manager"


@dataclass
class World:
    bureau_id: int = 0
    stations: list[int] = field(default_factory=list)
    teams: list[int] = field(default_factory=list)
    agents: list[int] = field(default_factory=list)
    clerks: list[int] = field(default_factory=list)
    template_id: int = 0
    accounts: int = 0


def world_build(*, customers: int, seed: int) -> World:
    """Build the world; `customers` customers with one account each."""
    from gridcare.core.choices import OrgUnitKind
    from gridcare.core.services import org_unit_create, staff_user_create
    from gridcare.grid.services import feeder_create, substation_create, transformer_create
    from gridcare.notify.services import template_publish

    rng = random.Random(seed)
    world = World()
    bureau = org_unit_create(actor=None, code="BM", name="基准县供电局", kind=OrgUnitKind.BUREAU)
    world.bureau_id = bureau.pk
    stations = []
    for s in range(STATIONS):
        station = org_unit_create(
            actor=None, code=f"BM-S{s + 1}", name=f"基准供电所{s + 1}",
            kind=OrgUnitKind.STATION, parent=bureau,
        )  # fmt: skip
        stations.append(station)
        world.stations.append(station.pk)
        for t in range(TEAMS_PER_STATION):
            team = org_unit_create(
                actor=None, code=f"BM-S{s + 1}-T{t + 1}", name=f"班组{s + 1}-{t + 1}",
                kind=OrgUnitKind.TEAM, parent=station,
            )  # fmt: skip
            world.teams.append(team.pk)
        for role, count in STAFF:
            for n in range(count):
                user = staff_user_create(
                    actor=None, username=f"bm{s + 1}-{role}-{n}", display_name=f"员工{s}{role[:2]}{n}",
                    role=role, org_unit=station, password=None,
                )  # fmt: skip
                if role == "agent":
                    world.agents.append(user.pk)
                elif role == "business_hall_clerk":
                    world.clerks.append(user.pk)
    staff_user_create(
        actor=None, username=MANAGER, display_name="基准经理", role="manager", org_unit=bureau,
        password=None,
    )  # fmt: skip
    substation = substation_create(actor=None, code="BM-SUB", name="基准变", org_unit=bureau)
    feeders = [
        feeder_create(actor=None, substation=substation, code=f"BM-F{f}", name=f"基准线{f}")
        for f in range(FEEDERS)
    ]
    transformers = [
        transformer_create(
            actor=None,
            feeder=feeders[t % FEEDERS],
            code=f"BM-T{t:04d}",
            name=f"基准台区{t}",
            rated_kva=400,
            area_class=AREA_CLASSES[t % len(AREA_CLASSES)],
            org_unit=stations[t % STATIONS],
        )
        for t in range(TRANSFORMERS)
    ]
    world.accounts = _accounts(customers, stations, transformers, rng)
    world.template_id = template_publish(
        actor=None,
        code="bench.notice",
        channel="sms",
        purpose="service",
        body="您的工单{n}已处理。",
    ).pk
    return world


def _accounts(count: int, stations: list, transformers: list, rng: random.Random) -> int:
    import datetime as dt

    from django.db import connection

    from gridcare.customers.models import Account, Customer, Premise

    customers = Customer.objects.bulk_create(
        [Customer(kind="person", name=f"客户{i}", mobile=f"139{i:08d}") for i in range(count)],
        batch_size=BATCH,
    )
    premises = Premise.objects.bulk_create(
        [
            Premise(province="浙江省", city="丽水市", district="基准县", street="街道", detail=f"{i}号")
            for i in range(count)
        ],
        batch_size=BATCH,
    )  # fmt: skip
    accounts = Account.objects.bulk_create(
        [
            Account(
                number=f"{3300000000000 + i}", customer=c, premise=p,
                supply_unit=stations[i % len(stations)], registered_mobile=c.mobile,
                tariff_class="residential", contracted_capacity_kva=Decimal("8.0"),
                opened_on=dt.date(2020, 1, 1),
            )
            for i, (c, p) in enumerate(zip(customers, premises, strict=True))
        ],
        batch_size=BATCH,
    )  # fmt: skip
    rows = []
    for i, account in enumerate(accounts):
        # A station's accounts sit on its own 台区 (transformer t belongs to station t % 8).
        station = i % len(stations)
        t = transformers[
            station + len(stations) * rng.randrange(len(transformers) // len(stations))
        ]
        rows.append((i + 1, account.pk, account.customer_id, stations[station].pk, t.pk, t.feeder_id, t.area_class))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_accounts (idx integer PRIMARY KEY, account_id bigint, "
            "customer_id bigint, station_id bigint, transformer_id bigint, feeder_id bigint, "
            "area_class varchar(8))"
        )
        cursor.executemany("INSERT INTO bench_accounts VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)
    return len(rows)
