"""End-to-end: a manager works on the knowledge base in the console on a desktop — tries a
question, edits an entry, answers and dismisses unanswered questions — and an agent reads
it on a phone. Screenshots go to test-artifacts/e2e/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from gridcare.assistant.models import FaqEntry
from gridcare.assistant.services.kb import unanswered_log
from gridcare.testing.personas import PASSWORD, World
from tests.e2e.conftest import screenshot
from tests.e2e.test_smoke import log_in

pytestmark = pytest.mark.e2e


def no_sideways_scroll(screen: Page) -> bool:
    scroll, client = screen.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return bool(scroll <= client)


def test_manager_edits_an_entry_and_works_through_unanswered_questions(
    live_server,
    live_world: World,
    page: Page,
) -> None:
    for _ in range(4):
        unanswered_log(text="交了电费但电表屏幕还显示欠费", channel="wechat")
    for _ in range(2):
        unanswered_log(text="给我讲个笑话", channel="web_chat")
    unanswered_log(text="小区充电桩坏了找谁修", channel="web_chat")

    log_in(page, f"{live_server.url}/console/login/", "manager", PASSWORD)
    page.get_by_test_id("nav-knowledge").click()
    expect(page.get_by_role("heading", name="知识库")).to_be_visible()
    expect(page.get_by_test_id("kb-row")).to_have_count(50)
    page.locator("#kb-try-input").fill("電費違約金怎麼計算")
    page.get_by_role("button", name="试问").click()
    expect(page.get_by_test_id("kb-try-result")).to_contain_text("pay-late-fee-residential")
    screenshot(page, "console-knowledge-list")

    page.get_by_role("link", name="pay-late-fee-residential").first.click()
    expect(page.get_by_test_id("kb-entry-state")).to_have_text("正常")
    page.locator("#id_answer").fill(
        "居民用户逾期缴纳电费，从缴费期限届满次日起，每日按欠费金额的千分之一计收违约金。"
    )
    screenshot(page, "console-knowledge-editor")
    page.get_by_test_id("kb-save").click()
    expect(page.get_by_text("已保存（第 2 版）")).to_be_visible()

    page.goto(f"{live_server.url}/console/assistant/unanswered/")
    rows = page.get_by_test_id("unanswered-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("交了电费但电表屏幕还显示欠费")
    expect(rows.first.get_by_test_id("unanswered-count")).to_have_text("4")
    expect(rows.first).to_contain_text("微信")  # the channel as people read it
    screenshot(page, "console-unanswered")
    rows.first.get_by_test_id("resolve-entry").fill("pay-failed")
    rows.first.get_by_test_id("resolve").click()
    expect(page.get_by_text("已用 pay-failed 回答")).to_be_visible()
    page.get_by_test_id("unanswered-row").filter(has_text="给我讲个笑话").get_by_test_id(
        "dismiss"
    ).click()
    expect(page.get_by_test_id("unanswered-row")).to_have_count(1)
    assert "交了电费但电表屏幕还显示欠费" in FaqEntry.objects.get(code="pay-failed").variants


def test_agent_reads_the_knowledge_base_on_a_phone(
    live_server,
    live_world: World,
    mobile_page: Page,
) -> None:
    unanswered_log(text="小区充电桩坏了找谁修", channel="web_chat")
    log_in(mobile_page, f"{live_server.url}/console/login/", "agent_s1", PASSWORD)
    mobile_page.goto(f"{live_server.url}/console/assistant/knowledge/?category=pv")
    expect(mobile_page.get_by_test_id("kb-row").first).to_be_visible()
    assert no_sideways_scroll(mobile_page)
    screenshot(mobile_page, "console-knowledge-phone")

    mobile_page.get_by_test_id("kb-row").first.get_by_role("link").click()
    expect(mobile_page.get_by_test_id("kb-read-only")).to_be_visible()
    assert no_sideways_scroll(mobile_page)
    screenshot(mobile_page, "console-knowledge-entry-phone")

    mobile_page.goto(f"{live_server.url}/console/assistant/unanswered/")
    expect(mobile_page.get_by_test_id("unanswered-row")).to_have_count(1)
    assert no_sideways_scroll(mobile_page)
    screenshot(mobile_page, "console-unanswered-phone")
