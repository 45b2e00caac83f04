"""Agent and team scorecards from facts keyed by agent id and from team units."""

from __future__ import annotations

import datetime as dt

import pytest

from gridcare.monitoring.selectors.facts import Period
from gridcare.monitoring.selectors.scorecards import agent_scorecard, team_scorecard
from gridcare.testing.personas import World

from .index_support import fact, ratio

NOV = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
DAY = dt.date(2026, 11, 3)


def _agents(world: World) -> tuple[str, str]:
    a1, a2 = str(world.users["agent_s1"].pk), str(world.users["agent_s2"].pk)
    s1, s2 = world.station_1, world.station_2
    fact(DAY, "agent_orders", s1, n=12, key=a1)
    fact(DAY + dt.timedelta(days=1), "agent_orders", s1, n=3, key=a1)
    fact(DAY, "agent_sla", s1, n=9, d=10, key=a1)
    fact(DAY, "csat", s1, n=4, d=5, key=a1, channel="hotline")
    fact(DAY, "csat_score", s1, n=5, total=22.0, key=a1, channel="hotline")
    fact(DAY, "agent_orders", s2, n=20, key=a2)
    fact(DAY, "csat", s2, n=1, d=1, key="")  # no agent: not a row
    fact(dt.date(2026, 10, 30), "agent_orders", s1, n=99, key=a1)  # outside the period
    return a1, a2


def test_agent_scorecard_reads_each_agents_facts(world: World) -> None:
    a1, a2 = _agents(world)
    rows = agent_scorecard(unit=world.bureau, period=NOV)
    assert [(r.user_id, r.orders) for r in rows] == [(int(a2), 20), (int(a1), 15)]
    mine = rows[1]
    assert mine.name == "agent_s1"
    assert mine.org_unit == world.station_1.name
    assert mine.sla == pytest.approx(90.0)
    assert mine.csat == pytest.approx(80.0)
    assert mine.ratings == 5
    assert mine.score == pytest.approx(4.4)
    assert rows[0].sla is None
    assert rows[0].csat is None


def test_agent_scorecard_keeps_to_the_scope(world: World) -> None:
    a1, _ = _agents(world)
    rows = agent_scorecard(unit=world.station_1, period=NOV)
    assert [r.user_id for r in rows] == [int(a1)]


def test_team_scorecard_scores_each_team(world: World) -> None:
    ratio(DAY, "csat", world.team_1, 90, 100)  # 80 points; the only KPI with data
    rows = team_scorecard(unit=world.bureau, period=NOV)
    assert [(r.unit.code, r.rank) for r in rows] == [("T1", 1)]
    assert rows[0].score.total == pytest.approx(80.0)
    assert team_scorecard(unit=world.station_2, period=NOV) == []
