"""End-to-end: the customer reads a notice in the message centre and changes their
notification settings on a phone; an admin previews and publishes a template."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from gridcare.customers.models import AccountBinding, ContactPreference
from gridcare.notify.services import notification_enqueue, notifications_deliver, template_publish
from gridcare.testing.personas import ALICE_MOBILE, PASSWORD, World
from tests.e2e.conftest import screenshot
from tests.e2e.test_smoke import log_in

pytestmark = pytest.mark.e2e
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_customer_reads_a_notice_and_changes_settings_on_a_phone(
    live_server, live_world: World, mobile_page: Page
) -> None:
    template_publish(
        actor=None, code="service.accepted", channel="portal", purpose="service",
        subject="业务受理通知", body="您户号{account}的增容申请已受理。",
    )  # fmt: skip
    n = notification_enqueue(
        actor=None, customer_id=live_world.customer_alice.pk, template_code="service.accepted",
        context={"account": live_world.account_a.number}, idempotency_key="e2e:1",
        channel="portal", now=T0,
    )  # fmt: skip
    notifications_deliver(ids=[n.pk], worker="e2e", now=T0)
    page = mobile_page
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    page.goto(f"{live_server.url}/portal/messages/")
    message = page.get_by_test_id("message")
    expect(message).to_contain_text("增容申请已受理")
    expect(page.get_by_test_id("unread")).to_be_visible()
    screenshot(page, "portal-messages")
    page.get_by_test_id("mark-read").click()
    expect(page.get_by_test_id("unread")).to_have_count(0)

    page.goto(f"{live_server.url}/portal/preferences/")
    page.get_by_label("电子邮件", exact=True).first.check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("请填写邮箱地址")
    page.locator("input[name=email]").fill("alice@example.cn")
    page.locator("input[name=quiet_start]").fill("21:30")
    page.locator("input[name=quiet_end]").fill("07:30")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    screenshot(page, "portal-preferences")


def test_admin_previews_then_publishes_a_template(
    live_server, live_world: World, page: Page
) -> None:
    log_in(page, f"{live_server.url}/console/login/", "admin", PASSWORD)
    page.goto(f"{live_server.url}/console/notifications/templates/")
    form = page.get_by_test_id("template-form")
    form.locator("input[name=code]").fill("outage.drill")
    form.locator("textarea[name=body]").fill("户号{account}将于{start}停电演练")
    form.get_by_role("button", name="预览").click()
    expect(page.get_by_test_id("template-error")).to_contain_text("模板缺少变量 account")
    page.get_by_test_id("var-account").fill("3100000000001")
    page.get_by_test_id("var-start").fill("12月3日09:00")
    page.get_by_role("button", name="预览").click()
    expect(page.get_by_test_id("preview")).to_contain_text(
        "户号3100000000001将于12月3日09:00停电演练"
    )
    screenshot(page, "console-template-preview")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_test_id("published")).to_be_visible()
    expect(page.get_by_test_id("template-list")).to_contain_text("outage.drill")
    for i, customer in enumerate((live_world.customer_alice, live_world.customer_bob)):
        notification_enqueue(
            actor=None, customer_id=customer.pk, template_code="outage.drill",
            context={"account": "3100000000001", "start": "12月3日09:00"},
            idempotency_key=f"drill:{i}", channel="sms", now=T0,
        )  # fmt: skip
    page.goto(f"{live_server.url}/console/notifications/")
    expect(page.get_by_test_id("notification-row")).to_have_count(2)
    expect(page.get_by_test_id("notification-log")).not_to_contain_text(
        live_world.customer_alice.mobile
    )
    screenshot(page, "console-notifications")


def test_a_landlord_switches_whom_the_settings_are_for_on_a_phone(
    live_server, live_world: World, mobile_page: Page
) -> None:
    factory = live_world.account_c.customer
    AccountBinding.objects.create(user=live_world.users["alice"], account=live_world.account_c)
    page = mobile_page
    log_in(page, f"{live_server.url}/portal/login/", ALICE_MOBILE, PASSWORD)
    page.goto(f"{live_server.url}/portal/preferences/")
    page.get_by_label("代表客户").select_option(str(factory.pk))
    page.get_by_role("button", name="切换").click()
    expect(page.get_by_label("代表客户")).to_have_value(str(factory.pk))
    page.locator("input[name=quiet_start]").fill("20:00")
    page.locator("input[name=quiet_end]").fill("08:00")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    expect(page.get_by_label("代表客户")).to_have_value(str(factory.pk))
    screenshot(page, "portal-preferences-several-customers")
    assert ContactPreference.objects.get(customer=factory).quiet_start.isoformat() == "20:00:00"
    assert not ContactPreference.objects.filter(customer=live_world.customer_alice).exists()
