"""Monitoring dashboards and the duty wall in Chromium, desktop and phone: every chart
draws (an ECharts instance with a canvas), a click on a unit's bar drills down, the table
links lead from bureau to station to team to the orders list, and the wall's live
fragment refreshes itself without a reload."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from gridcare.customers.models import Interaction
from gridcare.testing.personas import PASSWORD, World
from tests.e2e.test_portal_phone import assert_no_sideways_scroll
from tests.e2e.test_smoke import log_in
from tests.monitoring.boards_factory import built, fact

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
BOARDS = ["", "complaints", "sla", "satisfaction", "channels", "reliability"]


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"monitoring-{name}.png"), full_page=True)


@pytest.fixture
def facts(live_world: World) -> World:
    """A month of facts for the bureau: a little of every metric the boards read."""
    w = live_world
    end = timezone.localdate() - dt.timedelta(days=1)
    agent = str(w.users["agent_s1"].pk)
    for i in range(0, 28, 3):
        day = end - dt.timedelta(days=i)
        for unit, k in ((w.team_1, 1), (w.station_2, 2)):
            fact("contacts", unit, day, n=4 * k + i % 5, channel="hotline", key="inbound")
            fact("contacts", unit, day, n=6 + i % 7, channel="wechat", key="inbound")
            fact("contacts", unit, day, n=2, channel="portal", key="outbound")
            fact("orders", unit, day, n=3 * k, channel="web", key="fault_repair")
            fact("online_share", unit, day, n=3, d=5, key="new_residential")
            fact("fcr", unit, day, n=4, d=5, key="consultation")
            fact("sla_compliance", unit, day, n=8 + k, d=10, key="repair_arrival:fault_repair")
            fact("sla_compliance", unit, day, n=4, d=5, key="reply:complaint")
            fact("complaints", unit, day, n=k, key="supply_quality.voltage")
            fact("complaints", unit, day, n=1, key="service.attitude")
            fact("repeat_contacts", unit, day, n=1, d=10)
            fact("csat", unit, day, n=9, d=10, channel="web", key=agent)
            fact("csat_score", unit, day, n=10, total=46.0, channel="web", key=agent)
            fact("repair_arrival", unit, day, n=2, total=70.0 + 20 * k, key="urban")
            fact("repair_arrival_on_time", unit, day, n=1, d=2, key="urban")
            fact("repair_restoration", unit, day, n=2, total=200.0, key="urban")
            fact("hall_wait", unit, day, n=5, total=900.0)
            fact("hall_service", unit, day, n=5, total=1500.0)
            fact("bot_containment", unit, day, n=7, d=10, channel="web_chat")
            fact("bot_handoffs", unit, day, n=2, key="asked_for_agent")
            fact("notify_delivery", unit, day, n=95, d=100, channel="sms")
            fact("payments", unit, day, n=5, channel="wechat")
            fact("payments", unit, day, n=2, channel="counter_cash")
        built(day)
    fact("customers", w.station_1, end, n=12_000)
    fact("customers", w.station_2, end, n=8_000)
    return w


def assert_charts_drew(page: Page) -> int:
    charts = page.locator("[data-chart]")
    count = charts.count()
    for i in range(count):
        el = charts.nth(i)
        expect(el).to_have_attribute("data-rendered", "true")
        assert el.evaluate("el => !!window.echarts.getInstanceByDom(el)")
        assert el.locator("canvas").count() >= 1
    return count


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_each_dashboard_draws_its_charts(
    live_server, facts: World, page: Page, mobile_page: Page, device: str
) -> None:
    tab = page if device == "desktop" else mobile_page
    log_in(tab, f"{live_server.url}/console/login/", "manager", PASSWORD)
    for board in BOARDS:
        tab.goto(f"{live_server.url}/console/monitoring/{board + '/' if board else ''}")
        expect(tab.get_by_test_id("data-as-of")).to_be_visible()
        assert assert_charts_drew(tab) >= 1, board
        if device == "phone":
            assert_no_sideways_scroll(tab)
        shot(tab, f"{board or 'overview'}-{device}")


def test_a_click_on_a_units_bar_drills_down_and_the_links_reach_the_orders(
    live_server, facts: World, page: Page
) -> None:
    # Bars drawn at once (no growing animation), so a click lands on a whole bar.
    page.emulate_media(reduced_motion="reduce")
    log_in(page, f"{live_server.url}/console/login/", "manager", PASSWORD)
    page.goto(f"{live_server.url}/console/monitoring/sla/")
    chart = page.get_by_test_id("chart-units")
    expect(chart).to_have_attribute("data-rendered", "true")
    chart.scroll_into_view_if_needed()
    # The first bar (S1) in page coordinates, from the chart's own axis conversion.
    x, y = chart.evaluate(
        """el => { const c = window.echarts.getInstanceByDom(el);
                   const v = c.getOption().series[0].data[0].value;
                   const p = c.convertToPixel({seriesIndex: 0}, [0, v / 2]);
                   const r = el.getBoundingClientRect(); return [r.left + p[0], r.top + p[1]]; }"""
    )
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"/console/monitoring/sla/\?.*org=S1"))
    expect(page.get_by_test_id("board-unit")).to_have_attribute("data-code", "S1")
    page.get_by_test_id("drill-link").filter(has_text="石牌抢修班").first.click()
    expect(page.get_by_test_id("board-unit")).to_have_attribute("data-code", "T1")
    shot(page, "sla-team")
    page.get_by_test_id("drill-orders").click()
    expect(page).to_have_url(re.compile(r"/console/orders/\?unit=T1&from="))
    expect(page.get_by_test_id("drill-filters")).to_be_visible()
    shot(page, "orders-drilled")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_wall_refreshes_itself(
    live_server, live_world: World, page: Page, mobile_page: Page, device: str, settings
) -> None:
    settings.MONITORING_WALL_POLL_SECONDS = 1
    tab = page if device == "desktop" else mobile_page
    log_in(tab, f"{live_server.url}/console/login/", "agent_s1", PASSWORD)
    tab.goto(f"{live_server.url}/console/monitoring/wall/")
    expect(tab.get_by_test_id("wall-contacts")).to_have_text("0")
    Interaction.objects.create(
        customer=live_world.customer_alice,
        account=live_world.account_a,
        channel="hotline",
        direction="inbound",
        summary="来电",
    )
    expect(tab.get_by_test_id("wall-contacts")).to_have_text("1", timeout=15_000)
    if device == "phone":
        assert_no_sideways_scroll(tab)
    shot(tab, f"wall-{device}")
