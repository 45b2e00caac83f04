"""The demo's organisation and network, drafted in memory before anything is written.

    青溪县供电局 ─┬─ 城关供电所 ─ {抢修班, 营配班}     110kV 青溪变 ─ F01…F06
                ├─ 东溪供电所 ─ {抢修班, 营配班}     110kV 东溪变 ─ F07…F12
                └─ 云岭供电所 ─ {抢修班, 营配班}

Each station owns four 10 kV feeders; its transformers (台区) hang on those feeders, so an
account's meter is always under a transformer of the account's own station.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from gridcare.demo.people import PeopleFactory, weighted_choice
from gridcare.demo.plan import COUNTY, FEEDERS, STATIONS, DemoPlan
from gridcare.grid.choices import AreaClass

PUBLIC_KVA = {
    AreaClass.URBAN: ((200, 1), (315, 2), (400, 3), (500, 2), (630, 3), (800, 1)),
    AreaClass.RURAL: ((100, 2), (200, 4), (315, 3), (400, 2), (500, 1)),
    AreaClass.REMOTE: ((100, 4), (200, 3), (315, 1)),
}
INDUSTRIAL_KVA = (315, 400, 500, 630, 800)
INSTITUTION_KVA = (500, 630, 800)


@dataclass(frozen=True)
class StationSpec:
    number: int
    short: str
    towns: tuple[str, ...]
    #: Area classes of its public transformers, with weights.
    areas: tuple[tuple[AreaClass, int], ...]
    #: Share of the county's public transformers.
    share: float
    feeder_names: tuple[str, ...]
    industrial_park: str
    #: Share of the large industrial customers located here.
    industry_share: float

    @property
    def code(self) -> str:
        return f"DEMO-QX{self.number:02d}"

    @property
    def name(self) -> str:
        return f"{self.short}供电所"

    def team_specs(self) -> tuple[tuple[str, str], ...]:
        """(code, name) of the station's teams; the repair team comes first."""
        return (
            (f"{self.code}-T1", f"{self.short}抢修班"),
            (f"{self.code}-T2", f"{self.short}营配班"),
        )


STATION_SPECS = (
    StationSpec(
        1,
        "城关",
        ("城关街道", "东城街道", "西城街道"),
        ((AreaClass.URBAN, 85), (AreaClass.RURAL, 15)),
        0.45,
        ("解放", "城东", "城西", "新华"),
        f"{COUNTY}经济开发区",
        0.5,
    ),
    StationSpec(
        2,
        "东溪",
        ("东溪镇", "白石镇", "梅岭乡"),
        ((AreaClass.URBAN, 20), (AreaClass.RURAL, 80)),
        0.35,
        ("东溪", "白石", "梅岭", "溪口"),
        "东溪工业园区",
        0.4,
    ),
    StationSpec(
        3,
        "云岭",
        ("云岭乡", "大坪乡", "高山乡"),
        ((AreaClass.RURAL, 40), (AreaClass.REMOTE, 60)),
        0.20,
        ("云岭", "大坪", "高山", "岭头"),
        "云岭工业功能区",
        0.1,
    ),
)
assert len(STATION_SPECS) == STATIONS
FEEDERS_PER_STATION = FEEDERS // STATIONS
SUBSTATION_SPECS = (("DEMO-QX-B1", "110kV 青溪变"), ("DEMO-QX-B2", "110kV 东溪变"))


@dataclass(frozen=True)
class FeederSpec:
    number: int
    station: int
    name: str

    @property
    def code(self) -> str:
        return f"F{self.number:02d}"

    @property
    def substation(self) -> int:
        """Feeders F01–F06 leave the first substation, F07–F12 the second."""
        return (self.number - 1) * len(SUBSTATION_SPECS) // FEEDERS


@dataclass(frozen=True)
class TransformerSpec:
    index: int
    station: int
    feeder: int
    rated_kva: int
    area_class: AreaClass
    town: str
    #: The street (urban) or village (rural, remote) the transformer supplies.
    locality: str
    name: str
    #: A dedicated transformer (专变) names its one customer; public ones (公变) name nobody.
    owner: str = ""
    is_institution: bool = False

    @property
    def code(self) -> str:
        return f"DEMO-TQ{self.index + 1:05d}"


def feeder_specs() -> list[FeederSpec]:
    specs = []
    for station_index, station in enumerate(STATION_SPECS):
        for offset, name in enumerate(station.feeder_names):
            number = station_index * FEEDERS_PER_STATION + offset + 1
            specs.append(FeederSpec(number=number, station=station_index, name=f"10kV {name}线"))
    return specs


def spread(total: int, weights: Sequence[float], minimum: int) -> list[int]:
    """Split `total` by `weights` with every part at least `minimum` (largest remainder)."""
    rest = total - minimum * len(weights)
    exact = [rest * weight / sum(weights) for weight in weights]
    parts = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[: rest - sum(parts)]:
        parts[i] += 1
    return [minimum + part for part in parts]


class GridDrafter:
    """Draws transformers in a fixed order: public ones station by station, then 专变."""

    def __init__(self, *, plan: DemoPlan, people: PeopleFactory) -> None:
        self.plan = plan
        self.people = people
        self.rng: random.Random = people.rng
        self._name_counts: dict[str, int] = {}
        self._feeders = feeder_specs()

    def draft(self) -> list[TransformerSpec]:
        shares = [station.share for station in STATION_SPECS]
        per_station = spread(self.plan.public_transformers, shares, FEEDERS_PER_STATION)
        specs: list[TransformerSpec] = []
        for station_index, count in enumerate(per_station):
            for k in range(count):
                specs.append(self._public(len(specs), station_index, k))
        industry = [station.industry_share for station in STATION_SPECS]
        for station_index, count in enumerate(spread(self.plan.large_industrial, industry, 0)):
            for _ in range(count):
                specs.append(self._factory(len(specs), station_index))
        for k in range(self.plan.institutions):
            specs.append(self._institution(len(specs), k))
        return specs

    def _station_feeder(self, station_index: int, k: int | None = None) -> int:
        feeders = [f.number - 1 for f in self._feeders if f.station == station_index]
        # The first transformers go round the feeders so that none of them is left empty.
        return feeders[k] if k is not None and k < len(feeders) else self.rng.choice(feeders)

    def _numbered(self, locality: str) -> str:
        count = self._name_counts.get(locality, 0) + 1
        self._name_counts[locality] = count
        return f"{locality}{count}号台区"

    def _public(self, index: int, station_index: int, k: int) -> TransformerSpec:
        station = STATION_SPECS[station_index]
        area = weighted_choice(self.rng, station.areas)
        locality = self.people.street() if area == AreaClass.URBAN else self.people.village()
        return TransformerSpec(
            index=index,
            station=station_index,
            feeder=self._station_feeder(station_index, k),
            rated_kva=weighted_choice(self.rng, PUBLIC_KVA[area]),
            area_class=area,
            town=self.rng.choice(station.towns),
            locality=locality,
            name=self._numbered(locality),
        )

    def _factory(self, index: int, station_index: int) -> TransformerSpec:
        station = STATION_SPECS[station_index]
        owner = self.people.factory_name()
        return TransformerSpec(
            index=index,
            station=station_index,
            feeder=self._station_feeder(station_index),
            rated_kva=self.rng.choice(INDUSTRIAL_KVA),
            area_class=AreaClass.URBAN if station_index == 0 else AreaClass.RURAL,
            town=station.towns[0],
            locality=station.industrial_park,
            name=f"{owner}专变",
            owner=owner,
        )

    def _institution(self, index: int, k: int) -> TransformerSpec:
        # County institutions sit in the county seat, served by the first station.
        station = STATION_SPECS[0]
        owner = self.people.institution_name(k)
        return TransformerSpec(
            index=index,
            station=0,
            feeder=self._station_feeder(0),
            rated_kva=self.rng.choice(INSTITUTION_KVA),
            area_class=AreaClass.URBAN,
            town=self.rng.choice(station.towns),
            locality=self.people.street(),
            name=f"{owner}专变",
            owner=owner,
            is_institution=True,
        )
