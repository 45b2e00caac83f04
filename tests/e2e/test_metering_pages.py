"""End-to-end: the 用电分析 charts render for a customer, the load curve for a manager."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from gridcare.customers.models import Account
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, ALICE_MOBILE, PASSWORD, World
from tests.e2e.conftest import screenshot
from tests.e2e.test_smoke import log_in

pytestmark = pytest.mark.e2e
CHINA = dt.timezone(dt.timedelta(hours=8))
DAYS = [dt.date(2026, 11, 20), dt.date(2026, 11, 21)]


@pytest.fixture
def readings(live_world: World, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"
    # MB0001 draws up to 480 kW: a large business account (the importer rejects readings
    # beyond 4 × the contracted kVA, `metering.vee.over_capacity`).
    Account.objects.filter(number=ACCOUNT_B).update(contracted_capacity_kva=400)
    lines = ["meter,ts,kwh"]
    for day in DAYS:
        start = dt.datetime.combine(day, dt.time(), tzinfo=CHINA)
        for slot in range(96):
            ts = (start + dt.timedelta(minutes=15 * (slot + 1))).isoformat()
            evening = 0.6 if 72 <= slot < 88 else 0.15
            lines.append(f"MA0001,{ts},{evening}")
            lines.append(f"MB0001,{ts},{evening * 200}")
    source = tmp_path / "readings.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("meter", "import", str(source))


def test_customer_sees_usage_charts(live_server, readings: None, mobile_page: Page) -> None:
    log_in(mobile_page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    mobile_page.goto(f"{live_server.url}/portal/accounts/{ACCOUNT_A}/")
    mobile_page.get_by_test_id("usage-link").click()
    expect(mobile_page.get_by_role("heading", name=re.compile("用电分析"))).to_be_visible()
    for chart in ("chart-daily", "chart-monthly", "chart-tou"):
        expect(mobile_page.get_by_test_id(chart)).to_have_attribute("data-rendered", "true")
    expect(mobile_page.get_by_test_id("usage-30d")).to_contain_text(
        "43.2"
    )  # 2 × (16 × 0.6 + 80 × 0.15)
    screenshot(mobile_page, "portal-usage-mobile")


def test_manager_sees_the_overloaded_transformer_and_its_curve(
    live_server, readings: None, page: Page
) -> None:
    log_in(page, f"{live_server.url}/console/login/", "manager", PASSWORD)
    page.goto(f"{live_server.url}/console/transformers/?day=2026-11-21")
    first = page.get_by_test_id("transformer-row").first
    expect(first).to_contain_text("TR2")
    screenshot(page, "console-transformers")
    first.get_by_role("link").click()
    expect(page.get_by_test_id("chart-load")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("load-event").first).to_be_visible()
    screenshot(page, "console-transformer")
