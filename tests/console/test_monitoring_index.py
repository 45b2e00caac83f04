"""The index, weights and scorecard pages for each persona, their filters and the POST."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from gridcare.core.choices import OrgUnitKind, Role
from gridcare.core.models import User
from gridcare.core.services import org_unit_create, staff_user_create
from gridcare.monitoring.models import IndexVersion
from gridcare.testing.personas import World
from tests.monitoring.index_support import fact, ratio

INDEX = reverse("console:monitoring_index")
WEIGHTS = reverse("console:monitoring_weights")
SCORECARDS = reverse("console:monitoring_scorecards")
NOV = "from=2026-11-01&to=2026-11-30"


def _facts(world: World) -> None:
    day = dt.date(2026, 11, 10)
    ratio(day, "csat", world.station_1, 90, 100, channel="wechat")  # 80 points
    ratio(day, "csat", world.station_2, 95, 100, channel="hotline")  # 100 points
    fact(day, "agent_orders", world.station_1, n=7, key=str(world.users["agent_s1"].pk))
    ratio(day, "csat", world.team_1, 70, 100)  # 0 points


#: Every persona: the dashboards' readers (analyst, manager, admin) get the page; other
#: staff 403; a customer goes back to the portal; nobody logged in goes to the login page.
ALL_STAFF = [
    "agent_s1",
    "agent_s2",
    "clerk_s1",
    "dispatcher",
    "crew",
    "analyst",
    "manager",
    "admin",
]
READERS = {"analyst", "manager", "admin"}


@pytest.mark.parametrize("url", [INDEX, WEIGHTS, SCORECARDS])
@pytest.mark.parametrize("persona", ALL_STAFF)
def test_pages_by_persona(client_for, url: str, persona: str) -> None:  # type: ignore[no-untyped-def]
    expected = 200 if persona in READERS else 403
    assert client_for(persona).get(url).status_code == expected


@pytest.mark.parametrize("url", [INDEX, WEIGHTS, SCORECARDS])
def test_a_customer_and_a_stranger_are_sent_away(world: World, client_for, url: str) -> None:  # type: ignore[no-untyped-def]
    customer = client_for("alice").get(url)
    assert (customer.status_code, customer["Location"]) == (302, "/portal/")
    stranger = Client().get(url)
    assert stranger.status_code == 302
    assert stranger["Location"].startswith("/console/login/?next=")


def test_index_page_ranks_the_stations(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    _facts(world)
    page = client_for("analyst").get(f"{INDEX}?org=B1&{NOV}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-chart="index-trend"' in html
    children = page.context["children"]
    assert [(r.unit.code, r.rank) for r in children] == [("S2", 1), ("S1", 2)]
    groups = dict(page.context["channels"].groups)
    assert groups["online"].total == pytest.approx(80.0)
    assert groups["offline"].total == pytest.approx(100.0)
    assert page.context["charts"]["months"][-1] == "2026-11"


@pytest.mark.parametrize(
    ("query", "code"),
    [("from=2026-11-30&to=2026-11-01", "monitoring.period.reversed"),
     ("from=1999-01-01&to=2026-11-01", "request.param.out_of_range"),
     ("from=2022-01-01&to=2026-11-01", "monitoring.period.too_long"),
     ("from=2026-11-01&to=2099-11-01", "monitoring.period.future"),
     ("from=abc", "request.param.not_a_date")],
)  # fmt: skip
@pytest.mark.parametrize("url", [INDEX, SCORECARDS])
def test_bad_dates_are_400_with_a_code(client_for, url: str, query: str, code: str) -> None:  # type: ignore[no-untyped-def]
    page = client_for("analyst").get(f"{url}?{query}")
    assert page.status_code == 400
    assert f'data-code="{code}"' in page.content.decode()


def test_an_org_outside_the_scope_is_404(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    other = org_unit_create(actor=None, code="B9", name="外局", kind=OrgUnitKind.BUREAU)
    assert other.pk
    staff_user_create(actor=None, username="analyst_s1", display_name="所分析员",
                      role=Role.ANALYST, org_unit=world.station_1, password=None)  # fmt: skip
    assert client_for("analyst").get(f"{INDEX}?org=B9").status_code == 404
    assert client_for("analyst").get(f"{INDEX}?org=NOPE").status_code == 404
    narrow = Client()
    narrow.force_login(User.objects.get(username="analyst_s1"))
    assert narrow.get(f"{SCORECARDS}?org=S2").status_code == 404
    page = narrow.get(INDEX)
    assert page.status_code == 200
    assert page.context["unit"] == world.station_1


def test_scorecards_show_staff_and_teams(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    _facts(world)
    page = client_for("manager").get(f"{SCORECARDS}?{NOV}")
    html = page.content.decode()
    assert [a.name for a in page.context["agents"]] == ["agent_s1"]
    assert 'data-unit="T1"' in html
    assert page.context["teams"][0].score.total == pytest.approx(0.0)


def _form(**overrides: str) -> dict[str, str]:
    form = {
        "effective_from": "2027-01-01",
        "note": "加重满意度",
        "weight_csat": "60", "target_csat": "95", "floor_csat": "70",
        "weight_sla_compliance": "40", "target_sla_compliance": "98",
        "floor_sla_compliance": "80",
    }  # fmt: skip
    form.update(overrides)
    return form


def test_manager_saves_a_new_version(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    manager = client_for("manager")
    page = manager.get(WEIGHTS)
    assert 'data-testid="weights-form"' in page.content.decode()
    response = manager.post(WEIGHTS, _form())
    assert response.status_code == 302
    assert response["Location"].endswith("?saved=2")
    version = IndexVersion.objects.get(number=2)
    assert {w.kpi: int(w.weight) for w in version.weights.all()} == {
        "csat": 60, "sla_compliance": 40,
    }  # fmt: skip
    assert version.created_by == world.users["manager"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [({"weight_csat": "50"}, "monitoring.index.weights_sum"),
     ({"effective_from": "2025-01-01"}, "monitoring.index.effective_before_latest"),
     ({"target_csat": "70"}, "monitoring.index.target_equals_floor"),
     ({"weight_csat": "x"}, "monitoring.index.not_a_number"),
     ({"effective_from": "2027-13-01"}, "request.param.not_a_date")],
)  # fmt: skip
def test_bad_versions_are_shown_inline(client_for, overrides, code: str) -> None:  # type: ignore[no-untyped-def]
    page = client_for("manager").post(WEIGHTS, _form(**overrides))
    assert page.status_code == 400
    html = page.content.decode()
    assert f'data-code="{code}"' in html
    assert 'data-testid="weights-form"' in html  # the form again, with what was typed
    assert IndexVersion.objects.count() == 1


def test_analyst_reads_weights_but_cannot_post(client_for) -> None:  # type: ignore[no-untyped-def]
    analyst = client_for("analyst")
    page = analyst.get(WEIGHTS)
    html = page.content.decode()
    assert 'data-testid="version-in-force"' in html
    assert 'data-testid="weights-form"' not in html
    assert analyst.post(WEIGHTS, _form()).status_code == 403
    assert IndexVersion.objects.count() == 1
