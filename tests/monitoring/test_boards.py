"""The dashboards' composed data from a small hand-written set of facts: headline values
and their previous period, the complaint structure and its shares, per-10k, repair times
against the commitments, agent ranking, drill-down rows and links per level, and
"not available" (app missing) kept apart from "no data" (nothing to divide)."""

from __future__ import annotations

import datetime as dt

import pytest

from gridcare.console.monitoring_charts import Links, structure_chart, units_chart
from gridcare.core.errors import NotFound
from gridcare.core.params import BadParameter
from gridcare.monitoring.selectors import board_sections as sections
from gridcare.monitoring.selectors.boards import (
    Scope,
    board_period,
    board_unit,
    default_period,
    headline,
    unit_rows,
)
from gridcare.monitoring.selectors.facts import Period
from gridcare.outages.selectors.reliability import reliability_selection, reliability_view
from gridcare.testing.personas import World
from tests.monitoring.boards_factory import built, fact

TODAY = dt.date(2026, 11, 21)
PERIOD = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 10))
BEFORE = dt.date(2026, 10, 25)  # in the previous period (2026-10-22 … 10-31)
DAY = dt.date(2026, 11, 5)


def scope(world: World, unit: str = "bureau") -> Scope:
    return Scope(unit=getattr(world, unit), period=PERIOD)


# --- Filters ------------------------------------------------------------------------


def test_the_default_period_is_30_days_ending_yesterday() -> None:
    assert default_period(TODAY) == Period(dt.date(2026, 10, 22), dt.date(2026, 11, 20))
    assert board_period(start=None, end=None, today=TODAY) == default_period(TODAY)


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (dt.date(2026, 11, 10), dt.date(2026, 11, 1), "monitoring.period.reversed"),
        (dt.date(2023, 1, 1), dt.date(2026, 11, 1), "monitoring.period.too_long"),
        (dt.date(2026, 11, 1), dt.date(2026, 11, 22), "monitoring.period.future"),
    ],
)
def test_a_bad_period_is_refused_with_its_code(start: dt.date, end: dt.date, code: str) -> None:
    with pytest.raises(BadParameter) as caught:
        board_period(start=start, end=end, today=TODAY)
    assert caught.value.code == code


def test_the_org_unit_defaults_to_the_scope_root_and_stays_within_it(world: World) -> None:
    assert board_unit(user=world.users["manager"], code="") == world.bureau
    assert board_unit(user=world.users["manager"], code="T1") == world.team_1
    assert board_unit(user=world.users["agent_s1"], code="") == world.station_1
    with pytest.raises(NotFound):
        board_unit(user=world.users["agent_s1"], code="S2")


# --- Headlines ----------------------------------------------------------------------


def test_a_ratio_adds_up_its_subtree_and_compares_with_the_previous_period(world: World) -> None:
    fact("sla_compliance", world.team_1, DAY, n=8, d=10, key="repair_arrival:fault_repair")
    fact("sla_compliance", world.station_2, DAY, n=1, d=2, key="reply:complaint")
    fact("sla_compliance", world.station_1, BEFORE, n=6, d=10, key="reply:complaint")
    h = headline("sla_compliance", scope(world))
    assert h.current.value == pytest.approx(75.0)  # (8 + 1) / (10 + 2)
    assert h.previous.value == pytest.approx(60.0)
    assert h.trend == "up"
    assert h.improved is True
    assert h.change == pytest.approx(15.0)


def test_fewer_complaints_is_an_improvement(world: World) -> None:
    fact("complaints", world.team_1, BEFORE, n=5, key="service.attitude")
    fact("complaints", world.team_1, DAY, n=2, key="service.attitude")
    h = headline("complaints", scope(world))
    assert (h.current.value, h.previous.value, h.trend, h.improved) == (2.0, 5.0, "down", True)


def test_a_count_before_the_data_begins_is_unknown_not_zero(world: World) -> None:
    fact("complaints", world.team_1, DAY, n=2, key="service.attitude")
    h = headline("complaints", scope(world))
    # Nothing was rolled up for the period before: "—" and no trend, not "0 ↗ +2".
    assert (h.current.value, h.previous.value, h.trend) == (2.0, None, "")
    built(BEFORE)
    h = headline("complaints", scope(world))
    # A built day with no complaint is a real 0.
    assert (h.previous.value, h.trend) == (0.0, "up")


def test_a_missing_app_reads_not_available_and_an_empty_ratio_no_data(
    world: World, settings
) -> None:
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "gridcare.assistant"]
    containment = headline("bot_containment", scope(world))
    assert containment.current.available is False
    assert containment.trend == ""
    fcr = headline("fcr", scope(world))
    assert fcr.current.available is True
    assert fcr.current.value is None
    assert fcr.trend == ""


# --- Complaints ---------------------------------------------------------------------


def test_the_complaint_structure_groups_leaves_under_their_top_category(world: World) -> None:
    fact("complaints", world.team_1, DAY, n=3, channel="hotline", key="supply_quality.voltage")
    fact("complaints", world.station_2, DAY, n=1, channel="web", key="supply_quality.voltage")
    fact("complaints", world.team_1, DAY, n=2, key="supply_quality.frequent_outage")
    fact("complaints", world.station_1, DAY, n=2, key="service.attitude")
    fact("complaints", world.station_1, DAY, n=2, key="no.such.code")
    structure = sections.complaint_structure(scope(world))
    assert [(c.code, c.n, c.share) for c in structure] == [
        ("supply_quality", 6, 0.6),
        ("", 2, 0.2),  # other: a code the taxonomy does not know
        ("service", 2, 0.2),
    ]
    assert [(c.code, c.n, c.share) for c in structure[0].children] == [
        ("supply_quality.voltage", 4, 0.4),
        ("supply_quality.frequent_outage", 2, 0.2),
    ]
    assert structure[0].name_zh == "供电质量投诉"


def test_complaints_per_10k_customers_use_the_customers_on_the_last_day(world: World) -> None:
    fact("customers", world.station_1, PERIOD.end, n=12_000)
    fact("customers", world.station_2, PERIOD.end, n=8_000)
    fact("complaints", world.team_1, DAY, n=10, key="service.attitude")
    board = sections.complaints_board(scope(world))
    assert board.per_10k.current.value == pytest.approx(5.0)  # 10 / 20,000 × 10,000
    per_unit = {row.unit.code: row.values["complaints_per_10k"].value for row in board.units}
    assert per_unit == {"S1": pytest.approx(10 / 12_000 * 10_000), "S2": 0.0}


def test_the_structure_chart_links_each_category_to_its_orders(world: World) -> None:
    fact("complaints", world.team_1, DAY, n=3, key="supply_quality.voltage")
    s = scope(world)
    chart = structure_chart(sections.complaint_structure(s), Links(board="complaints", scope=s))
    top = chart["data"][0]
    assert top["value"] == 3
    assert "unit=B1" in top["link"]
    assert "category=supply_quality" in top["link"]
    assert "category=supply_quality.voltage" in top["children"][0]["link"]


# --- Drill-down ---------------------------------------------------------------------


def test_drill_down_rows_go_bureau_to_station_to_team_and_stop_at_the_team(world: World) -> None:
    fact("orders", world.team_1, DAY, n=4, key="fault_repair")
    fact("orders", world.station_1, DAY, n=1, key="complaint")
    fact("orders", world.station_2, DAY, n=2, key="complaint")
    bureau = unit_rows(("orders",), scope(world))
    assert [(r.unit.code, r.values["orders"].value) for r in bureau] == [("S1", 5.0), ("S2", 2.0)]
    station = unit_rows(("orders",), scope(world, "station_1"))
    assert [(r.unit.code, r.values["orders"].value, r.is_team) for r in station] == [
        ("T1", 4.0, True)
    ]
    assert unit_rows(("orders",), scope(world, "team_1")) == []


def test_chart_bars_link_one_level_down_and_a_team_to_its_orders(world: World) -> None:
    fact("sla_compliance", world.team_1, DAY, n=1, d=2)
    s = scope(world, "station_1")
    links = Links(board="sla", scope=s)
    chart = units_chart(unit_rows(("sla_compliance",), s), "sla_compliance", links)
    assert chart["values"] == [50.0]
    assert chart["links"] == ["/console/monitoring/sla/?from=2026-11-01&to=2026-11-10&org=T1"]
    assert links.orders_url(world.team_1, type="complaint") == (
        "/console/orders/?unit=T1&from=2026-11-01&to=2026-11-10&type=complaint"
    )
    assert Links(board="", scope=s).board_url(world.bureau).startswith("/console/monitoring/?")


def test_a_unit_with_no_facts_has_no_data_not_zero(world: World) -> None:
    fact("csat", world.team_1, DAY, n=9, d=10)
    rows = {r.unit.code: r.values["csat"] for r in unit_rows(("csat",), scope(world))}
    assert rows["S1"].value == pytest.approx(90.0)
    assert rows["S2"].value is None


# --- SLA, satisfaction, channels ----------------------------------------------------


def test_repair_times_are_read_against_the_commitments_in_use(world: World) -> None:
    fact("repair_arrival", world.team_1, DAY, n=2, total=100.0, key="urban")
    fact("repair_arrival_on_time", world.team_1, DAY, n=1, d=2, key="urban")
    fact("repair_restoration", world.team_1, DAY, n=2, total=300.0, key="urban")
    urban, rural, _remote = sections.repair_times(scope(world))
    assert (urban.arrival.value, urban.arrival_limit) == (50.0, 45.0)
    assert urban.arrival_on_time.value == pytest.approx(50.0)
    assert (urban.restoration.value, urban.restoration_limit) == (150.0, 180.0)
    assert rural.arrival.value is None
    assert rural.arrival_limit == 90.0


def test_sla_compliance_splits_by_commitment_and_order_type(world: World) -> None:
    fact("sla_compliance", world.team_1, DAY, n=3, d=4, key="repair_arrival:fault_repair")
    fact("sla_compliance", world.station_1, DAY, n=1, d=4, key="reply:complaint")
    board = sections.sla_board(scope(world))
    assert [(c, t, v.value) for c, t, v in board.by_commitment] == [
        ("repair_arrival", "fault_repair", 75.0),
        ("reply", "complaint", 25.0),
    ]
    assert board.compliance.current.value == pytest.approx(50.0)


def test_agents_are_ranked_only_with_enough_ratings(world: World) -> None:
    agent_1, agent_2 = world.users["agent_s1"], world.users["agent_s2"]
    fact("csat", world.station_1, DAY, n=5, d=5, channel="web", key=str(agent_1.pk))
    fact("csat", world.station_2, DAY, n=3, d=6, channel="hotline", key=str(agent_2.pk))
    fact("csat", world.station_2, DAY, n=1, d=1, key=str(world.users["clerk_s1"].pk))
    board = sections.satisfaction_board(scope(world))
    assert [(a.user_id, a.value.value) for a in board.top] == [
        (agent_1.pk, 100.0),
        (agent_2.pk, 50.0),
    ]
    assert board.bottom == []  # both ranked agents are already in the top list
    assert {c: v.value for c, v in board.by_channel} == {
        "hotline": 50.0,
        "web": 100.0,
        "": 100.0,
    }


def test_channels_split_contacts_online_and_offline(world: World) -> None:
    fact("contacts", world.station_1, DAY, n=6, channel="wechat", key="inbound")
    fact("contacts", world.station_1, DAY, n=3, channel="hotline", key="inbound")
    fact("contacts", world.station_2, DAY, n=1, channel="hotline", key="outbound")
    fact("payments", world.station_1, DAY, n=3, channel="alipay")
    board = sections.channels_board(scope(world))
    assert (board.online, board.offline) == (6, 4)
    assert board.contacts[("hotline", "inbound")] == 3
    assert [(c, v.n) for c, v in board.payments] == [("alipay", 3)]


def test_the_reliability_board_is_the_outages_report_not_a_copy(world: World) -> None:
    board = sections.reliability_board(user=world.users["manager"], scope=scope(world, "team_1"))
    selection = reliability_selection(
        user=world.users["manager"],
        start_day=PERIOD.start,
        end_day=PERIOD.end,
        station_code="S1",  # a team has no 台区: its station's report
    )
    direct = reliability_view(selection)
    assert board.total.all.customers_served == direct.total.all.customers_served == 1
