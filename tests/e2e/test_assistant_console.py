"""The console's bot conversations in a browser, on a desktop and on a phone: a manager
finds the conversation the bot handed over (anger), opens its transcript with intents and
knowledge-base codes, and the agent's inbox link is there."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from gridcare.assistant.services.dialogue import assistant_message
from gridcare.testing.personas import PASSWORD, World
from tests.e2e.conftest import screenshot
from tests.e2e.test_portal_phone import assert_no_sideways_scroll
from tests.e2e.test_smoke import log_in

pytestmark = pytest.mark.e2e


def two_chats(world: World) -> None:
    alice, bob = world.users["alice"], world.users["bob"]
    for text in ("峰谷电价怎么算", "谢谢，再见"):
        assistant_message(
            channel="web_chat",
            sender=f"user:{alice.pk}",
            text=text,
            customer_id=world.customer_alice.pk,
            user=alice,
        )
    assistant_message(
        channel="web_chat",
        sender=f"user:{bob.pk}",
        text="你们什么破服务，一个月停三次电！！！",
        customer_id=world.customer_bob.pk,
        user=bob,
    )


def walk_through(page: Page, base: str, name: str) -> None:
    log_in(page, f"{base}/console/login/", "manager", PASSWORD)
    page.goto(f"{base}/console/assistant/")
    rows = page.get_by_test_id("session-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("handoff-summary")).to_contain_text("1")
    assert_no_sideways_scroll(page)
    screenshot(page, f"console-assistant-sessions-{name}")
    page.get_by_test_id("session-filters").locator("select[name=status]").select_option(
        "handed_off"
    )
    page.get_by_test_id("session-filters").locator("button").click()
    expect(rows).to_have_count(1)
    rows.first.locator("a").first.click()
    expect(page.get_by_test_id("session-handoff")).to_be_visible()
    expect(page.get_by_test_id("transcript-line")).to_have_count(2)
    screenshot(page, f"console-assistant-session-{name}")


def test_bot_conversations_on_a_desktop(live_server, live_world: World, page: Page) -> None:
    two_chats(live_world)
    walk_through(page, live_server.url, "desktop")


def test_bot_conversations_on_a_phone(live_server, live_world: World, mobile_page: Page) -> None:
    two_chats(live_world)
    walk_through(mobile_page, live_server.url, "phone")
