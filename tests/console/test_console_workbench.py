"""The workbench shows what each role can do today: no promises of features not built."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from gridcare.contact.services import web_chat_message
from gridcare.customers.models import Account
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World
from tests.metering.conftest import DAY_1, DAY_2, full_days, interval_end, long_csv

ROLES = ["agent_s1", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin"]


@pytest.fixture
def readings(world: World, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """TR1 (S1, 400 kVA) peaks at 89 % on DAY_2; TR2 (S2, 630 kVA) at 113 %."""
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"
    # Both meters draw hundreds of kW: their accounts are large business ones (the importer
    # rejects readings beyond 4 × the contracted kVA, `metering.vee.over_capacity`).
    Account.objects.filter(number__in=[ACCOUNT_A, ACCOUNT_B]).update(contracted_capacity_kva=400)
    rows = [
        *full_days("MA0001", [DAY_1, DAY_2], 25.0),
        *[("MA0001", interval_end(DAY_2, slot), "80") for slot in range(72, 80)],
        *full_days("MB0001", [DAY_1, DAY_2], 30.0),
        *[("MB0001", interval_end(DAY_2, slot), "160") for slot in range(72, 80)],
    ]
    call_command("meter", "import", str(long_csv(tmp_path / "r.csv", rows)))


@pytest.mark.parametrize("name", ROLES)
def test_no_workbench_promises_a_feature_that_does_not_exist(
    world: World, client_for, name: str
) -> None:
    body = client_for(name).get("/console/").content.decode()
    for promise in ("即将上线", "Coming to this workbench", "arrive here as they are built"):
        assert promise not in body


def test_crew_sees_their_team_and_their_stations_load_alerts(
    world: World, client_for, readings: None
) -> None:
    body = client_for("crew").get("/console/").content.decode()
    path = body.split('data-testid="unit-path"')[1].split("</p>")[0]
    assert "石牌供电所 › 石牌抢修班" in path
    alerts = body.split('data-testid="load-alerts"')[1]
    assert DAY_2.isoformat() in alerts
    assert alerts.count('data-testid="load-alert"') == 1
    assert "石牌1号台区" in alerts
    assert "89%" in alerts
    assert "棠下1号台区" not in body, "TR2 is another station's 台区"
    assert 'href="/console/transformers/TR1/?day=' in alerts


def test_agent_sees_how_many_conversations_wait(world: World, client_for) -> None:
    web_chat_message(user=world.users["alice"], customer_id=world.customer_alice.pk, text="在吗？")
    agent = client_for("agent_s1").get("/console/").content.decode()
    waiting = agent.split('data-testid="waiting-conversations"')[1].split("</a>")[0]
    assert ">1<" in waiting
    # The crew answers no conversations: no inbox card.
    assert (
        'data-testid="waiting-conversations"'
        not in client_for("crew").get("/console/").content.decode()
    )


def test_inbox_names_the_channel_for_people_not_by_its_code(world: World, client_for) -> None:
    web_chat_message(user=world.users["alice"], customer_id=world.customer_alice.pk, text="在吗？")
    body = client_for("agent_s1").get("/console/inbox/").content.decode()
    channel = body.split('data-testid="conversation-channel">')[1].split("<")[0]
    assert channel == "网页/H5 在线客服"
    assert "web_chat" not in body
