"""The portal chat in a browser, on a desktop and on a phone: the assistant greets, a
quick reply and a typed message are answered in place (no page load), markup typed by the
customer stays text, and after "转人工客服" the page says an agent has the conversation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from gridcare.testing.personas import ACCOUNT_A, ALICE_MOBILE, PASSWORD, World
from tests.billing.factory import make_bill
from tests.e2e.conftest import screenshot
from tests.e2e.test_portal_phone import assert_no_sideways_scroll
from tests.e2e.test_smoke import log_in

pytestmark = pytest.mark.e2e


def chat_through(page: Page, base: str, name: str) -> None:
    log_in(page, f"{base}/portal/login/", ALICE_MOBILE, PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    page.goto(f"{base}/portal/chat/")
    lines = page.get_by_test_id("chat-line")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("智能客服")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    page.get_by_test_id("quick-reply").filter(has_text="查电费").click()
    expect(lines).to_have_count(3)
    expect(lines.nth(2)).to_contain_text("¥128.50")
    expect(page.get_by_test_id("chat-link").filter(has_text="去缴费")).to_have_attribute(
        "href", f"/portal/billing/accounts/{ACCOUNT_A}/pay/"
    )
    expect(page.get_by_test_id("quick-reply").filter(has_text="交电费")).to_be_visible()

    box = page.get_by_test_id("chat-text")
    box.fill("<b>你好</b>")
    page.get_by_test_id("chat-send").click()
    expect(lines).to_have_count(5)
    expect(lines.nth(3)).to_contain_text("<b>你好</b>")  # shown as typed, not as bold
    expect(box).to_have_value("")
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    assert_no_sideways_scroll(page)
    screenshot(page, f"assistant-chat-{name}")

    page.get_by_test_id("quick-reply").filter(has_text="转人工客服").click()
    expect(page.get_by_test_id("with-agent")).to_be_visible()
    expect(page.get_by_test_id("quick-reply")).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("waiting")).to_be_visible()
    screenshot(page, f"assistant-chat-{name}-agent")


def test_the_chat_on_a_desktop(live_server, live_world: World, page: Page) -> None:
    make_bill(live_world.account_a, period=dt.date(2026, 10, 1), total="128.50")
    chat_through(page, live_server.url, "desktop")


def test_the_chat_on_a_phone(live_server, live_world: World, mobile_page: Page) -> None:
    make_bill(live_world.account_a, period=dt.date(2026, 10, 1), total="128.50")
    chat_through(mobile_page, live_server.url, "phone")
