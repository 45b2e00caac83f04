"""End-to-end smoke: a customer sees their accounts; an agent finds them and opens the 360."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from gridcare.customers.models import SimulatedMessage
from gridcare.testing.personas import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    ALICE_MOBILE,
    PASSWORD,
    World,
)
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def log_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("手机号或登录名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_customer_logs_in_on_a_phone_and_sees_only_their_accounts(
    live_server, live_world: World, mobile_page: Page
) -> None:
    log_in(mobile_page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    expect(mobile_page).to_have_url(re.compile(r"/portal/$"))
    mobile_page.get_by_test_id("tile").filter(has_text="我的户号").click()
    expect(mobile_page).to_have_url(re.compile(r"/portal/accounts/$"))
    cards = mobile_page.get_by_test_id("account-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(ACCOUNT_A)
    expect(cards.first).to_contain_text("张*丰")
    expect(mobile_page.get_by_text(ACCOUNT_B)).to_have_count(0)
    screenshot(mobile_page, "portal-my-accounts-mobile")


def test_wrong_password_shows_a_generic_chinese_error(
    live_server, live_world: World, page: Page
) -> None:
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("账号或密码不正确")
    screenshot(page, "portal-login-error")


def test_agent_finds_customer_by_mobile_and_opens_the_360_page(
    live_server, live_world: World, page: Page
) -> None:
    log_in(page, f"{live_server.url}/console/login/", "agent_s1", PASSWORD)
    expect(page).to_have_url(re.compile(r"/console/$"))
    page.get_by_placeholder("户号、手机号、身份证号或姓名").fill(ALICE_MOBILE)
    page.get_by_role("button", name="查询").click()
    results = page.get_by_test_id("search-result")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("138****0001")
    expect(results.first).not_to_contain_text(ALICE_MOBILE)
    screenshot(page, "console-search")
    results.first.get_by_role("link", name="打开全景视图").click()
    expect(page.get_by_role("heading", name="客户全景视图")).to_be_visible()
    panel = page.get_by_test_id("account-panel")
    expect(panel).to_contain_text(ACCOUNT_A)
    topology = page.get_by_test_id("topology")
    expect(topology).to_contain_text("10kV 石牌线")
    expect(topology).to_contain_text("石牌1号台区")
    expect(topology).to_contain_text("MA0001")
    expect(page.get_by_test_id("customer-card")).not_to_contain_text(ALICE_MOBILE)
    screenshot(page, "console-customer-360")


def test_agent_reads_the_customer_timeline_and_filters_hotline_and_counter(
    live_server, live_world: World, page: Page
) -> None:
    from gridcare.customers.services import interaction_record

    alice = live_world.customer_alice.pk
    agent = live_world.users["agent_s1"]
    for channel, summary, data in [
        ("counter", "营业厅办理：更名过户", {"queue_number": "A017", "wait_seconds": 420, "service_seconds": 610}),
        ("hotline", "来电报修：家中停电", {"recording_ref": "cti://rec/0001", "duration_seconds": 185}),
        ("wechat", "微信咨询：本月电费为何偏高", {}),
    ]:  # fmt: skip
        interaction_record(
            actor=agent, customer_id=alice, channel=channel, direction="inbound",
            summary=summary, data=data,
        )  # fmt: skip
    log_in(page, f"{live_server.url}/console/login/", "agent_s1", PASSWORD)
    page.goto(f"{live_server.url}/console/customers/{alice}/")
    items = page.get_by_test_id("timeline-item")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("微信咨询")
    screenshot(page, "console-customer-timeline")
    page.get_by_test_id("timeline-filter-offline").click()
    expect(page.get_by_test_id("timeline-item")).to_have_count(2)
    expect(page.get_by_test_id("timeline")).to_contain_text("排队号 A017，等候 420 秒，办理 610 秒")
    expect(page.get_by_test_id("timeline")).not_to_contain_text("微信咨询")


def test_customer_binds_an_account_with_the_code_sent_to_its_registered_mobile(
    live_server, live_world: World, mobile_page: Page
) -> None:
    page = mobile_page
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    page.goto(f"{live_server.url}/portal/accounts/bind/")
    page.get_by_label("户号（13 位）").fill("12345")
    page.get_by_role("button", name="发送验证码").click()
    expect(page.get_by_text("户号应为 13 位数字")).to_be_visible()
    screenshot(page, "portal-bind-bad-number")

    page.get_by_label("户号（13 位）").fill(ACCOUNT_C)
    page.get_by_role("button", name="发送验证码").click()
    expect(page.get_by_text("验证码已发送至 137****0003")).to_be_visible()
    # The code reached the account holder's phone (the recording sender's table), never
    # this page: account C is registered to another number than Alice's login.
    expect(page.get_by_test_id("demo-sms")).to_have_count(0)
    sms = SimulatedMessage.objects.get(mobile="13700000003").text
    code = re.search(r"验证码 (\d{6})", sms)
    assert code, sms
    assert code.group(1) not in page.content()
    screenshot(page, "portal-bind-code-sent")
    page.get_by_label("验证码").fill(code.group(1))
    page.get_by_role("button", name="确认绑定").click()
    expect(page).to_have_url(re.compile(r"/portal/accounts/$"))
    expect(page.get_by_test_id("account-card")).to_have_count(2)
    expect(page.get_by_text(ACCOUNT_C)).to_be_visible()
