"""The portal on a phone: a home screen of service tiles and a bottom tab bar, nothing that
scrolls sideways; on a desktop the top navigation instead."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from gridcare.testing.personas import ACCOUNT_A, ALICE_MOBILE, PASSWORD, World
from tests.e2e.conftest import screenshot
from tests.e2e.test_smoke import log_in

pytestmark = pytest.mark.e2e

TABS = [
    ("tab-home", "首页", r"/portal/$"),
    ("tab-usage", "用电", rf"/portal/accounts/{ACCOUNT_A}/usage/$"),
    ("tab-services", "服务", r"/portal/services/$"),
    ("tab-me", "我的", r"/portal/me/$"),
]
TILES = [
    ("我的户号", r"/portal/accounts/$"),
    ("用电分析", rf"/portal/accounts/{ACCOUNT_A}/usage/$"),
    ("绑定户号", r"/portal/accounts/bind/$"),
    ("消息中心", r"/portal/messages/$"),
    ("在线客服", r"/portal/chat/$"),
    ("通知设置", r"/portal/preferences/$"),
]


def assert_no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide on a {widths[1]} px screen"


def test_phone_tab_bar_is_visible_and_each_tab_opens_its_section(
    live_server, live_world: World, mobile_page: Page
) -> None:
    page = mobile_page
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    bar = page.get_by_test_id("tabbar")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] == pytest.approx(844, abs=1), "fixed to the bottom"
    # The top navigation's row of links gives way to the tab bar.
    expect(page.get_by_test_id("nav-messages")).to_be_hidden()
    screenshot(page, "portal-home-phone")
    for testid, label, url in TABS:
        tab = page.get_by_test_id(testid)
        expect(tab).to_contain_text(label)
        tab.click()
        expect(page).to_have_url(re.compile(url))
        expect(page.get_by_test_id(testid)).to_have_attribute("aria-current", "page")
        assert_no_sideways_scroll(page)


def test_every_home_tile_leads_to_its_page_without_sideways_scrolling(
    live_server, live_world: World, mobile_page: Page
) -> None:
    page = mobile_page
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    home = f"{live_server.url}/portal/"
    for label, url in TILES:
        page.goto(home)
        assert_no_sideways_scroll(page)
        page.get_by_test_id("tile").filter(has_text=label).click()
        expect(page).to_have_url(re.compile(url))
        expect(page.get_by_test_id("tabbar")).to_be_visible()
        assert_no_sideways_scroll(page)


def test_chat_send_button_stays_on_one_line_on_a_phone(
    live_server, live_world: World, mobile_page: Page
) -> None:
    page = mobile_page
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    page.goto(f"{live_server.url}/portal/chat/")
    page.set_viewport_size({"width": 320, "height": 640})  # the narrowest phones in use
    # One rectangle per line of the button's text; the input would stretch along with it.
    lines = page.get_by_test_id("chat-send").evaluate(
        "b => { const r = document.createRange(); r.selectNodeContents(b);"
        " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
    )
    assert lines == 1, "发送 wrapped onto two lines"
    screenshot(page, "portal-chat-phone")


def test_desktop_keeps_the_top_navigation_and_no_tab_bar(
    live_server, live_world: World, page: Page
) -> None:
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    expect(page.get_by_test_id("tabbar")).to_be_hidden()
    expect(page.get_by_test_id("nav-messages")).to_be_visible()
    page.get_by_test_id("nav-messages").click()
    expect(page).to_have_url(re.compile(r"/portal/messages/$"))
    screenshot(page, "portal-home-desktop")
