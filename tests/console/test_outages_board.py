"""The console outage board, its polled body, one outage's page, and the outage banners on
the customer 360, the inbox and a conversation: what each persona sees, the scope
(another station's outage is 404), and hostile values."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gridcare.contact.models import Conversation
from gridcare.outages.choices import OutageLevel
from gridcare.outages.models import Outage
from gridcare.testing.personas import ACCOUNT_A, World
from tests.outages.factory import outage_make

PAGES = ["/console/outages/board/", "/console/outages/board/live/", "/console/outages/{tr1}/"]


@pytest.fixture
def tr1(world: World) -> Outage:
    return outage_make(accounts=[world.account_a])


@pytest.fixture
def feeder_2(world: World) -> Outage:
    """A feeder trip on F2 (station S2): B is back already, C still off."""
    return outage_make(
        accounts=[world.account_b, world.account_c],
        level=OutageLevel.FEEDER,
        restored_accounts=(world.account_b.number,),
    )


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_goes_to_the_staff_login(tr1: Outage, page: str) -> None:
    response = Client().get(page.format(tr1=tr1.number))
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


@pytest.mark.parametrize("page", PAGES)
def test_customers_are_sent_to_the_portal(client_for, tr1: Outage, page: str) -> None:
    response = client_for("alice").get(page.format(tr1=tr1.number))
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


@pytest.mark.parametrize(
    "persona", ["agent_s1", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin"]
)
@pytest.mark.parametrize("page", PAGES)
def test_staff_of_the_scope_open_every_page(
    client_for, tr1: Outage, persona: str, page: str
) -> None:
    assert client_for(persona).get(page.format(tr1=tr1.number)).status_code == 200


def test_another_stations_outage_is_404_and_not_on_its_board(client_for, tr1: Outage) -> None:
    agent_s2 = client_for("agent_s2")
    assert agent_s2.get(f"/console/outages/{tr1.number}/").status_code == 404
    board = agent_s2.get("/console/outages/board/").content.decode()
    assert tr1.number not in board
    assert 'data-testid="board-empty"' in board


def test_the_board_draws_the_scope_on_the_topology(
    client_for, tr1: Outage, feeder_2: Outage
) -> None:
    html = client_for("manager").get("/console/outages/board/").content.decode()
    assert tr1.number in html
    assert feeder_2.number in html
    assert 'hx-trigger="every 15s"' in html
    assert "110kV 石牌站" in html
    assert "10kV 石牌线" in html
    assert "10kV 棠下线" in html
    assert 'data-status="off"' in html  # TR1: its one account off
    assert 'data-status="partial"' in html  # TR2: B back, C off
    assert 'data-testid="board-off-total">2<' in html


def test_the_live_body_is_the_board_without_the_page(client_for, tr1: Outage) -> None:
    html = client_for("dispatcher").get("/console/outages/board/live/").content.decode()
    assert tr1.number in html
    assert "<html" not in html


def test_linked_calls_count_orders_merged_into_the_repair_order(
    client_for, world: World, tr1: Outage
) -> None:
    from gridcare.service.models import WorkOrder

    parent = WorkOrder.objects.create(
        number="GD0000000001",
        order_type="fault_repair",
        origin="system",
        title="抢修",
        org_unit=world.station_1,
    )
    for n in range(2):
        WorkOrder.objects.create(
            number=f"GD000000001{n}",
            order_type="fault_repair",
            origin="hotline",
            title="停电",
            org_unit=world.station_1,
            parent=parent,
            state="merged",
        )
    Outage.objects.filter(pk=tr1.pk).update(repair_order_number=parent.number)
    board = client_for("dispatcher").get("/console/outages/board/").content.decode()
    assert re.search(r'data-testid="board-linked-calls">.*?<strong>2</strong>', board)
    page = client_for("dispatcher").get(f"/console/outages/{tr1.number}/").content.decode()
    assert "GD0000000010" in page
    assert "GD0000000011" in page


def test_the_outage_page_lists_accounts_with_their_own_restoration(
    client_for, feeder_2: Outage
) -> None:
    html = client_for("agent_s2").get(f"/console/outages/{feeder_2.number}/").content.decode()
    assert "3100000000002" in html
    assert "3100000000003" in html
    assert "五金厂" not in html  # names are masked
    assert 'data-testid="outage-affected"><strong>1</strong> / 2' in html


def test_the_customer_360_shows_the_outage_banner(client_for, world: World, tr1: Outage) -> None:
    html = (
        client_for("agent_s1")
        .get(f"/console/customers/{world.customer_alice.pk}/")
        .content.decode()
    )
    assert 'data-testid="outage-banner"' in html
    assert ACCOUNT_A in html
    assert tr1.number in html
    bob_360 = client_for("agent_s2").get(f"/console/customers/{world.customer_bob.pk}/")
    assert 'data-testid="outage-banner"' not in bob_360.content.decode()


def test_the_inbox_and_the_conversation_show_the_outage(
    client_for, world: World, tr1: Outage
) -> None:
    conversation = Conversation.objects.create(customer=world.customer_alice, channel="web_chat")
    inbox = client_for("agent_s1").get("/console/inbox/").content.decode()
    assert 'data-testid="conversation-outage"' in inbox
    assert tr1.number in inbox
    page = client_for("agent_s1").get(f"/console/inbox/{conversation.pk}/").content.decode()
    assert 'data-testid="outage-banner"' in page


@pytest.mark.parametrize("number", ["TD1", "TD20261207000001x", "../admin", "TD" + "9" * 40])
def test_hostile_numbers_are_404(client_for, tr1: Outage, number: str) -> None:
    assert client_for("manager").get(f"/console/outages/{number}/").status_code == 404


def test_planned_outages_of_the_next_24_hours_are_listed_apart(client_for, world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from gridcare.outages.choices import OutageKind, OutageState

    soon = outage_make(
        accounts=[world.account_a],
        kind=OutageKind.PLANNED,
        state=OutageState.PUBLISHED,
        starts_at=timezone.now() + timedelta(hours=5),
    )
    later = outage_make(
        accounts=[world.account_a],
        kind=OutageKind.PLANNED,
        state=OutageState.PUBLISHED,
        starts_at=timezone.now() + timedelta(days=3),
    )
    html = client_for("agent_s1").get("/console/outages/board/").content.decode()
    assert 'data-testid="board-upcoming"' in html
    assert soon.number in html
    assert later.number not in html
    assert 'data-testid="board-empty"' in html  # nothing is off yet


def test_the_workbench_card_counts_what_is_off(client_for, tr1: Outage, feeder_2: Outage) -> None:
    manager = client_for("manager").get("/console/").content.decode()
    assert re.search(r'data-testid="dashboard-outages">.*?>2</div>', manager, re.S)
    agent_s1 = client_for("agent_s1").get("/console/").content.decode()
    assert re.search(r'data-testid="dashboard-outages">.*?>1</div>', agent_s1, re.S)
