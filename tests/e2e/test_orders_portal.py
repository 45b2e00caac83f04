"""A repair from the portal, on phones: alice reports a fault with her location, the
dispatcher sends it to the team, the crew takes, arrives and resolves it on the crew page,
alice follows the timeline and rates 5 by the visit link.
Screenshots of each page on a phone and a desktop go to var/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from gridcare.service.selectors import orders_visible_to
from gridcare.service.services import order_act
from gridcare.testing.personas import ALICE_MOBILE, PASSWORD, World
from tests.e2e.test_portal_phone import assert_no_sideways_scroll
from tests.e2e.test_smoke import log_in

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def desktop_shot(browser: Browser, url: str, storage: dict, name: str) -> None:  # type: ignore[type-arg]
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP, storage_state=storage)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(url)
    shoot(page, f"{name}-desktop")
    context.close()


def test_alice_reports_a_fault_follows_it_and_rates_it(
    live_server, live_world: World, browser: Browser
) -> None:
    world = live_world
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 23.1375, "longitude": 113.3568},
        permissions=["geolocation"],
    )
    page = context.new_page()
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    page.get_by_test_id("tile").filter(has_text="故障报修").click()
    expect(page).to_have_url(re.compile(r"/portal/orders/report/$"))
    expect(page.get_by_test_id("field-address")).to_have_value(re.compile("华师路 12 号"))
    page.get_by_test_id("field-category").select_option(label="无电")
    page.get_by_test_id("field-description").fill("整栋楼没电了，<b>楼道</b>也黑")
    page.get_by_test_id("locate").click()
    expect(page.get_by_test_id("locate-status")).to_contain_text("已获取位置")
    assert_no_sideways_scroll(page)
    shoot(page, "orders-report-phone")
    desktop_shot(browser, page.url, context.storage_state(), "orders-report")
    page.get_by_test_id("submit").click()

    expect(page).to_have_url(re.compile(r"/portal/orders/\d+/$"))
    expect(page.get_by_test_id("timeline")).to_contain_text("已受理")
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    order = orders_visible_to(world.users["alice"]).get(number=number)
    assert (str(order.latitude), str(order.longitude)) == ("23.137500", "113.356800")
    expect(page.get_by_test_id("order-description")).to_contain_text("<b>楼道</b>")

    # The dispatcher sends it to the team; the crew works it on a phone.
    order_act(
        actor=world.users["dispatcher"], number=number, action="dispatch", team_id=world.team_1.pk
    )
    crew_context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    crew = crew_context.new_page()
    log_in(crew, f"{live_server.url}/console/login/", "crew", PASSWORD)
    crew.goto(f"{live_server.url}/console/crew/")
    crew.get_by_test_id("crew-order").filter(has_text="整栋楼没电了").first.click()
    crew.get_by_test_id("crew-take").click()
    expect(crew.get_by_test_id("crew-state")).to_have_text("已接单")
    crew.get_by_test_id("crew-arrive").click()
    expect(crew.get_by_test_id("crew-state")).to_have_text("已到达现场")
    crew.get_by_test_id("crew-note").fill("表前开关烧坏，已更换并复电")
    crew.get_by_test_id("crew-confirmed").check()
    crew.get_by_test_id("crew-signature").fill("张三丰")
    crew.get_by_test_id("crew-resolve").click()
    expect(crew.get_by_test_id("crew-state")).to_have_text(re.compile("回访中|已处理"))
    crew_context.close()

    page.goto(f"{live_server.url}/portal/orders/")
    expect(page.get_by_test_id("order-row")).to_have_count(1)
    assert_no_sideways_scroll(page)
    shoot(page, "orders-list-phone")
    desktop_shot(browser, page.url, context.storage_state(), "orders-list")

    page.get_by_test_id("order-row").first.click()
    timeline = page.get_by_test_id("timeline")
    for text in ["已受理", "已派单给石牌抢修班", "抢修人员已到达现场", "已处理完毕"]:
        expect(timeline).to_contain_text(text)
    expect(page.get_by_test_id("rating-form")).to_be_visible()
    assert_no_sideways_scroll(page)
    shoot(page, "orders-progress-phone")
    desktop_shot(browser, page.url, context.storage_state(), "orders-progress")

    # The visit message's link (the token is only in the message).
    from gridcare.notify.models import Notification

    body = Notification.objects.get(template__code="service.visit").body
    token = re.search(r"/portal/visit/([A-Za-z0-9_-]+)/", body).group(1)  # type: ignore[union-attr]
    link = f"{live_server.url}/portal/visit/{token}/"
    page.goto(link)
    assert_no_sideways_scroll(page)
    shoot(page, "orders-rating-phone")
    desktop_shot(browser, link, context.storage_state(), "orders-rating")
    page.get_by_test_id("rating-5").click()
    page.get_by_test_id("rating-comment").fill("师傅来得很快")
    page.get_by_test_id("rating-submit").click()
    expect(page.get_by_test_id("visit-thanks")).to_contain_text("5 分")
    shoot(page, "orders-rated-phone")

    page.goto(f"{live_server.url}/portal/orders/{number}/")
    expect(page.get_by_test_id("order-state")).to_contain_text("已归档")
    expect(page.get_by_test_id("timeline")).to_contain_text("您的评价：5 分")
    expect(page.get_by_test_id("rating-form")).to_have_count(0)
    context.close()
