"""Console notification log (scoped, searchable, masked) and template editor (preview,
missing variable named, publish adds a version)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from gridcare.notify.models import NotificationTemplate
from gridcare.notify.services import notification_enqueue, template_publish

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def notify_alice_and_bob(world) -> None:  # type: ignore[no-untyped-def]
    template_publish(actor=None, code="t.sms", channel="sms", purpose="service", body="您好{name}")
    for customer, key in ((world.customer_alice, "log:alice"), (world.customer_bob, "log:bob")):
        notification_enqueue(
            actor=None, customer_id=customer.pk, template_code="t.sms",
            context={"name": "客户"}, idempotency_key=key, now=T0,
        )  # fmt: skip


def test_agent_sees_only_their_areas_notifications_with_masked_numbers(world, client_for) -> None:
    notify_alice_and_bob(world)
    page = client_for("agent_s1").get("/console/notifications/").content.decode()
    assert "log:alice" in page
    assert "log:bob" not in page  # bob's account is in the other station
    assert "138****0001" in page
    assert world.customer_alice.mobile not in page


def test_the_log_searches_by_mobile_and_filters_by_status(world, client_for) -> None:
    notify_alice_and_bob(world)
    client = client_for("manager")
    by_mobile = client.get("/console/notifications/", {"q": world.customer_bob.mobile})
    assert "log:bob" in by_mobile.content.decode()
    assert "log:alice" not in by_mobile.content.decode()
    failed = client.get("/console/notifications/", {"status": "failed"}).content.decode()
    assert 'data-testid="no-notifications"' in failed


def test_crew_and_customers_cannot_open_the_log(world, client_for) -> None:
    assert client_for("crew").get("/console/notifications/").status_code == 403
    assert client_for("alice").get("/console/notifications/").status_code in (302, 403)


def test_preview_names_the_missing_variable_then_renders(world, client_for) -> None:
    client = client_for("admin")
    form = {"code": "outage.drill", "channel": "sms", "purpose": "outage", "subject": "",
            "body": "户号{account}将于{start}停电", "action": "preview"}  # fmt: skip
    missing = client.post("/console/notifications/templates/", form)
    assert missing.status_code == 400
    text = missing.content.decode()
    assert "模板缺少变量 account" in text
    assert 'data-testid="var-start"' in text
    ok = client.post(
        "/console/notifications/templates/", {**form, "var_account": "3101", "var_start": "9:00"}
    )
    assert "户号3101将于9:00停电" in ok.content.decode()
    assert not NotificationTemplate.objects.filter(code="outage.drill").exists()


def test_publishing_adds_a_version_and_a_bad_placeholder_is_refused(world, client_for) -> None:
    client = client_for("admin")
    form = {"code": "outage.planned", "channel": "sms", "purpose": "outage",
            "subject": "", "body": "户号{account}停电", "action": "publish"}  # fmt: skip
    before = NotificationTemplate.objects.filter(code="outage.planned", channel="sms").count()
    assert client.post("/console/notifications/templates/", form).status_code == 302
    newest = NotificationTemplate.objects.filter(code="outage.planned", channel="sms").first()
    assert newest is not None
    assert newest.version == before + 1
    assert newest.body == "户号{account}停电"
    bad = client.post("/console/notifications/templates/", {**form, "body": "户号{account.x}"})
    assert bad.status_code == 400
    assert "变量 {account.x} 无效" in bad.content.decode()
    assert client_for("agent_s1").get("/console/notifications/templates/").status_code == 403
