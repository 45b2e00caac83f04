"""End-to-end: a manager plans an outage in the editor (the affected preview follows the
form), publishes it inside the notice period with an override; the reliability report
draws its charts over a season with one storm day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from gridcare.testing.personas import PASSWORD, World
from tests.e2e.conftest import screenshot
from tests.e2e.test_smoke import log_in
from tests.outages.outage_factory import bj, interruption_add, limited_supply, outage_make

pytestmark = pytest.mark.e2e


def _local(days: float) -> str:
    return timezone.localtime(timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_manager_plans_and_publishes_with_the_preview(
    live_server, live_world: World, page: Page
) -> None:
    log_in(page, f"{live_server.url}/console/login/", "manager", PASSWORD)
    page.goto(f"{live_server.url}/console/outages/planned/")
    page.get_by_test_id("planned-new").click()
    page.locator("#id_starts_at").fill(_local(3))
    page.locator("#id_ends_at").fill(_local(3.25))
    page.locator("#id_reason").fill("10kV 棠下线开关更换")
    page.locator("#id_feeders").fill("F2")
    page.locator("#id_feeders").dispatch_event("change")
    expect(page.get_by_test_id("affected-count")).to_have_text("2")
    expect(page.get_by_test_id("notice-rule")).to_contain_text("7 天")
    screenshot(page, "console-planned-editor")
    page.get_by_test_id("planned-save").click()
    expect(page.get_by_test_id("outage-state")).to_have_text("草稿")
    page.locator("#override").fill("开关缺陷须尽快更换")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("outage-state")).to_have_text("已发布")
    expect(page.get_by_test_id("notice-override")).to_contain_text("开关缺陷须尽快更换")
    screenshot(page, "console-planned-detail")


def test_reliability_report_draws_its_charts(live_server, live_world: World, page: Page) -> None:
    world = live_world
    for day in range(1, 28, 3):  # a fault every third day, 30–90 min
        date = f"2026-02-{day:02d}"
        fault = outage_make(world.transformer_2, starts_at=bj(date, "09:00"))
        interruption_add(fault, world.account_b, bj(date, "09:00"), 30 + 2 * day)
    storm = outage_make(world.transformer_1, starts_at=bj("2026-03-10", "02:00"))
    interruption_add(storm, world.account_a, bj("2026-03-10", "02:00"), 14 * 60)
    planned = outage_make(
        world.transformer_2,
        starts_at=bj("2026-03-20", "08:00"),
        kind="planned",
        planned_type="maintenance",
    )
    interruption_add(planned, world.account_c, bj("2026-03-20", "08:00"), 240)
    shortage = limited_supply(world.transformer_2, bj("2026-03-25", "18:00"))
    interruption_add(shortage, world.account_b, bj("2026-03-25", "18:00"), 120)

    log_in(page, f"{live_server.url}/console/login/", "manager", PASSWORD)
    page.goto(f"{live_server.url}/console/outages/reliability/?from=2026-01-01&to=2026-04-30")
    expect(page.get_by_test_id("customers-served")).to_have_text("3")
    expect(page.get_by_test_id("chart-monthly")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("chart-daily")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("med-days")).to_contain_text("2026-03-10")
    screenshot(page, "console-reliability")
