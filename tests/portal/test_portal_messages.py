"""Portal message centre and notification settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from gridcare.customers.models import ConsentRecord, ContactPreference
from gridcare.notify.models import Notification
from gridcare.notify.services import notification_enqueue, notifications_deliver, template_publish

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def send_portal_message(world, key: str = "m1") -> Notification:  # type: ignore[no-untyped-def]
    template_publish(
        actor=None, code="service.accepted", channel="portal", purpose="service",
        subject="业务受理通知", body="您的{what}申请已受理。",
    )  # fmt: skip
    n = notification_enqueue(
        actor=None, customer_id=world.customer_alice.pk, template_code="service.accepted",
        context={"what": "增容"}, idempotency_key=key, channel="portal", now=T0,
    )  # fmt: skip
    notifications_deliver(ids=[n.pk], worker="test", now=T0)
    return n


def test_alice_reads_her_portal_message_and_marks_it_read(world, client_for) -> None:
    n = send_portal_message(world)
    client = client_for("alice")
    page = client.get("/portal/messages/").content.decode()
    assert "您的增容申请已受理。" in page
    assert 'data-testid="unread"' in page
    response = client.post("/portal/messages/", {"id": n.pk})
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.read_at is not None
    assert 'data-testid="unread"' not in client.get("/portal/messages/").content.decode()


def test_bob_sees_none_of_alices_messages_and_cannot_mark_them(world, client_for) -> None:
    n = send_portal_message(world)
    client = client_for("bob")
    assert "增容" not in client.get("/portal/messages/").content.decode()
    assert client.post("/portal/messages/", {"id": n.pk}).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_settings_save_channels_email_quiet_hours_and_only_changed_consent(
    world, client_for
) -> None:
    client = client_for("alice")
    page = client.get("/portal/preferences/").content.decode()
    assert "通知设置" in page or "Notification settings" in page
    response = client.post(
        "/portal/preferences/",
        {
            "channels": ["email", "sms"],
            "email": "alice@example.cn",
            "quiet_start": "21:30",
            "quiet_end": "07:30",
            "consent_service": "on",
            "consent_outage": "on",
            "consent_billing": "on",
            "consent_marketing": "on",
        },
    )
    assert response.status_code == 302
    pref = ContactPreference.objects.get(customer=world.customer_alice)
    assert pref.channels == ["sms", "email"] or pref.channels == ["email", "sms"]
    assert pref.email == "alice@example.cn"
    assert (pref.quiet_start.isoformat(), pref.quiet_end.isoformat()) == ("21:30:00", "07:30:00")
    # Only marketing changed (the others go out unless refused): one new consent record.
    records = ConsentRecord.objects.filter(customer=world.customer_alice, source="portal")
    assert [(r.purpose, r.granted) for r in records] == [("marketing", True)]


def test_settings_with_email_channel_but_no_address_are_refused(world, client_for) -> None:
    response = client_for("alice").post(
        "/portal/preferences/", {"channels": ["email"], "email": "", "quiet_start": "22:00"}
    )
    assert response.status_code == 400
    assert not ContactPreference.objects.filter(customer=world.customer_alice).exists()


def test_the_message_centre_shows_no_flash_alert_for_each_notice(world, client_for) -> None:
    send_portal_message(world, key="flash:1")
    page = client_for("alice").get("/portal/messages/").content.decode()
    assert "flash:1" not in page  # the idempotency key is internal, never an alert


def test_settings_with_no_channel_ticked_are_saved(world, client_for) -> None:
    # The page says SMS is used when no channel is ticked; this once failed with a 500.
    response = client_for("alice").post(
        "/portal/preferences/", {"email": "", "quiet_start": "", "quiet_end": ""}
    )
    assert response.status_code == 302
    assert ContactPreference.objects.get(customer=world.customer_alice).channels == []
