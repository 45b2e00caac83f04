"""Outage screens in a browser, desktop and phone: the portal search and my outages with
the home banner, and the console board drawing the scope and refreshing itself."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from gridcare.outages.choices import OutageKind, OutageLevel, OutageState
from gridcare.testing.personas import ALICE_MOBILE, PASSWORD, World
from tests.e2e.conftest import screenshot
from tests.e2e.test_portal_phone import assert_no_sideways_scroll
from tests.e2e.test_smoke import log_in
from tests.outages.factory import outage_make

pytestmark = pytest.mark.e2e


@pytest.fixture
def outages(live_world: World) -> dict[str, str]:
    world = live_world
    tr1 = outage_make(accounts=[world.account_a], etr_minutes=120)
    trip = outage_make(
        accounts=[world.account_b, world.account_c],
        level=OutageLevel.FEEDER,
        restored_accounts=(world.account_b.number,),
    )
    start = timezone.now() - timedelta(days=40)
    outage_make(
        accounts=[world.account_a],
        state=OutageState.RESTORED,
        starts_at=start,
        restored_at=start + timedelta(minutes=95),
    )
    planned = outage_make(
        accounts=[world.account_b],
        kind=OutageKind.PLANNED,
        level=OutageLevel.FEEDER,
        state=OutageState.PUBLISHED,
        starts_at=timezone.now() + timedelta(days=5),
        reason="10kV 棠下线 设备检修",
    )
    return {"tr1": tr1.number, "trip": trip.number, "planned": planned.number}


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_portal_search_my_outages_and_home_banner(
    live_server, outages: dict[str, str], page: Page, mobile_page: Page, device: str
) -> None:
    tab = page if device == "desktop" else mobile_page
    tab.goto(f"{live_server.url}/portal/outages/")
    expect(tab.get_by_test_id("outage-card")).to_have_count(3)
    tab.get_by_test_id("outage-q").fill("石牌1号台区")
    tab.get_by_test_id("outage-search-submit").click()
    expect(tab.get_by_test_id("outage-card")).to_have_count(1)
    expect(tab.get_by_test_id("outage-etr")).to_contain_text("估算")
    assert_no_sideways_scroll(tab)
    screenshot(tab, f"outages-portal-search-{device}")

    log_in(tab, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    expect(tab).to_have_url(re.compile(r"/portal/$"))
    expect(tab.get_by_test_id("home-outage-banner")).to_be_visible()
    assert_no_sideways_scroll(tab)
    screenshot(tab, f"outages-portal-home-{device}")
    tab.get_by_test_id("home-outage-banner").click()
    expect(tab).to_have_url(re.compile(r"/portal/outages/mine/$"))
    expect(tab.get_by_test_id("my-outage-off")).to_be_visible()
    expect(tab.get_by_test_id("my-outage-past-row")).to_have_count(1)
    assert_no_sideways_scroll(tab)
    screenshot(tab, f"outages-portal-mine-{device}")


def test_console_board_draws_the_scope_and_refreshes(
    live_server, live_world: World, outages: dict[str, str], page: Page
) -> None:
    log_in(page, f"{live_server.url}/console/login/", "manager", PASSWORD)
    page.goto(f"{live_server.url}/console/outages/board/")
    expect(page.get_by_test_id("board-outage")).to_have_count(2)
    expect(page.locator('[data-testid="topology-area"][data-status="partial"]')).to_have_count(1)
    screenshot(page, "outages-console-board")
    # A new outage appears without a reload (htmx polls the board's body).
    late = outage_make(accounts=[live_world.account_c], level=OutageLevel.TRANSFORMER)
    expect(page.get_by_test_id("board-outage")).to_have_count(3, timeout=25_000)
    expect(page.get_by_text(late.number)).to_be_visible()
    page.get_by_test_id("board-outage-link").first.click()
    expect(page.get_by_test_id("outage-topology")).to_be_visible()
    screenshot(page, "outages-console-detail")


def test_console_board_on_a_phone(live_server, outages: dict[str, str], mobile_page: Page) -> None:
    log_in(mobile_page, f"{live_server.url}/console/login/", "dispatcher", PASSWORD)
    mobile_page.goto(f"{live_server.url}/console/outages/board/")
    expect(mobile_page.get_by_test_id("board-outage")).to_have_count(1)
    screenshot(mobile_page, "outages-console-board-phone")
