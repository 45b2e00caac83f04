"""Enqueueing: rendered whole or refused, once per key, with consent, quiet hours and the
daily limit applied, and the delivery task committed with the message."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from gridcare.core.errors import DomainError
from gridcare.customers.models import ConsentRecord, ContactPreference
from gridcare.notify.models import Notification, NotificationEvent
from gridcare.notify.services import (
    MessageRequest,
    notification_enqueue,
    notifications_enqueue,
    template_publish,
)
from tests.notify.conftest import BEIJING, DAYTIME, outage_context


def enqueue(world, key: str = "k1", **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("template_code", "outage.planned")
    kwargs.setdefault("context", outage_context())
    kwargs.setdefault("now", DAYTIME)
    return notification_enqueue(
        actor=None, customer_id=world.customer_alice.pk, idempotency_key=key, **kwargs
    )


def test_message_is_rendered_queued_and_its_task_enqueued(world, templates) -> None:
    n = enqueue(world)
    assert n.status == "queued"
    assert n.channel == "sms"
    assert n.destination == world.customer_alice.mobile
    assert n.body == "尊敬的客户，户号3100000000001所在区域将于12月2日09:00停电，预计17:00恢复。"
    assert n.template == templates["sms"]
    task = DBTaskResult.objects.get()
    assert task.task_path == "gridcare.notify.tasks.deliver_notifications_task"
    assert task.args_kwargs["kwargs"] == {"ids": [n.pk]}
    assert [e.to_status for e in NotificationEvent.objects.filter(notification=n)] == ["queued"]


def test_same_key_twice_gives_one_message_and_one_task(world, templates) -> None:
    first = enqueue(world)
    again = enqueue(world, context=outage_context(start="never"))
    assert again.pk == first.pk
    assert again.body == first.body
    assert Notification.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_missing_variable_is_refused_with_its_name_and_nothing_is_written(world, templates) -> None:
    requests = [
        MessageRequest(world.customer_alice.pk, "a", outage_context()),
        MessageRequest(world.customer_bob.pk, "b", {"account": "3100000000002", "start": "x"}),
    ]
    with pytest.raises(DomainError) as caught:
        notifications_enqueue(
            actor=None, requests=requests, template_code="outage.planned", now=DAYTIME
        )
    assert caught.value.code == "notify.template.missing_variable"
    assert caught.value.field == "end"
    assert "end" in caught.value.message
    assert Notification.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_a_rolled_back_change_takes_its_message_and_task_with_it(world, templates) -> None:
    def declare_outage_that_fails() -> None:
        with transaction.atomic():
            enqueue(world)
            raise RuntimeError("the outage declaration failed")

    with pytest.raises(RuntimeError):
        declare_outage_that_fails()
    assert Notification.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_marketing_without_consent_is_kept_but_not_sent(world, templates) -> None:
    n = enqueue(world, template_code="marketing.promo", context={"offer": "八折"})
    assert (n.status, n.reason) == ("suppressed", "no_consent")
    assert DBTaskResult.objects.count() == 0
    ConsentRecord.objects.create(
        customer=world.customer_alice, purpose="marketing", granted=True, source="portal",
        notice_version="v1",
    )  # fmt: skip
    granted = enqueue(world, key="k2", template_code="marketing.promo", context={"offer": "八折"})
    assert granted.status == "queued"


def test_an_outage_notice_goes_out_unless_the_customer_refused_it(world, templates) -> None:
    assert enqueue(world).status == "queued"
    ConsentRecord.objects.create(
        customer=world.customer_alice, purpose="outage", granted=False, source="portal",
        notice_version="v1",
    )  # fmt: skip
    assert enqueue(world, key="k2").status == "suppressed"


def test_quiet_hours_defer_to_eight_and_urgent_messages_go_at_once(world, templates) -> None:
    night = datetime(2026, 12, 1, 23, 30, tzinfo=BEIJING)
    n = enqueue(world, now=night)
    assert n.status == "deferred"
    assert n.next_attempt_at == datetime(2026, 12, 2, 8, 0, tzinfo=BEIJING)
    task = DBTaskResult.objects.get()
    assert task.run_after == datetime(2026, 12, 2, 8, 0, tzinfo=BEIJING)
    urgent = enqueue(world, key="k2", template_code="outage.emergency", now=night)
    assert urgent.status == "queued"
    assert urgent.urgent


def test_the_customers_own_quiet_hours_win(world, templates) -> None:
    ContactPreference.objects.create(
        customer=world.customer_alice, quiet_start="09:00", quiet_end="11:00"
    )
    n = enqueue(world)  # 10:00
    assert n.status == "deferred"
    assert n.next_attempt_at == DAYTIME.replace(hour=11)


def test_preferred_channel_is_used_when_it_has_an_address(world, templates) -> None:
    ContactPreference.objects.create(
        customer=world.customer_alice, channels=["email", "portal", "sms"], email=""
    )
    n = enqueue(world)
    assert n.channel == "portal"  # no e-mail address; alice's login is bound to account A
    assert n.destination == str(world.users["alice"].pk)


def test_no_address_on_the_channel_asked_for_is_recorded(world, templates) -> None:
    n = enqueue(world, channel="wechat")
    assert (n.status, n.reason) == ("suppressed", "no_destination")


def test_daily_limit_suppresses_non_urgent_messages(world, templates, settings) -> None:
    settings.NOTIFY_CUSTOMER_DAILY_LIMIT = 2
    statuses = [enqueue(world, key=f"k{i}").status for i in range(3)]
    assert statuses == ["queued", "queued", "suppressed"]
    assert Notification.objects.get(idempotency_key="k2").reason == "rate_limited"
    later = enqueue(world, key="k3", now=DAYTIME + timedelta(hours=25))
    assert later.status == "queued"


def test_bulk_send_makes_one_task_per_hundred(world, templates, settings) -> None:
    settings.NOTIFY_CUSTOMER_DAILY_LIMIT = 1000  # two customers, 125 messages each
    requests = [
        MessageRequest(world.customer_bob.pk if i % 2 else world.customer_alice.pk, f"o:{i}", outage_context())
        for i in range(250)
    ]  # fmt: skip
    result = notifications_enqueue(
        actor=None, requests=requests, template_code="outage.planned", batch="b1", now=DAYTIME
    )
    assert len(result.created) == 250
    assert result.existing == 0
    assert DBTaskResult.objects.count() == 3
    again = notifications_enqueue(
        actor=None, requests=requests, template_code="outage.planned", now=DAYTIME
    )
    assert (len(again.created), again.existing) == (0, 250)


def test_template_versions_count_up_and_bad_placeholders_are_refused(templates) -> None:
    newer = template_publish(
        actor=None, code="outage.planned", channel="sms", purpose="outage", body="户号{account}"
    )
    assert newer.version == templates["sms"].version + 1
    assert newer.variables == ["account"]
    for body, code in [
        ("户号{account.number}", "notify.template.invalid"),
        ("{", "notify.template.invalid"),
    ]:
        with pytest.raises(DomainError) as caught:
            template_publish(actor=None, code="x", channel="sms", purpose="outage", body=body)
        assert caught.value.code == code
