"""End-to-end: the console's billing screens in a desktop browser — a manager follows an
account from the customer 360 to its ledger, works the arrears and low-balance lists and
the reconciliation list, opens a receipt; a clerk's counter form refuses a mistyped
amount beside the field. Screenshots in test-artifacts/e2e/console-billing-*.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from gridcare.billing.choices import CallbackVerdict, Provider
from gridcare.billing.models import Payment
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, PASSWORD, World
from tests.billing.factory import make_bill, make_callback, make_payment, post_deduction
from tests.e2e.conftest import screenshot
from tests.e2e.test_smoke import log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def billing(live_world: World) -> dict[str, str]:
    """A: two bills, one 40 days overdue and part paid at the counter; C: a bill 10 days
    overdue; B (prepaid): topped up, then below zero; two callbacks to reconcile."""
    today = timezone.localdate()
    lines = [
        ("energy.tier1", "第一档电量电费", "200", "0.58886875", "117.77"),
        ("energy.tier2", "第二档电量电费", "80", "0.63886875", "51.11"),
    ]
    august = make_bill(
        live_world.account_a,
        period=dt.date(2026, 8, 1),
        total="168.88",
        kwh="280",
        lines=lines,
        due_date=today - dt.timedelta(days=40),
    )
    make_bill(
        live_world.account_a,
        period=dt.date(2026, 9, 1),
        total="96.20",
        due_date=today + dt.timedelta(days=5),
    )
    cash = make_payment(
        live_world.account_a,
        amount="100.00",
        bill=august,
        provider=Provider.COUNTER_CASH,
        reference="R-0042",
    )
    make_bill(
        live_world.account_c,
        period=dt.date(2026, 9, 1),
        total="1520.36",
        due_date=today - dt.timedelta(days=10),
    )
    make_payment(live_world.account_b, amount="50.00")
    for day in range(1, 9):
        post_deduction(live_world.account_b, amount="7.30", day=dt.date(2026, 11, day))
    make_callback(
        verdict=CallbackVerdict.WRONG_AMOUNT,
        out_trade_no=cash.out_trade_no,
        amount="10.00",
        detail="金额 10.00 与订单 100.00 不符",
    )
    make_callback(
        verdict=CallbackVerdict.UNKNOWN_ORDER,
        out_trade_no="WX20261130999",
        provider=Provider.WECHAT,
    )
    return {"receipt": cash.out_trade_no, "august": august.number}


def test_a_manager_works_the_billing_screens(
    live_server, live_world: World, billing: dict[str, str], page: Page
) -> None:
    log_in(page, f"{live_server.url}/console/login/", "manager", PASSWORD)

    page.goto(f"{live_server.url}/console/customers/{live_world.customer_alice.pk}/")
    page.get_by_test_id("ledger-link").click()
    expect(page.get_by_test_id("ledger-balance")).to_have_text("-¥165.08")
    expect(page.get_by_test_id("ledger-row")).to_have_count(3)
    expect(page.get_by_test_id("ledger-overdue")).to_have_text("¥68.88")
    screenshot(page, "console-billing-ledger")

    page.get_by_test_id("nav-billing").click()
    expect(page.get_by_test_id("payment-row")).to_have_count(2)
    screenshot(page, "console-billing-payments")

    page.get_by_role("link", name="欠费清单").click()
    rows = page.get_by_test_id("arrears-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(ACCOUNT_A)
    expect(rows.first.get_by_test_id("days-overdue")).to_have_text("40")
    page.get_by_role("link", name="逾期金额").click()
    expect(page.get_by_test_id("arrears-row").first).to_contain_text(ACCOUNT_C)
    screenshot(page, "console-billing-arrears")

    page.get_by_role("link", name="余额不足").click()
    expect(page.get_by_test_id("low-balance-row")).to_contain_text(ACCOUNT_B)
    expect(page.get_by_test_id("balance")).to_have_text("-¥8.40")
    screenshot(page, "console-billing-low-balance")

    page.get_by_test_id("tab-reconciliation").click()
    expect(page.get_by_test_id("callback-row")).to_have_count(2)
    screenshot(page, "console-billing-reconciliation")
    ghost = page.get_by_test_id("callback-row").filter(has_text="WX20261130999")
    ghost.get_by_placeholder("处理说明").fill("商户平台已原路退回")
    ghost.get_by_test_id("resolve-dismiss").click()
    expect(page.get_by_test_id("callback-row")).to_have_count(1)
    page.get_by_test_id("show-all").click()
    expect(page.get_by_test_id("callback-row").filter(has_text="WX20261130999")).to_contain_text(
        "商户平台已原路退回"
    )

    page.goto(f"{live_server.url}/console/billing/payments/{billing['receipt']}/receipt/")
    expect(page.get_by_test_id("receipt-words")).to_have_text("壹佰元整")
    screenshot(page, "console-billing-receipt")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("print-receipt")).to_be_hidden()
    expect(page.locator("nav.gc-navbar")).to_be_hidden()
    screenshot(page, "console-billing-receipt-print")


def test_a_clerk_mistyping_an_amount_is_told_beside_the_field(
    live_server, live_world: World, billing: dict[str, str], page: Page
) -> None:
    log_in(page, f"{live_server.url}/console/login/", "clerk_s1", PASSWORD)
    page.goto(f"{live_server.url}/console/billing/counter/")
    page.get_by_test_id("counter-account").fill(ACCOUNT_A)
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_test_id("counter-outstanding")).to_have_text("¥165.08")
    expect(page.get_by_test_id("counter-amount")).to_have_value("165.08")
    screenshot(page, "console-billing-counter")
    page.get_by_test_id("counter-bill").select_option(billing["august"])
    expect(page.get_by_test_id("counter-amount")).to_have_value("68.88")  # what it still owes

    page.get_by_test_id("counter-amount").fill("12.345")
    page.get_by_test_id("counter-pay").click()
    expect(page.get_by_test_id("amount-error")).to_have_text(
        "金额应为 0.01 到 1,000,000 元之间的数字，最多两位小数，例如 128.50"
    )
    expect(page.get_by_test_id("counter-amount")).to_have_value("12.345")
    screenshot(page, "console-billing-counter-error")

    page.get_by_test_id("counter-amount").fill("68.88")
    page.get_by_test_id("counter-pay").click()
    expect(page.get_by_test_id("receipt-words")).to_have_text("陆拾捌元捌角捌分")
    expect(page.get_by_test_id("receipt")).to_contain_text("clerk_s1")
    expect(page.get_by_test_id("receipt-balance")).to_have_text("-¥96.20")
    screenshot(page, "console-billing-counter-receipt")
    page.reload()  # the receipt was reached by a redirect: a reload posts nothing again
    expect(page.get_by_test_id("receipt-words")).to_have_text("陆拾捌元捌角捌分")
    assert Payment.objects.filter(provider=Provider.COUNTER_CASH, amount="68.88").count() == 1
