"""Paying a bill in the browser through the demo gateway (WeChat Pay / Alipay protocols,
the production adapters): on a phone by the provider's page and back; on a computer by
the QR code, the page polling until the callback has paid the bill."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from gridcare.billing.choices import BillStatus, PaymentStatus
from gridcare.billing.models import Payment
from gridcare.testing.personas import ALICE_MOBILE, PASSWORD, World
from tests.billing.pay_support import Gateway, balanced
from tests.e2e.conftest import screenshot
from tests.e2e.test_portal_phone import assert_no_sideways_scroll
from tests.e2e.test_smoke import log_in
from tests.portal.billing_factory import alice_bills

pytestmark = pytest.mark.e2e

#: How long the page may wait for the gateway's callback (it is sent at once; the machine
#: running the tests may be busy).
CALLBACK_WAIT_MS = 20_000


@pytest.fixture
def paying(settings, live_server, gateway: Gateway) -> Gateway:  # type: ignore[no-untyped-def]
    """The demo gateway on its own server, posting its callbacks to the live server."""
    settings.PAY_CALLBACK_ORIGIN = live_server.url
    return gateway


def test_alice_pays_her_bill_on_a_phone_through_the_provider_page(
    live_server, live_world: World, mobile_page: Page, paying: Gateway
) -> None:
    bill = alice_bills(live_world)["this_month"]
    page = mobile_page
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    page.get_by_test_id("tile").filter(has_text="我的账单").click()
    expect(page.get_by_test_id("amount-due")).to_have_text("¥289.98")
    page.get_by_test_id("bill-row").first.click()
    expect(page.get_by_test_id("bill-total")).to_have_text("¥289.98")
    page.get_by_test_id("pay-bill").click()
    page.get_by_test_id("provider-alipay").click()
    expect(page.get_by_test_id("pay-amount")).to_have_value("289.98")
    screenshot(page, "billing-pay-flow-1-form-phone")
    page.get_by_test_id("pay-submit").click()

    # A phone is sent to the provider's page, not shown a QR code.
    expect(page.get_by_test_id("pay-redirect")).to_be_visible()
    expect(page.get_by_test_id("pay-qr")).to_have_count(0)
    assert_no_sideways_scroll(page)
    screenshot(page, "billing-pay-flow-2-checkout-phone")
    page.get_by_test_id("pay-redirect").click()
    expect(page.locator("#confirm-pay")).to_be_visible()
    expect(page.locator("main")).to_contain_text("¥289.98")
    screenshot(page, "billing-pay-flow-3-gateway-phone")
    page.locator("#confirm-pay").click()

    # Back on the portal, which waits for the provider's callback.
    expect(page).to_have_url(re.compile(r"/portal/billing/payments/P[^/]+/$"))
    expect(page.get_by_test_id("result-title")).to_have_text("支付成功", timeout=CALLBACK_WAIT_MS)
    screenshot(page, "billing-pay-flow-4-paid-phone")
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID
    assert Payment.objects.get(bill=bill).status == PaymentStatus.PAID
    assert balanced(live_world.account_a)
    page.get_by_test_id("back-to-bills").click()
    expect(page.get_by_test_id("amount-due")).to_have_text("¥0.00")
    expect(page.get_by_test_id("bill-status").first).to_have_text("已缴清")


def test_a_computer_shows_the_qr_code_and_turns_to_paid_by_itself(
    live_server, live_world: World, page: Page, browser: Browser, paying: Gateway
) -> None:
    bill = alice_bills(live_world)["this_month"]
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    page.goto(f"{live_server.url}/portal/billing/bills/{bill.number}/")
    page.get_by_test_id("pay-bill").click()
    page.get_by_test_id("pay-submit").click()
    expect(page.get_by_test_id("pay-qr").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("pay-redirect")).to_have_count(0)
    screenshot(page, "billing-pay-flow-qr-desktop")

    # The payer's phone scans the code: the code_url is the gateway's pay page.
    payment = Payment.objects.get(bill=bill)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    scanner = phone.new_page()
    scanner.goto(payment.checkout["code_url"])
    scanner.locator("#confirm-pay").click()
    expect(scanner.locator("#pay-result")).to_be_visible()
    phone.close()

    # The computer's page was not reloaded: it polls and shows the result.
    expect(page.get_by_test_id("result-title")).to_have_text("支付成功", timeout=CALLBACK_WAIT_MS)
    screenshot(page, "billing-pay-flow-paid-desktop")
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID
