"""Grid topology: Substation → Feeder → Transformer (台区) → Meter, and the cached keys on
each meter that outage scoping relies on."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from gridcare.core.models import AuditLog, OrgUnit
from gridcare.core.services import org_unit_create
from gridcare.grid.models import Feeder, Meter, Substation, Transformer
from gridcare.grid.selectors import (
    meter_topology_path,
    meters_downstream_of_feeder,
    meters_downstream_of_transformer,
    transformers_of_feeder,
)
from gridcare.grid.services import (
    feeder_create,
    meter_install,
    meters_bulk_install,
    substation_create,
    transformer_create,
    transformer_reassign,
)
from gridcare.testing.personas import World


@dataclass
class Grid:
    """Two substations, numbered NetBox-style:

    Substation 1 ─┬─ Feeder 1-1 ─┬─ Transformer 1-1-1 ─ {Meter 1, Meter 2}
                  │              └─ Transformer 1-1-2 ─ {Meter 3}
                  └─ Feeder 1-2 ─── Transformer 1-2-1 ─ {Meter 4}
    Substation 2 ─── Feeder 2-1 ─── (no transformers)
    """

    station: OrgUnit
    substation_1: Substation
    substation_2: Substation
    feeder_1_1: Feeder
    feeder_1_2: Feeder
    feeder_2_1: Feeder
    transformer_1_1_1: Transformer
    transformer_1_1_2: Transformer
    transformer_1_2_1: Transformer


def _transformer(feeder: Feeder, code: str, station: OrgUnit) -> Transformer:
    return transformer_create(
        actor=None,
        feeder=feeder,
        code=code,
        name=f"Transformer {code[3:]}",
        rated_kva=400,
        area_class="urban",
        org_unit=station,
    )


@pytest.fixture
def grid(db: None) -> Grid:
    bureau = org_unit_create(actor=None, code="B1", name="Bureau 1", kind="bureau")
    station = org_unit_create(
        actor=None, code="S1", name="Station 1", kind="station", parent=bureau
    )
    sub1 = substation_create(actor=None, code="SUB-1", name="Substation 1", org_unit=bureau)
    sub2 = substation_create(actor=None, code="SUB-2", name="Substation 2", org_unit=bureau)
    f11 = feeder_create(actor=None, substation=sub1, code="F-1-1", name="Feeder 1-1")
    f12 = feeder_create(actor=None, substation=sub1, code="F-1-2", name="Feeder 1-2")
    f21 = feeder_create(actor=None, substation=sub2, code="F-2-1", name="Feeder 2-1")
    t111 = _transformer(f11, "TR-1-1-1", station)
    t112 = _transformer(f11, "TR-1-1-2", station)
    t121 = _transformer(f12, "TR-1-2-1", station)
    for transformer, asset in [(t111, "M-1"), (t111, "M-2"), (t112, "M-3"), (t121, "M-4")]:
        meter_install(actor=None, transformer=transformer, asset_number=asset)
    return Grid(station, sub1, sub2, f11, f12, f21, t111, t112, t121)


def _assets(meters: object) -> set[str]:
    return {meter.asset_number for meter in meters}  # type: ignore[attr-defined]


def _assert_cache_matches_topology() -> None:
    for meter in Meter.objects.select_related("transformer__feeder"):
        assert meter.feeder_id == meter.transformer.feeder_id, meter.asset_number
        assert meter.substation_id == meter.transformer.feeder.substation_id, meter.asset_number


def test_topology_path_runs_from_substation_down_to_the_meter(grid: Grid) -> None:
    meter = Meter.objects.get(asset_number="M-3")
    path = meter_topology_path(meter=meter)
    chain = [path.substation.code, path.feeder.code, path.transformer.code]
    assert [*chain, path.meter.asset_number] == ["SUB-1", "F-1-1", "TR-1-1-2", "M-3"]


def test_topology_path_of_the_persona_meter(world: World) -> None:
    path = meter_topology_path(meter=world.meter_a)
    assert path.substation.code == "SUB1"
    assert path.feeder == world.feeder_1
    assert path.transformer == world.transformer_1
    assert path.meter == world.meter_a


def test_loading_the_path_with_select_related_costs_no_extra_query(
    grid: Grid,
    django_assert_num_queries,
) -> None:
    meter = Meter.objects.select_related("transformer__feeder__substation").get(asset_number="M-4")
    with django_assert_num_queries(0):
        path = meter_topology_path(meter=meter)
        assert path.substation.name == "Substation 1"


def test_installed_meters_cache_their_feeder_and_substation(grid: Grid) -> None:
    meter = Meter.objects.get(asset_number="M-4")
    assert meter.feeder == grid.feeder_1_2
    assert meter.substation == grid.substation_1
    _assert_cache_matches_topology()


def test_bulk_installed_meters_cache_their_feeder_and_substation(grid: Grid) -> None:
    meters_bulk_install(
        transformer=grid.transformer_1_2_1,
        meters=[Meter(asset_number="M-5"), Meter(asset_number="M-6")],
    )
    assert _assets(meters_downstream_of_feeder(feeder=grid.feeder_1_2)) == {"M-4", "M-5", "M-6"}
    _assert_cache_matches_topology()


def test_meters_downstream_of_a_feeder_include_every_transformer_below_it(grid: Grid) -> None:
    assert _assets(meters_downstream_of_feeder(feeder=grid.feeder_1_1)) == {"M-1", "M-2", "M-3"}
    assert _assets(meters_downstream_of_feeder(feeder=grid.feeder_1_2)) == {"M-4"}
    assert _assets(meters_downstream_of_feeder(feeder=grid.feeder_2_1)) == set()


def test_meters_downstream_of_a_transformer_are_only_its_own(grid: Grid) -> None:
    assert _assets(meters_downstream_of_transformer(transformer=grid.transformer_1_1_1)) == {
        "M-1",
        "M-2",
    }
    assert {t.code for t in transformers_of_feeder(feeder=grid.feeder_1_1)} == {
        "TR-1-1-1",
        "TR-1-1-2",
    }


def test_reassigning_a_transformer_moves_its_meters_to_the_new_feeder(grid: Grid) -> None:
    transformer_reassign(actor=None, transformer=grid.transformer_1_1_1, feeder=grid.feeder_1_2)

    assert _assets(meters_downstream_of_feeder(feeder=grid.feeder_1_1)) == {"M-3"}
    assert _assets(meters_downstream_of_feeder(feeder=grid.feeder_1_2)) == {"M-1", "M-2", "M-4"}
    assert Transformer.objects.get(pk=grid.transformer_1_1_1.pk).feeder == grid.feeder_1_2
    _assert_cache_matches_topology()


def test_reassigning_to_a_feeder_of_another_substation_moves_the_cached_substation(
    grid: Grid,
) -> None:
    transformer_reassign(actor=None, transformer=grid.transformer_1_1_1, feeder=grid.feeder_2_1)

    moved = Meter.objects.get(asset_number="M-1")
    assert moved.feeder == grid.feeder_2_1
    assert moved.substation == grid.substation_2
    untouched = Meter.objects.get(asset_number="M-3")
    assert untouched.substation == grid.substation_1
    path = meter_topology_path(meter=moved)
    assert (path.substation.code, path.feeder.code) == ("SUB-2", "F-2-1")
    _assert_cache_matches_topology()


def test_reassigning_a_transformer_is_audited_with_from_and_to_feeder(grid: Grid) -> None:
    transformer_reassign(actor=None, transformer=grid.transformer_1_1_1, feeder=grid.feeder_2_1)
    entry = AuditLog.objects.get(action="grid.transformer.reassign")
    assert entry.object_id == str(grid.transformer_1_1_1.pk)
    assert entry.data == {"from_feeder": grid.feeder_1_1.pk, "to_feeder": grid.feeder_2_1.pk}


@pytest.mark.parametrize(
    ("attr", "model"),
    [
        pytest.param("feeder_1_1", Feeder, id="feeder-with-transformers"),
        pytest.param("substation_1", Substation, id="substation-with-feeders"),
        pytest.param("transformer_1_1_1", Transformer, id="transformer-with-meters"),
    ],
)
def test_an_asset_with_something_below_it_cannot_be_deleted(
    grid: Grid, attr: str, model: type
) -> None:
    asset = getattr(grid, attr)
    with pytest.raises(ProtectedError):
        asset.delete()
    assert model.objects.filter(pk=asset.pk).exists()  # type: ignore[attr-defined]


def test_an_empty_feeder_can_be_deleted(grid: Grid) -> None:
    grid.feeder_2_1.delete()
    assert not Feeder.objects.filter(code="F-2-1").exists()


def test_a_meter_that_measures_an_account_cannot_be_deleted(world: World) -> None:
    with pytest.raises(ProtectedError):
        world.meter_a.delete()
    assert Meter.objects.filter(pk=world.meter_a.pk).exists()


def test_meter_clean_rejects_a_feeder_that_is_not_its_transformers(grid: Grid) -> None:
    meter = Meter(
        asset_number="M-X",
        transformer=grid.transformer_1_1_1,
        feeder=grid.feeder_1_2,
        substation=grid.substation_1,
    )
    with pytest.raises(ValidationError):
        meter.full_clean()


def test_meter_clean_rejects_a_substation_that_is_not_its_feeders(grid: Grid) -> None:
    meter = Meter(
        asset_number="M-X",
        transformer=grid.transformer_1_1_1,
        feeder=grid.feeder_1_1,
        substation=grid.substation_2,
    )
    with pytest.raises(ValidationError):
        meter.full_clean()


def test_meter_clean_accepts_matching_cached_keys(grid: Grid) -> None:
    meter = Meter(
        asset_number="M-X",
        transformer=grid.transformer_1_1_1,
        feeder=grid.feeder_1_1,
        substation=grid.substation_1,
    )
    meter.full_clean()
    meter.save()
    assert "M-X" in _assets(meters_downstream_of_feeder(feeder=grid.feeder_1_1))


def test_asset_numbers_are_unique(grid: Grid) -> None:
    with pytest.raises(ValidationError) as excinfo:
        meter_install(actor=None, transformer=grid.transformer_1_2_1, asset_number="M-1")
    assert "asset_number" in excinfo.value.message_dict
    assert Meter.objects.filter(asset_number="M-1").count() == 1


def test_feeder_codes_are_unique_per_substation_only(grid: Grid) -> None:
    with pytest.raises(ValidationError):
        feeder_create(actor=None, substation=grid.substation_1, code="F-1-1", name="Duplicate")
    # The same code under another substation is a different feeder.
    other = feeder_create(actor=None, substation=grid.substation_2, code="F-1-1", name="Other")
    assert other.substation == grid.substation_2
