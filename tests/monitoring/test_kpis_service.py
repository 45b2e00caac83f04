"""Work-order KPIs on the hand-computed world (tests/monitoring/kpi_world.py), read the way
every dashboard reads them: rollup → facts → kpi_value."""

from __future__ import annotations

import pytest

from gridcare.monitoring.selectors.facts import Period, kpi_breakdown, kpi_value
from gridcare.service.kpi_selectors import category_lines

from .kpi_world import DAY_AFTER, DAY_BEFORE, D, KpiWorld

ON_D = Period(D, D)


def value(code: str, kpi_world: KpiWorld, **kw: object) -> float | None:
    unit = kw.pop("unit", None)
    period = kw.pop("period", ON_D)
    return kpi_value(code, unit=unit, period=period, **kw).value  # type: ignore[arg-type]


def test_orders_count_every_order_on_its_beijing_day(kpi_world: KpiWorld) -> None:
    # o1 o2 o3 o4 o5 o6 o8 on D (o2 at 23:30 Beijing); o7 (23:59) and o9 on D-1.
    assert value("orders", kpi_world) == 7
    assert value("orders", kpi_world, period=Period(DAY_BEFORE, DAY_BEFORE)) == 2
    assert value("orders", kpi_world, key="complaint") == 2
    assert value("orders", kpi_world, channel="hotline") == 3


def test_an_order_counts_for_its_team_else_its_station(kpi_world: KpiWorld) -> None:
    w = kpi_world.world
    # S1: o1 (team T1) o3 o4 o8; S2: o2 o5 o6.
    assert value("orders", kpi_world, unit=w.team_1) == 1
    assert value("orders", kpi_world, unit=w.station_1) == 4
    assert value("orders", kpi_world, unit=w.station_2) == 3


def test_online_share_is_online_applications_of_all_applications(kpi_world: KpiWorld) -> None:
    found = kpi_value("online_share", unit=None, period=ON_D)
    assert (found.n, found.d, found.value) == (1, 2, 50.0)
    assert value("online_share", kpi_world, key="new_residential") == 100.0
    assert value("online_share", kpi_world, key="name_transfer") == 0.0


def test_first_contact_resolution_counts_same_day_undispatched_resolutions(
    kpi_world: KpiWorld,
) -> None:
    # Candidates o2 o3 o4 o5 o6 (repair o1 and merged o8 left out); only o3 qualifies.
    found = kpi_value("fcr", unit=None, period=ON_D)
    assert (found.n, found.d, found.value) == (1, 5, 20.0)


def test_sla_compliance_counts_met_of_met_and_breached_clocks(kpi_world: KpiWorld) -> None:
    # Met: o1 arrival, o1 restoration; breached: o3 reply, o9 arrival; o4's cancel: ended.
    found = kpi_value("sla_compliance", unit=None, period=ON_D)
    assert (found.n, found.d, found.value) == (2, 4, 50.0)
    by_key = {key: v.value for key, v in kpi_breakdown(
        "sla_compliance", unit=None, period=ON_D, by="key")}  # fmt: skip
    assert by_key == {
        "repair_arrival:fault_repair": 50.0,
        "repair_restoration:fault_repair": 100.0,
        "reply:consultation": 0.0,
    }


def test_repair_arrival_and_restoration_are_mean_minutes_by_area(kpi_world: KpiWorld) -> None:
    assert value("repair_arrival", kpi_world) == pytest.approx(150.0)  # (30 + 270) / 2
    assert value("repair_arrival", kpi_world, key="urban") == pytest.approx(30.0)
    assert value("repair_arrival", kpi_world, key="rural") == pytest.approx(270.0)
    assert value("repair_arrival_on_time", kpi_world) == 50.0
    assert value("repair_restoration", kpi_world) == pytest.approx(150.0)
    assert value("repair_restoration", kpi_world, key="rural") is None  # no data, not 0


def test_complaints_by_leaf_category_and_per_10k_customers(kpi_world: KpiWorld) -> None:
    # o2 on D (o8 merged away); o7 on D-1. Three accounts in service.
    assert value("complaints", kpi_world) == 1
    assert value("complaints", kpi_world, key=kpi_world.leaf_o2) == 1
    assert value("complaints", kpi_world, period=Period(DAY_BEFORE, D)) == 2
    assert value("complaints_per_10k", kpi_world) == pytest.approx(10_000 / 3)


def test_a_leaf_category_maps_to_its_top_category(kpi_world: KpiWorld) -> None:
    lines = category_lines()
    leaf = lines["supply_quality.frequent_outage"]
    assert (leaf.top_code, leaf.top_name_zh, leaf.name_zh) == (
        "supply_quality",
        "供电质量投诉",
        "频繁停电",
    )
    assert lines["supply_quality"].top_code == "supply_quality"
    assert lines[kpi_world.leaf_o2].top_code == kpi_world.leaf_o2.split(".")[0]


def test_csat_is_satisfied_of_rated_and_score_the_mean_rating(kpi_world: KpiWorld) -> None:
    # Ratings 5, 3, 4 on D; the unanswered visit is no rating.
    csat = kpi_value("csat", unit=None, period=ON_D)
    assert (csat.n, csat.d) == (2, 3)
    assert csat.value == pytest.approx(66.67, abs=0.01)
    assert value("csat_score", kpi_world) == pytest.approx(4.0)
    crew = str(kpi_world.world.users["crew"].pk)
    assert value("csat_score", kpi_world, key=crew) == 5.0
    assert value("csat", kpi_world, channel="wechat") == 0.0


def test_agent_scorecards_count_for_the_agents_own_unit(kpi_world: KpiWorld) -> None:
    w, users = kpi_world.world, kpi_world.world.users
    handled = dict(kpi_breakdown("agent_orders", unit=None, period=ON_D, by="key"))
    assert {k: v.value for k, v in handled.items()} == {
        str(users["crew"].pk): 1.0,
        str(users["agent_s1"].pk): 1.0,  # o3; o4 was resolved on D+1
        str(users["agent_s2"].pk): 1.0,
    }
    assert value("agent_orders", kpi_world, period=Period(DAY_AFTER, DAY_AFTER)) == 1
    assert value("agent_orders", kpi_world, unit=w.team_1) == 1
    sla = {k: (v.n, v.d) for k, v in kpi_breakdown("agent_sla", unit=None, period=ON_D, by="key")}
    assert sla == {
        str(users["crew"].pk): (2, 2),
        str(users["agent_s1"].pk): (0, 1),
        str(users["agent_s2"].pk): (0, 1),
    }
