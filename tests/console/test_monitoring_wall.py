"""The duty wall (值班大屏): who may open it (every persona × the page and its live
fragment), and what each reader sees of today within their own scope: contacts, open and
overdue orders, SLA clocks at risk, live outages and alert firings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.customers.models import Interaction
from gridcare.monitoring.models import AlertFiring, AlertRule
from gridcare.service.models import SlaClock
from gridcare.service.services import OrderDraft, order_create
from gridcare.testing.personas import ACCOUNT_A, World
from tests.outages.factory import outage_make

STAFF = ["agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin"]
WALL_READERS = {"agent_s1", "agent_s2", "dispatcher", "analyst", "manager", "admin"}
PAGES = ["/console/monitoring/wall/", "/console/monitoring/wall/live/"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_the_staff_login(world: World, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


@pytest.mark.parametrize("persona", STAFF)
@pytest.mark.parametrize("path", PAGES)
def test_each_wall_page_answers_each_role_with_200_or_403(
    world: World, client_for, persona: str, path: str
) -> None:
    expected = 200 if persona in WALL_READERS else 403
    assert client_for(persona).get(path).status_code == expected


def _number(page: str, testid: str) -> int:
    return int(page.split(f'data-testid="{testid}">')[1].split("<")[0])


@pytest.fixture
def today_in_s1(world: World) -> str:
    """An S1 repair order whose arrival clock is overdue, a contact and an alert today."""
    now = timezone.now()
    draft = OrderDraft(
        order_type="fault_repair", origin="web", title="停电", account_number=ACCOUNT_A
    )
    order = order_create(actor=world.users["agent_s1"], draft=draft)
    SlaClock.objects.filter(order=order).update(
        warn_at=now - dt.timedelta(minutes=30), deadline_at=now - dt.timedelta(minutes=5)
    )
    Interaction.objects.create(
        customer=world.customer_alice, account=world.account_a, channel="hotline",
        direction="inbound", summary="来电",
    )  # fmt: skip
    rule = AlertRule.objects.create(
        code="sla", name="SLA 低于目标", kind="sla_below_target", threshold=90
    )
    AlertFiring.objects.create(
        rule=rule, subject="S1", subject_label="石牌供电所", org_unit=world.station_1,
        window_start=now - dt.timedelta(hours=1), window_end=now, value=80.0, threshold=90.0,
    )  # fmt: skip
    outage_make(accounts=[world.account_a])
    return order.number


def test_the_live_fragment_counts_what_happens_today_in_the_readers_scope(
    world: World, client_for, today_in_s1: str
) -> None:
    page = client_for("agent_s1").get("/console/monitoring/wall/live/").content.decode()
    assert _number(page, "wall-open") >= 1
    assert _number(page, "wall-overdue") >= 1
    assert _number(page, "wall-contacts") >= 1
    assert _number(page, "wall-outages") == 1
    assert today_in_s1 in page  # the clock past its deadline is listed
    assert "SLA 低于目标" in page
    assert 'hx-trigger="every 15s"' in page


def test_another_stations_agent_sees_none_of_it(world: World, client_for, today_in_s1: str) -> None:
    page = client_for("agent_s2").get("/console/monitoring/wall/live/").content.decode()
    assert _number(page, "wall-open") == 0
    assert _number(page, "wall-contacts") == 0
    assert _number(page, "wall-outages") == 0
    assert today_in_s1 not in page
    assert "SLA 低于目标" not in page


def test_the_poll_interval_comes_from_the_settings(world: World, client_for, settings) -> None:
    settings.MONITORING_WALL_POLL_SECONDS = 3
    page = client_for("manager").get("/console/monitoring/wall/").content.decode()
    assert 'hx-get="/console/monitoring/wall/live/"' in page
    assert 'hx-trigger="every 3s"' in page


def test_the_wall_answers_in_a_bounded_number_of_queries(
    world: World, client_for, today_in_s1: str, django_assert_max_num_queries
) -> None:
    client = client_for("manager")
    with django_assert_max_num_queries(25):
        assert client.get("/console/monitoring/wall/live/").status_code == 200
