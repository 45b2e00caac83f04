"""What the demo's orders stand on: service areas, the people who handle orders, the
accounts orders are about, and the moved clock that live orders are created under.

- **Service areas**: each station's repair team (抢修班) answers for the station's 台区.
- **Handlers**: besides the demo logins (agent, dispatcher and crew of station 1), each
  station gets an agent, a dispatcher, two repair-crew members and a 营配班 handler, with
  no password (they appear as the actors of events and act on live orders).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import time_machine

from gridcare.core.choices import Role
from gridcare.core.models import OrgUnit, User
from gridcare.core.services import staff_user_create
from gridcare.customers.models import Account, AccountMeter
from gridcare.demo.orders_draft import ARRIVAL_LIMIT, Premise
from gridcare.demo.people import PeopleFactory
from gridcare.demo.topology import OrgTree
from gridcare.grid.models import Transformer
from gridcare.service.models import ServiceArea

BATCH_SIZE = 2_000
CHUNK = 500


@dataclass
class Handlers:
    """Who acts on one station's orders, by role."""

    agent: User
    dispatcher: User
    crew: list[User]
    handlers: list[User]

    def pick(self, role: str, rng: random.Random) -> User | None:
        if role == "agent":
            return self.agent
        if role == "dispatcher":
            return self.dispatcher
        if role == "crew":
            return rng.choice(self.crew)
        if role == "handler":
            return rng.choice(self.handlers)
        return None

    def first(self, role: str) -> User:
        """The same person for every step of a live order (the demo logins at station 1)."""
        return {"agent": self.agent, "dispatcher": self.dispatcher, "crew": self.crew[0],
                "handler": self.handlers[0]}[role]  # fmt: skip


def service_areas_create(tree: OrgTree) -> int:
    """Each station's repair team serves the station's transformers."""
    rows = [
        ServiceArea(team=teams[0], transformer_id=pk)
        for station, teams in zip(tree.stations, tree.teams, strict=True)
        for pk in Transformer.objects.filter(org_unit=station).order_by("pk").values_list("pk", flat=True)
    ]  # fmt: skip
    return len(ServiceArea.objects.bulk_create(rows, batch_size=BATCH_SIZE))


def handlers_create(tree: OrgTree, *, seed: int) -> list[Handlers]:
    """One `Handlers` per station; station 1 uses the demo logins where they exist."""
    people = PeopleFactory(seed=seed + 7)
    existing = {u.username: u for u in User.objects.filter(username__startswith="demo-")}

    def person(username: str, role: str, unit: OrgUnit) -> User:
        return staff_user_create(
            actor=None, username=username, display_name=people.person().name, role=role,
            org_unit=unit, password=None, mobile=people.mobile(),
        )  # fmt: skip

    result = []
    for index, (station, teams) in enumerate(zip(tree.stations, tree.teams, strict=True)):
        prefix = f"qx{index + 1}"
        agent = existing.get("demo-agent") if index == 0 else None
        dispatcher = existing.get("demo-dispatcher") if index == 0 else None
        crew_login = existing.get("demo-crew") if index == 0 else None
        agent = agent or person(f"{prefix}-agent", Role.AGENT, station)
        dispatcher = dispatcher or person(f"{prefix}-dispatcher", Role.DISPATCHER, teams[0])
        crew = (
            [crew_login] if crew_login else [person(f"{prefix}-crew0", Role.FIELD_CREW, teams[0])]
        )
        crew.append(person(f"{prefix}-crew1", Role.FIELD_CREW, teams[0]))
        handlers = [person(f"{prefix}-yp1", Role.FIELD_CREW, teams[1])]
        result.append(Handlers(agent, dispatcher, crew, handlers))
    return result


def premises_load(tree: OrgTree) -> list[Premise]:
    """Every demo account with its 台区, feeder, station and area class, by account id."""
    station_index = {unit.pk: i for i, unit in enumerate(tree.stations)}
    links = (
        AccountMeter.objects.filter(
            account__supply_unit__in=tree.stations, meter__transformer__isnull=False
        )
        .order_by("account_id", "meter_id")
        .values_list(
            "account_id", "meter__transformer_id", "meter__transformer__feeder_id",
            "account__supply_unit_id", "meter__transformer__area_class",
        )
    )  # fmt: skip
    premises: dict[int, Premise] = {}
    for account, transformer, feeder, unit, area in links:
        if account not in premises:
            area = area if area in ARRIVAL_LIMIT else "urban"
            premises[account] = Premise(account, transformer, feeder, station_index[unit], area)
    return list(premises.values())


@dataclass(frozen=True)
class AccountInfo:
    number: str
    customer_id: int
    name: str
    mobile: str
    address: str


def accounts_info(ids: list[int]) -> dict[int, AccountInfo]:
    info: dict[int, AccountInfo] = {}
    fields = ("pk", "number", "customer_id", "customer__name", "customer__mobile",
              "premise__city", "premise__district", "premise__street", "premise__detail")  # fmt: skip
    for start in range(0, len(ids), CHUNK):
        for row in Account.objects.filter(pk__in=ids[start : start + CHUNK]).values_list(*fields):
            pk, number, customer, name, mobile, *address = row
            info[pk] = AccountInfo(number, customer, name, mobile, "".join(address))
    return info


@contextmanager
def at_moment(moment: dt.datetime) -> Iterator[None]:
    """Run the block as if it were `moment` (the services read the clock themselves)."""
    with time_machine.travel(moment, tick=False):
        yield


def contact_data(origin: str, key: str) -> dict[str, object]:
    """What a hotline call or a counter visit records (customers' CHANNEL_DATA), derived
    from `key` so the same order gets the same figures."""
    n = int.from_bytes(key.encode()[-4:].rjust(4, b"0"), "big")
    if origin == "hotline":
        return {"recording_ref": f"cti://rec/demo/{key}", "duration_seconds": 90 + n % 400}
    if origin == "business_hall":
        return {
            "queue_number": f"A{n % 200 + 1:03d}",
            "wait_seconds": 60 + n % 900,
            "service_seconds": 180 + n % 600,
        }
    return {}
