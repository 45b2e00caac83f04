"""Django admin for master data: every list page opens, and edits keep cached topology keys."""

import pytest
from django.contrib import admin

from gridcare.grid.models import Meter
from gridcare.testing.personas import World


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_admin_change_list_opens_for_every_registered_model(
    world: World, client_for, model
) -> None:
    opts = model._meta
    response = client_for("admin").get(f"/admin/{opts.app_label}/{opts.model_name}/")
    assert response.status_code == 200
    assert str(opts.verbose_name_plural) in response.content.decode()


@pytest.mark.django_db
def test_meter_added_in_admin_gets_its_feeder_and_substation_cached(
    world: World, client_for
) -> None:
    response = client_for("admin").post(
        "/admin/grid/meter/add/",
        {
            "asset_number": "MA0099",
            "transformer": world.transformer_1.pk,
            "multiplier": 1,
            "phase": "single",
            "status": "in_service",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    meter = Meter.objects.get(asset_number="MA0099")
    assert meter.feeder_id == world.feeder_1.pk
    assert meter.substation_id == world.feeder_1.substation_id


@pytest.mark.django_db
def test_moving_a_transformer_in_admin_moves_its_meters_cached_feeder(
    world: World, client_for
) -> None:
    transformer = world.transformer_1
    response = client_for("admin").post(
        f"/admin/grid/transformer/{transformer.pk}/change/",
        {
            "feeder": world.feeder_2.pk,
            "code": transformer.code,
            "name": transformer.name,
            "rated_kva": transformer.rated_kva,
            "area_class": transformer.area_class,
            "org_unit": transformer.org_unit_id,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    transformer.refresh_from_db()
    assert transformer.feeder_id == world.feeder_2.pk
    assert set(
        Meter.objects.filter(transformer=transformer).values_list("feeder_id", flat=True)
    ) == {world.feeder_2.pk}


@pytest.mark.django_db
def test_agent_cannot_open_the_admin(world: World, client_for) -> None:
    response = client_for("agent_s1").get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
