"""Dispatch suggestions: teams serving the order's 台区 first, then by open load; only teams
the order's station may dispatch to; one query whatever the number of teams."""

from __future__ import annotations

import pytest

from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import OrgUnit
from gridcare.core.services import org_unit_create
from gridcare.service.models import ServiceArea, WorkOrder
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.service.services.dispatch import team_suggestions
from gridcare.testing.personas import ACCOUNT_A, World


def team(world: World, code: str, parent: OrgUnit) -> OrgUnit:
    return org_unit_create(
        actor=None, code=code, name=f"{code} 班", kind=OrgUnitKind.TEAM, parent=parent
    )


def repair(world: World, **overrides: object) -> WorkOrder:
    fields: dict[str, object] = {"account_number": ACCOUNT_A, **overrides}
    draft = OrderDraft(order_type="fault_repair", origin="web", title="停电", **fields)  # type: ignore[arg-type]
    return order_create(actor=world.users["agent_s1"], draft=draft)


def load(world: World, team: OrgUnit, n: int, *, then: str = "") -> None:
    """Give `team` n dispatched orders (moved on by `then`, e.g. "take")."""
    for _ in range(n):
        order = repair(world, transformer_code="TR1", account_number="")
        order_act(
            actor=world.users["agent_s1"], number=order.number, action="dispatch", team_id=team.pk
        )
        if then:
            order_act(actor=world.users["agent_s1"], number=order.number, action=then)


def names(suggestions: list) -> list[tuple[str, bool, int]]:  # type: ignore[type-arg]
    return [(s.team.code, s.serves_area, s.open_orders) for s in suggestions]


@pytest.fixture
def teams(world: World) -> dict[str, OrgUnit]:
    """S1 has T1 (serves TR1, persona), T3 (serves TR1) and T2 (no area); S2 has T4."""
    t2, t3 = team(world, "T2", world.station_1), team(world, "T3", world.station_1)
    t4 = team(world, "T4", world.station_2)
    ServiceArea.objects.create(team=t3, transformer=world.transformer_1)
    ServiceArea.objects.create(team=t4, transformer=world.transformer_2)
    return {"T1": world.team_1, "T2": t2, "T3": t3, "T4": t4}


def test_area_teams_come_first_then_the_least_loaded(world: World, teams: dict) -> None:  # type: ignore[type-arg]
    load(world, teams["T1"], 2)
    load(world, teams["T3"], 1, then="take")
    order = repair(world)

    assert names(team_suggestions(order=order)) == [
        ("T3", True, 1),
        ("T1", True, 2),
        ("T2", False, 0),
    ]


def test_an_idle_team_outside_the_area_does_not_outrank_a_busy_area_team(
    world: World,
    teams: dict,  # type: ignore[type-arg]
) -> None:
    load(world, teams["T1"], 3)
    order = repair(world)
    ranked = names(team_suggestions(order=order))
    assert [code for code, _, _ in ranked] == ["T3", "T1", "T2"]
    assert ranked[1] == ("T1", True, 3)


def test_only_dispatched_taken_and_arrived_orders_count_as_load(
    world: World,
    teams: dict,  # type: ignore[type-arg]
) -> None:
    agent = world.users["agent_s1"]
    load(world, teams["T2"], 1, then="take")  # taken: counts
    arrived = repair(world, transformer_code="TR1", account_number="")
    order_act(actor=agent, number=arrived.number, action="dispatch", team_id=teams["T2"].pk)
    order_act(actor=agent, number=arrived.number, action="take")
    order_act(actor=agent, number=arrived.number, action="arrive")  # arrived: counts
    done = repair(world, transformer_code="TR1", account_number="")
    order_act(actor=agent, number=done.number, action="dispatch", team_id=teams["T2"].pk)
    order_act(actor=agent, number=done.number, action="take")
    order_act(actor=agent, number=done.number, action="arrive")
    order_act(actor=agent, number=done.number, action="resolve")  # resolved: does not count
    order = repair(world)

    loads = {code: n for code, _, n in names(team_suggestions(order=order))}
    assert loads == {"T1": 0, "T2": 2, "T3": 0}


def test_teams_of_other_stations_are_never_suggested(world: World, teams: dict) -> None:  # type: ignore[type-arg]
    order = repair(world)
    assert "T4" not in [code for code, _, _ in names(team_suggestions(order=order))]


def test_an_order_without_a_transformer_ranks_its_station_teams_by_load(
    world: World,
    teams: dict,  # type: ignore[type-arg]
) -> None:
    load(world, teams["T1"], 1)
    load(world, teams["T3"], 2)
    order = order_create(
        actor=world.users["agent_s1"],
        draft=OrderDraft(
            order_type="consultation",
            origin="web",
            title="咨询电价",
            customer_id=world.customer_alice.pk,
        ),
    )
    assert order.transformer_id is None

    assert names(team_suggestions(order=order)) == [
        ("T2", False, 0),
        ("T1", False, 1),
        ("T3", False, 2),
    ]


def test_suggestions_take_one_query_whatever_the_number_of_teams(
    world: World,
    teams: dict,  # type: ignore[type-arg]
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    for i in range(10):
        team(world, f"TX{i}", world.station_1)
    load(world, teams["T1"], 2)
    order = WorkOrder.objects.select_related("org_unit").get(pk=repair(world).pk)

    with django_assert_num_queries(1):
        suggestions = team_suggestions(order=order)
    assert len(suggestions) == 13
    assert suggestions[0].team.code in {"T1", "T3"}
    assert suggestions[0].serves_area
