"""Tariffs as versioned data: a version that cannot be billed, or that overlaps another, is
refused with the reason — through the service and through the admin form."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from gridcare.billing.admin import TariffVersionForm
from gridcare.billing.engine.tariff import SpecError, parse_spec
from gridcare.billing.models import Tariff, TariffVersion
from gridcare.billing.presets import preset_spec, tariff_presets
from gridcare.billing.services.tariffs import tariff_version_create
from gridcare.core.errors import DomainError

pytestmark = pytest.mark.django_db


def _tier_spec() -> dict[str, Any]:
    return copy.deepcopy(preset_spec("GZ-RES-TIER"))


@pytest.mark.parametrize("entry", tariff_presets(), ids=lambda e: e["code"])
def test_every_preset_is_a_billable_document(entry: dict[str, Any]) -> None:
    parse_spec(entry["spec"])


def test_a_new_version_from_a_date_after_the_current_one_is_closed(world) -> None:  # type: ignore[no-untyped-def]
    tariff = Tariff.objects.get(code="GZ-RES-TIER")
    current = tariff.versions.get()
    TariffVersion.objects.filter(pk=current.pk).update(effective_to=dt.date(2026, 11, 15))
    spec = _tier_spec()
    spec["energy"]["all"] = "0.60"
    version = tariff_version_create(
        actor=world.users["admin"], tariff=tariff, effective_from=dt.date(2026, 11, 16), spec=spec
    )
    assert list(tariff.versions.values_list("effective_from", flat=True)) == [
        current.effective_from,
        version.effective_from,
    ]


def test_an_overlapping_version_is_refused_with_the_dates(world) -> None:  # type: ignore[no-untyped-def]
    tariff = Tariff.objects.get(code="GZ-RES-TIER")
    with pytest.raises(DomainError) as caught:
        tariff_version_create(
            actor=None, tariff=tariff, effective_from=dt.date(2026, 1, 1), spec=_tier_spec()
        )
    assert caught.value.code == "tariff.period_overlap"
    assert "2017-07-01" in caught.value.message
    assert tariff.versions.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda s: s["ladder"]["seasons"][0]["tiers"][1].update({"from": "270"}), "tier_gap"),
        (lambda s: s["ladder"]["seasons"][0]["tiers"][1].update({"from": "250"}), "tier_gap"),
        (lambda s: s["ladder"]["seasons"][0]["tiers"][2].update({"to": "900"}), "tier_gap"),
        (
            lambda s: s["ladder"]["seasons"][1].update({"months": [11, 12, 1, 2, 3]}),
            "season_months",
        ),
        (
            lambda s: s["ladder"]["seasons"][1].update({"months": [5, 11, 12, 1, 2, 3, 4]}),
            "season_months",
        ),
        (lambda s: s["energy"].update({"all": "-0.5"}), "negative"),
        (lambda s: s["energy"].update({"all": "abc"}), "bad_number"),
        (lambda s: s.update({"energy": {"peak": "1", "flat": "0.5"}}), "missing_price"),
        (lambda s: s.update({"rebate": "1"}), "unknown_key"),
    ],
    ids=[
        "gap",
        "overlap",
        "open-ended",
        "month-missing",
        "month-twice",
        "negative",
        "nan",
        "no-valley",
        "unknown",
    ],
)
def test_a_document_that_cannot_be_billed_is_refused_with_its_reason(change, code) -> None:  # type: ignore[no-untyped-def]
    spec = _tier_spec()
    change(spec)
    with pytest.raises(SpecError) as caught:
        parse_spec(spec)
    assert caught.value.code == code


def test_the_admin_form_refuses_a_tier_gap_and_saves_nothing(world) -> None:  # type: ignore[no-untyped-def]
    tariff = Tariff.objects.get(code="GZ-RES-TOU")
    spec = copy.deepcopy(preset_spec("GZ-RES-TOU"))
    spec["ladder"]["seasons"][0]["tiers"][1]["from"] = "261"
    form = TariffVersionForm(
        data={
            "tariff": tariff.pk,
            "effective_from": "2030-01-01",
            "spec": json.dumps(spec),
            "basis": "",
        }
    )
    assert not form.is_valid()
    assert "gap" in str(form.errors["spec"])
    assert tariff.versions.count() == 1


def test_the_admin_form_refuses_an_overlap(world) -> None:  # type: ignore[no-untyped-def]
    tariff = Tariff.objects.get(code="GD-CI-TOU-1KV")
    form = TariffVersionForm(
        data={
            "tariff": tariff.pk,
            "effective_from": "2025-01-01",
            "spec": json.dumps(preset_spec("GD-CI-TOU-1KV")),
        }
    )
    assert not form.is_valid()
    assert "effective_from" in form.errors
