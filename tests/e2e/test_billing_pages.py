"""The billing pages in a browser, on a computer and on a phone: each renders (the comparison
chart drawn), nothing scrolls sideways, and a screenshot of each goes to test-artifacts/e2e."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from gridcare.testing.personas import (
    ACCOUNT_A,
    ACCOUNT_B,
    ALICE_MOBILE,
    BOB_MOBILE,
    PASSWORD,
    World,
)
from tests.billing.pay_support import Gateway
from tests.e2e.conftest import screenshot
from tests.e2e.test_portal_phone import assert_no_sideways_scroll
from tests.e2e.test_smoke import log_in
from tests.portal.billing_factory import (
    THIS_MONTH,
    alice_bills,
    checkout,
    deduct,
    make_bill,
    pay,
)

pytestmark = pytest.mark.e2e

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 860}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def _world_with_bills(world: World) -> dict[str, str]:
    bills = alice_bills(world)
    paid = pay(world.account_a, "100.00", bill=bills["this_month"])
    qr = checkout(world.account_a, "189.98", bill=bills["this_month"])
    redirect = checkout(world.account_a, "189.98", bill=bills["this_month"], device="phone")
    make_bill(
        world.account_b, THIS_MONTH, {"peak": 120, "flat": 200, "valley": 130}, estimated_kwh="12.5"
    )
    pay(world.account_b, "500.00")
    today = timezone.localdate()
    for days_ago in range(7, 0, -1):
        deduct(world.account_b, today - dt.timedelta(days=days_ago), f"{4 + days_ago % 3}.20")
    return {
        "bill": bills["this_month"].number,
        "paid": paid.out_trade_no,
        "qr": qr.out_trade_no,
        "redirect": redirect.out_trade_no,
    }


def _visit(page: Page, url: str, name: str) -> None:
    page.goto(url)
    expect(page.locator("main")).to_be_visible()
    assert_no_sideways_scroll(page)
    screenshot(page, name)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_every_billing_page_renders_on_a_computer_and_a_phone(
    live_server, live_world: World, browser: Browser, gateway: Gateway, device: str
) -> None:
    ids = _world_with_bills(live_world)
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[device])  # type: ignore[arg-type]
    page = context.new_page()
    base = live_server.url
    log_in(page, f"{base}/portal/login/", ALICE_MOBILE, PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))

    _visit(page, f"{base}/portal/billing/", f"billing-bills-{device}")
    expect(page.get_by_test_id("bill-row")).to_have_count(3)
    expect(page.get_by_test_id("amount-due")).to_have_text("¥189.98")

    _visit(page, f"{base}/portal/billing/bills/{ids['bill']}/", f"billing-bill-{device}")
    expect(page.get_by_test_id("chart-comparison")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("bill-explained")).to_contain_text("前 200 度按第一档")
    screenshot(page, f"billing-bill-{device}")

    _visit(page, f"{base}/portal/billing/accounts/{ACCOUNT_A}/pay/", f"billing-pay-{device}")
    expect(page.get_by_test_id("pay-amount")).to_have_value("189.98")

    _visit(page, f"{base}/portal/billing/payments/{ids['qr']}/", f"billing-checkout-qr-{device}")
    expect(page.get_by_test_id("pay-qr").locator("svg")).to_be_visible()
    _visit(
        page,
        f"{base}/portal/billing/payments/{ids['redirect']}/",
        f"billing-checkout-phone-{device}",
    )
    expect(page.get_by_test_id("pay-redirect")).to_be_visible()
    _visit(page, f"{base}/portal/billing/payments/{ids['paid']}/", f"billing-paid-{device}")
    expect(page.get_by_test_id("result-title")).to_have_text("支付成功")
    _visit(page, f"{base}/portal/billing/history/", f"billing-history-{device}")
    expect(page.get_by_test_id("payment-row")).to_have_count(3)

    page.goto(f"{base}/portal/billing/quote/")
    page.get_by_test_id("quote-tariff").select_option("GZ-RES-TOU")
    page.get_by_label("分时段电量").check()
    page.get_by_test_id("quote-peak").fill("120")
    page.get_by_test_id("quote-flat").fill("200")
    page.get_by_test_id("quote-valley").fill("130")
    page.get_by_test_id("quote-submit").click()
    expect(page.get_by_test_id("quote-total")).to_have_text("¥297.54")
    assert_no_sideways_scroll(page)
    screenshot(page, f"billing-quote-{device}")

    bob = browser.new_context(locale="zh-CN", **VIEWPORTS[device])  # type: ignore[arg-type]
    bob_page = bob.new_page()
    log_in(bob_page, f"{base}/portal/login/", BOB_MOBILE, PASSWORD)
    expect(bob_page).to_have_url(re.compile(r"/portal/$"))
    _visit(bob_page, f"{base}/portal/billing/balance/", f"billing-balance-{device}")
    expect(bob_page.get_by_test_id("deduction")).to_have_count(7)
    _visit(
        bob_page, f"{base}/portal/billing/?account={ACCOUNT_B}", f"billing-bills-prepaid-{device}"
    )
    bob_page.get_by_test_id("bill-row").first.click()
    expect(bob_page.get_by_test_id("bill-estimated")).to_be_visible()
    assert_no_sideways_scroll(bob_page)
    screenshot(bob_page, f"billing-bill-tou-{device}")
    _visit(bob_page, f"{base}/portal/billing/accounts/{ACCOUNT_B}/pay/", f"billing-topup-{device}")
    bob_page.get_by_test_id("topup-choices").get_by_text("¥100").click()
    expect(bob_page.get_by_test_id("pay-amount")).to_have_value("100")
    bob.close()
    context.close()
