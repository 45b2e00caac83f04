"""Writes the demo's org tree and network through the core and grid services.

These are a few hundred rows, so they go through the same use cases an administrator
would use (validation and audit included); only the mass rows below them are bulk-loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import OrgUnit
from gridcare.core.services import org_unit_create
from gridcare.demo.grid_draft import (
    STATION_SPECS,
    SUBSTATION_SPECS,
    TransformerSpec,
    feeder_specs,
)
from gridcare.demo.plan import BUREAU_CODE, COUNTY
from gridcare.grid.models import Feeder, Substation, Transformer
from gridcare.grid.services import feeder_create, substation_create, transformer_create


@dataclass(frozen=True)
class OrgTree:
    bureau: OrgUnit
    stations: list[OrgUnit]
    #: Teams per station, repair team first.
    teams: list[list[OrgUnit]]


def org_tree_create() -> OrgTree:
    """供电局 → 3 供电所 → 2 班组 each."""
    bureau = org_unit_create(
        actor=None, code=BUREAU_CODE, name=f"{COUNTY}供电局", kind=OrgUnitKind.BUREAU
    )
    stations, teams = [], []
    for spec in STATION_SPECS:
        station = org_unit_create(
            actor=None, code=spec.code, name=spec.name, kind=OrgUnitKind.STATION, parent=bureau
        )
        stations.append(station)
        teams.append(
            [
                org_unit_create(
                    actor=None, code=code, name=name, kind=OrgUnitKind.TEAM, parent=station
                )
                for code, name in spec.team_specs()
            ]
        )
    return OrgTree(bureau=bureau, stations=stations, teams=teams)


def org_tree_get(bureau: OrgUnit) -> OrgTree:
    """The tree of an existing demo, found by the fixed codes `org_tree_create` used."""
    units = {unit.code: unit for unit in OrgUnit.objects.filter(path__startswith=bureau.path)}
    stations = [units[spec.code] for spec in STATION_SPECS]
    teams = [[units[code] for code, _ in spec.team_specs()] for spec in STATION_SPECS]
    return OrgTree(bureau=bureau, stations=stations, teams=teams)


def feeders_create(tree: OrgTree) -> list[Feeder]:
    """Two 110 kV substations owned by the bureau, twelve 10 kV feeders spread over them."""
    substations: list[Substation] = [
        substation_create(actor=None, code=code, name=name, org_unit=tree.bureau)
        for code, name in SUBSTATION_SPECS
    ]
    return [
        feeder_create(
            actor=None, substation=substations[spec.substation], code=spec.code, name=spec.name
        )
        for spec in feeder_specs()
    ]


def transformers_create(
    tree: OrgTree, feeders: list[Feeder], specs: list[TransformerSpec]
) -> list[Transformer]:
    """One transformer per spec, owned by its station, in spec order."""
    return [
        transformer_create(
            actor=None,
            feeder=feeders[spec.feeder],
            code=spec.code,
            name=spec.name,
            rated_kva=spec.rated_kva,
            area_class=spec.area_class,
            org_unit=tree.stations[spec.station],
        )
        for spec in specs
    ]
