"""The service-quality index page in a browser, desktop and phone: the trend and rank
charts draw (a canvas inside each chart element) and a manager saves a new version."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from gridcare.testing.personas import PASSWORD, World
from tests.e2e.conftest import screenshot
from tests.e2e.test_smoke import log_in
from tests.monitoring.index_support import fact, ratio

pytestmark = pytest.mark.e2e

QUERY = "org=B1&from=2026-11-01&to=2026-11-30"


@pytest.fixture
def index_facts(live_world: World) -> World:
    """Six months of facts for both stations, S2 a little better each month."""
    world = live_world
    for month in range(6, 12):
        day = dt.date(2026, month, 10)
        for unit, csat, sla in ((world.station_1, 84 + month, 88), (world.station_2, 90, 92)):
            ratio(
                day,
                "csat",
                unit,
                csat,
                100,
                channel="wechat" if unit == world.station_1 else "hotline",
            )
            ratio(day, "sla_compliance", unit, sla, 100, channel="web")
            ratio(day, "fcr", unit, 70 + month, 100)
            ratio(day, "repeat_contacts", unit, 12, 100)
            fact(day, "complaints", unit, n=3)
            fact(day, "customers", unit, n=5_000)
    return world


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_index_page_draws_its_charts(
    live_server, index_facts: World, page: Page, mobile_page: Page, device: str
) -> None:
    tab = page if device == "desktop" else mobile_page
    log_in(tab, f"{live_server.url}/console/login/", "analyst", PASSWORD)
    tab.goto(f"{live_server.url}/console/monitoring/index/?{QUERY}")
    expect(tab.get_by_test_id("index-value")).not_to_have_text("")
    for chart in ("chart-trend", "chart-rank"):
        expect(tab.get_by_test_id(chart).locator("canvas")).to_have_count(1)
        expect(tab.get_by_test_id(chart)).to_have_attribute("data-rendered", "true")
    expect(tab.locator("[data-testid=index-children] tr[data-unit]")).to_have_count(2)
    expect(
        tab.locator("[data-testid=index-children] tr[data-unit=S2] [data-testid=rank]")
    ).to_have_text("1")
    screenshot(tab, f"monitoring-index-{device}")


def test_manager_saves_weights_and_sees_the_error_inline(
    live_server, index_facts: World, page: Page
) -> None:
    log_in(page, f"{live_server.url}/console/login/", "manager", PASSWORD)
    page.goto(f"{live_server.url}/console/monitoring/index/weights/")
    page.locator("input[name=weight_csat]").fill("30")  # the sum is now 105
    page.get_by_test_id("weights-save").click()
    expect(page.get_by_test_id("weights-error")).to_contain_text("100")
    screenshot(page, "monitoring-weights-error")
    page.locator("input[name=weight_csat]").fill("25")
    page.locator("input[name=effective_from]").fill("2027-01-01")
    page.get_by_test_id("weights-save").click()
    expect(page.get_by_test_id("weights-saved")).to_be_visible()
    expect(page.locator("[data-testid=version-history] tr[data-version]")).to_have_count(2)
