"""The console's order screens in a browser: an agent turns a web chat into an order, the
dispatcher dispatches it from the board, and the crew on a phone takes, arrives and
resolves it with the customer's confirmation. Screenshots of every order screen at
desktop (1280×800) and phone (390×844) size go to var/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from gridcare.contact.services import web_chat_message
from gridcare.service.models import WorkOrder, WorkOrderEvent
from gridcare.testing.personas import ACCOUNT_A, PASSWORD, World
from tests.e2e.test_smoke import log_in

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide on a {widths[1]} px screen"


@pytest.fixture
def open_as(browser: Browser, live_server) -> Iterator:  # type: ignore[no-untyped-def]
    """`open_as("crew", phone=True)` → a page logged in to the console as that persona."""
    contexts = []

    def make(persona: str, *, phone: bool = False) -> Page:
        options = (
            {"viewport": PHONE, "is_mobile": True, "has_touch": True}
            if phone
            else {"viewport": DESKTOP}
        )
        context = browser.new_context(locale="zh-CN", **options)  # type: ignore[arg-type]
        contexts.append(context)
        page = context.new_page()
        log_in(page, f"{live_server.url}/console/login/", persona, PASSWORD)
        expect(page).to_have_url(re.compile(r"/console/$"))
        return page

    yield make
    for context in contexts:
        context.close()


def test_a_chat_becomes_an_order_is_dispatched_and_resolved_by_the_crew_on_a_phone(
    live_server, live_world: World, open_as
) -> None:
    world = live_world
    chat = web_chat_message(
        user=world.users["alice"], customer_id=world.customer_alice.pk, text="家里突然停电了"
    )
    base = live_server.url

    # 1. The agent turns the conversation into an order in one step.
    agent = open_as("agent_s1")
    agent.goto(f"{base}/console/inbox/{chat.pk}/")
    agent.get_by_test_id("conversation-order").locator("summary").click()
    expect(agent.get_by_test_id("intake-title")).to_have_value("家里突然停电了")
    agent.get_by_test_id("intake-category").select_option("fault.low_voltage.no_power")
    agent.get_by_test_id("conversation-order-submit").click()
    expect(agent).to_have_url(re.compile(r"/console/orders/\d+/$"))
    expect(agent.get_by_test_id("order-state")).to_have_text("已受理")
    expect(agent.get_by_test_id("customer-panel")).to_contain_text(ACCOUNT_A)
    order = WorkOrder.objects.get()
    assert order.source_ref == f"conversation:{chat.pk}"
    shoot(agent, "order-detail-desktop")
    agent.goto(f"{base}/console/orders/")
    expect(agent.get_by_test_id("order-row")).to_have_count(1)
    shoot(agent, "order-inbox-desktop")

    # 2. The dispatcher sends it to the suggested (or only) team in one click.
    dispatcher = open_as("dispatcher")
    dispatcher.get_by_test_id("nav-dispatch").click()
    row = dispatcher.get_by_test_id("board-row").filter(has_text=order.number)
    expect(row).to_be_visible()
    shoot(dispatcher, "dispatch-board-desktop")
    row.get_by_test_id("board-dispatch").click()
    expect(dispatcher.get_by_test_id("board-empty")).to_be_visible()

    # 3. The crew, on a phone: take, arrive, resolve with the customer's confirmation.
    crew = open_as("crew", phone=True)
    crew.goto(f"{base}/console/crew/")
    card = crew.get_by_test_id("crew-order").filter(has_text="家里突然停电了")
    expect(card).to_be_visible()
    no_sideways_scroll(crew)
    shoot(crew, "crew-list-phone")
    card.click()
    crew.get_by_test_id("crew-take").click()
    expect(crew.get_by_test_id("crew-state")).to_have_text("已接单")
    crew.get_by_test_id("crew-note").fill("已出发，预计 20 分钟到达")
    crew.get_by_test_id("crew-arrive").click()
    expect(crew.get_by_test_id("crew-state")).to_have_text("已到达现场")
    box = crew.get_by_test_id("crew-resolve").bounding_box()
    assert box is not None
    assert box["height"] >= 44, "a thumb-sized button"
    no_sideways_scroll(crew)
    shoot(crew, "crew-order-phone")
    crew.get_by_test_id("crew-note").fill("更换表前开关，已复电")
    crew.get_by_test_id("crew-confirmed").check()
    crew.get_by_test_id("crew-signature").fill("张三丰")
    crew.get_by_test_id("crew-resolve").click()
    expect(crew.get_by_test_id("crew-state")).to_have_text(
        "回访中"
    )  # resolving opens the return visit
    resolve = WorkOrderEvent.objects.get(order=order, kind="resolve")
    assert resolve.data == {"customer_confirmed": True, "customer_signature": "张三丰"}
    assert resolve.actor == world.users["crew"]

    # The agent's page shows the whole history.
    agent.goto(f"{base}/console/orders/{order.number}/")
    kinds = agent.get_by_test_id("order-event").evaluate_all(
        "items => items.map(i => i.dataset.kind)"
    )
    assert kinds == ["created", "dispatch", "take", "arrive", "resolve", "start_visit"]
    expect(agent.get_by_test_id("customer-confirmation")).to_contain_text("客户已确认")


def test_counter_intake_and_every_order_screen_on_a_phone_and_a_desktop(
    live_server, live_world: World, open_as
) -> None:
    base = live_server.url
    clerk = open_as("clerk_s1")
    clerk.get_by_test_id("nav-counter").click()
    clerk.get_by_test_id("counter-search").fill(ACCOUNT_A)
    clerk.get_by_test_id("counter-search").press("Enter")
    clerk.get_by_test_id("counter-result").first.click()
    clerk.get_by_test_id("counter-queue").fill("A017")
    clerk.get_by_test_id("counter-wait").fill("300")
    clerk.get_by_test_id("counter-service").fill("420")
    clerk.get_by_test_id("intake-type").select_option("complaint")
    # htmx swaps in the complaint categories.
    expect(
        clerk.get_by_test_id("intake-category").locator("option[value='service.attitude']")
    ).to_have_count(1)
    clerk.get_by_test_id("intake-category").select_option("service.attitude")
    clerk.get_by_test_id("intake-title").fill("营业员态度差")
    shoot(clerk, "counter-intake-desktop")
    clerk.get_by_test_id("counter-submit").click()
    expect(clerk).to_have_url(re.compile(r"/console/orders/\d+/$"))
    expect(clerk.get_by_test_id("order-fields")).to_contain_text("营业厅")
    number = WorkOrder.objects.get().number

    manager_phone = open_as("manager", phone=True)
    for path, name in [
        ("/console/orders/", "order-inbox-phone"),
        (f"/console/orders/{number}/", "order-detail-phone"),
        ("/console/dispatch/", "dispatch-board-phone"),
        (f"/console/counter/?customer={live_world.customer_alice.pk}", "counter-intake-phone"),
    ]:
        manager_phone.goto(f"{base}{path}")
        shoot(manager_phone, name)
