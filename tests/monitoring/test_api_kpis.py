"""GET /api/v1/monitoring/kpis: the catalogue's values over a period for an org unit in the
reader's scope, with the refusals of a bad period or a foreign unit (the permission matrix
in tests/api/test_permission_matrix.py covers who may call it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gridcare.core.choices import Role
from gridcare.core.services import staff_user_create
from gridcare.monitoring.metrics import CATALOGUE
from gridcare.testing.personas import PASSWORD
from tests.api.conftest import assert_chinese_error, validate_response

from .kpi_world import D, KpiWorld

URL = "/api/v1/monitoring/kpis"
ON_D = f"?from={D}&to={D}"


def by_code(body: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["code"]: line for line in body}


def test_every_kpi_of_the_catalogue_comes_with_its_sums(
    kpi_world: KpiWorld, client_for: Callable[[str], Client]
) -> None:
    response = client_for("manager").get(URL + ON_D)

    assert response.status_code == 200
    body = validate_response(response)
    assert [line["code"] for line in body] == [kpi.code for kpi in CATALOGUE]
    lines = by_code(body)
    assert lines["orders"]["value"] == 7
    assert (lines["fcr"]["n"], lines["fcr"]["d"], lines["fcr"]["value"]) == (1, 5, 20.0)
    assert lines["csat"]["value"] == pytest.approx(66.67, abs=0.01)
    arrival = lines["repair_arrival"]
    assert arrival["label"]  # in the reader's language
    assert {k: v for k, v in arrival.items() if k != "label"} == {
        "code": "repair_arrival", "unit": "minutes", "value": 150.0, "available": True,
        "n": 2, "d": 0,
    }  # fmt: skip


def test_a_unit_reads_its_subtree_and_no_data_is_null_not_zero(
    kpi_world: KpiWorld, client_for: Callable[[str], Client]
) -> None:
    lines = by_code(client_for("analyst").get(URL + ON_D + "&org=S2").json())

    assert lines["orders"]["value"] == 3  # o2 o5 o6
    assert lines["repair_restoration"]["value"] is None  # S2 restored nothing on D
    assert lines["repair_restoration"]["available"] is True


def test_staff_of_a_station_read_their_station_and_a_foreign_one_is_404(
    kpi_world: KpiWorld,
) -> None:
    boss = staff_user_create(
        actor=None, username="boss_s1", display_name="boss", role=Role.MANAGER,
        org_unit=kpi_world.world.station_1, password=PASSWORD,
    )  # fmt: skip
    client = Client()
    client.force_login(boss, backend="django.contrib.auth.backends.ModelBackend")

    own = by_code(client.get(URL + ON_D).json())
    foreign = client.get(URL + ON_D + "&org=S2")
    missing = client.get(URL + ON_D + "&org=S9")

    assert own["orders"]["value"] == 4  # o1 (team T1) o3 o4 o8
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["code"] == missing.json()["code"] == "monitoring.kpis.org_not_found"
    assert_chinese_error(foreign.json())


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?from=2026-03-10&to=2026-03-01", "monitoring.kpis.bad_period"),
        ("?from=2020-01-01&to=2026-03-01", "monitoring.kpis.period_too_long"),
        ("?from=2026-02-30", "request.param.not_a_date"),
        ("?from=1999-12-31&to=2000-01-05", "request.param.out_of_range"),
        ("?to=10-03-2026", "monitoring.kpis.bad_date"),
        ("?org=B%201", "monitoring.kpis.bad_org"),
    ],
)
def test_a_bad_period_or_org_code_is_a_400_with_a_chinese_reason(
    world: object, client_for: Callable[[str], Client], query: str, code: str
) -> None:
    response = client_for("manager").get(URL + query)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert_chinese_error(response.json())
