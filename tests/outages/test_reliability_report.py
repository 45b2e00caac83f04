"""Reliability over the stored outages: the selection, the CLI line and its failures."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gridcare.outages.choices import OutageKind, OutageLevel, OutageState, PlannedType
from gridcare.outages.selectors.reliability import (
    reliability_selection,
    reliability_total,
    reliability_view,
)
from gridcare.testing.personas import World
from tests.outages.outage_factory import bj, interruption_add, limited_supply, outage_make

pytestmark = pytest.mark.django_db
HOURS = 240  # 2026-03-01 … 2026-03-10


@pytest.fixture
def history(world: World) -> World:
    """F1/TR1 serves A; F2/TR2 serves B and C (3 customers).

    - a feeder fault on F2 on 3-02: B 10:00–11:00, C 10:00–10:30;
      a 台区 outage on TR2 inside it: B 10:15–11:15 → B is off 75 min once, not 120;
    - a planned outage on TR1 on 3-05: A 09:00–13:00 (240 min);
    - a limited-supply hour on TR2 on 3-07 for C (60 min; out of RS-3);
    - a cancelled planned outage and a row removed from a scope: nobody was off;
    - a possible customer-side fault of A (level customer): the customer's own installation,
      outside supply reliability (DL/T 836 counts the network up to the metering point).
    """
    tr1, tr2 = world.transformer_1, world.transformer_2
    feeder = outage_make(tr2, starts_at=bj("2026-03-02", "10:00"))
    interruption_add(feeder, world.account_b, bj("2026-03-02", "10:00"), 60)
    interruption_add(feeder, world.account_c, bj("2026-03-02", "10:00"), 30)
    area = outage_make(tr2, starts_at=bj("2026-03-02", "10:15"))
    interruption_add(area, world.account_b, bj("2026-03-02", "10:15"), 60)
    planned = outage_make(
        tr1,
        starts_at=bj("2026-03-05", "09:00"),
        kind=OutageKind.PLANNED,
        planned_type=PlannedType.MAINTENANCE,
    )
    interruption_add(planned, world.account_a, bj("2026-03-05", "09:00"), 240)
    shortage = limited_supply(tr2, bj("2026-03-07", "18:00"))
    interruption_add(shortage, world.account_c, bj("2026-03-07", "18:00"), 60)
    cancelled = outage_make(tr1, starts_at=bj("2026-03-08"), state=OutageState.CANCELLED)
    interruption_add(cancelled, world.account_a, bj("2026-03-08", "08:00"), 600)
    shrunk = outage_make(tr1, starts_at=bj("2026-03-09"))
    interruption_add(shrunk, world.account_a, bj("2026-03-09", "08:00"), 600, removed=True)
    own_fault = outage_make(tr1, starts_at=bj("2026-03-10", "07:00"), level=OutageLevel.CUSTOMER)
    interruption_add(own_fault, world.account_a, bj("2026-03-10", "07:00"), 90)
    return world


def _total(feeder: str = "", station: str = "") -> dict[str, object]:
    selection = reliability_selection(
        user=None,
        start_day=date(2026, 3, 1),
        end_day=date(2026, 3, 10),
        feeder_code=feeder,
        station_code=station,
    )
    return reliability_total(selection, now=bj("2026-04-01")).as_dict()


def test_whole_grid_hand_computed(history: World) -> None:
    body = _total()
    # 4 interruptions (B once, C twice, A once), 75 + 30 + 60 + 240 = 405 customer-minutes.
    assert body["customers_served"] == 3
    assert body["customer_interruptions"] == 4
    assert body["saifi"] == pytest.approx(4 / 3, abs=1e-6)
    assert body["saidi_minutes"] == pytest.approx(135)
    assert body["caidi_minutes"] == pytest.approx(101.25)
    assert body["rs1"] == pytest.approx(100 * (1 - 135 / 60 / HOURS), abs=1e-6)
    assert body["rs3"] == pytest.approx(100 * (1 - 115 / 60 / HOURS), abs=1e-6)
    assert body["planned"]["saidi_minutes"] == pytest.approx(100)  # 240 + 60 over 3
    assert body["unplanned"]["customer_interruptions"] == 2


def test_by_feeder_station_and_month(history: World) -> None:
    assert _total(feeder="F2")["customers_served"] == 2
    assert _total(feeder="F2")["saidi_minutes"] == pytest.approx((75 + 30 + 60) / 2)
    assert _total(station="S1")["saidi_minutes"] == pytest.approx(240)
    selection = reliability_selection(
        user=None, start_day=date(2026, 2, 15), end_day=date(2026, 3, 10)
    )
    view = reliability_view(selection, now=bj("2026-04-01"))
    assert [row.label for row in view.by_month] == ["2026-02", "2026-03"]
    assert view.by_month[0].report.all.customer_interruptions == 0
    assert view.by_month[1].report.all.customer_minutes == pytest.approx(405)
    assert {row.key for row in view.by_feeder} == {
        str(history.feeder_1.pk),
        str(history.feeder_2.pk),
    }
    served = {r.label: r.report.all.customers_served for r in view.by_station}
    assert served == {"石牌供电所": 1, "棠下供电所": 2}


def test_staff_see_only_their_scope(history: World) -> None:
    selection = reliability_selection(
        user=history.users["agent_s1"], start_day=date(2026, 3, 1), end_day=date(2026, 3, 10)
    )
    assert reliability_total(selection, now=bj("2026-04-01")).all.customers_served == 1
    with pytest.raises(Exception, match="线路不存在"):
        reliability_selection(
            user=history.users["agent_s1"],
            start_day=date(2026, 3, 1),
            end_day=date(2026, 3, 10),
            feeder_code="F2",
        )


def test_cli_prints_one_json_line(history: World) -> None:
    out = StringIO()
    call_command(
        "outages", "reliability", "--from", "2026-03-01", "--to", "2026-03-10", "--json", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    body = json.loads(lines[0])
    for key in (
        "customers_served",
        "saifi",
        "saidi_minutes",
        "caidi_minutes",
        "asai",
        "rs1",
        "rs3",
    ):
        assert key in body
    assert body["saidi_minutes"] == pytest.approx(135)


def test_cli_table_and_feeder(history: World) -> None:
    out = StringIO()
    call_command(
        "outages",
        "reliability",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-10",
        "--feeder",
        "F1",
        stdout=out,
    )
    text = out.getvalue()
    assert "1 customers served" in text
    assert "RS-3" in text


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--from", "2026-03-10", "--to", "2026-03-01"], "结束日期不能早于开始日期"),
        (["--from", "2026-3-1", "--to", "2026-03-10"], "应为日期"),
        (["--from", "2026-03-01", "--to", "2026-03-10", "--feeder", "NOPE"], "线路不存在"),
        (["--from", "2020-01-01", "--to", "2026-03-10"], "统计期最长三年"),
    ],
)
def test_cli_errors_say_why(world: World, args: list[str], reason: str) -> None:
    with pytest.raises(CommandError, match=reason):
        call_command("outages", "reliability", *args, stdout=StringIO())
