"""Delivery over real connections: an HTTP gateway on 127.0.0.1 (scripted answers), an SMTP
server (aiosmtpd), Mosquitto for app push; retries, failures and lease recovery."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import paho.mqtt.client as mqtt
import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from gridcare.customers.models import ContactPreference
from gridcare.notify.channels.base import backend_for
from gridcare.notify.channels.push import user_topic
from gridcare.notify.models import Notification, NotificationEvent
from gridcare.notify.services import (
    notification_enqueue,
    notifications_deliver,
    notifications_recover,
)
from gridcare.testing.processes import free_port
from tests.notify.conftest import DAYTIME, outage_context


def enqueue(world, key: str = "k1", **kwargs) -> Notification:  # type: ignore[no-untyped-def]
    return notification_enqueue(
        actor=None,
        customer_id=world.customer_alice.pk,
        template_code=kwargs.pop("template_code", "outage.planned"),
        context=outage_context(),
        idempotency_key=key,
        now=DAYTIME,
        **kwargs,
    )


def deliver(n: Notification, after: timedelta = timedelta(0)):  # type: ignore[no-untyped-def]
    return notifications_deliver(ids=[n.pk], worker="test", now=DAYTIME + after)


def test_sent_message_reaches_the_gateway_with_its_key(world, templates, gateway) -> None:
    n = enqueue(world)
    tally = deliver(n)
    n.refresh_from_db()
    assert tally.sent == 1
    assert n.status == "sent"
    assert n.provider_message_id == "gw-1"
    assert gateway.requests == [
        {"body": {"to": world.customer_alice.mobile, "text": n.body, "out_id": "k1"}, "key": "k1"}
    ]
    assert [e.to_status for e in n.events.all()] == ["queued", "sent"]
    assert deliver(n).skipped == 1  # a second task for it sends nothing
    assert len(gateway.requests) == 1


def test_gateway_errors_are_retried_with_backoff_then_sent(world, templates, gateway) -> None:
    gateway.statuses = [503, 503]
    n = enqueue(world)
    assert deliver(n).retrying == 1
    n.refresh_from_db()
    assert n.status == "retrying"
    assert n.reason == "网关返回 HTTP 503"
    assert n.next_attempt_at == DAYTIME + timedelta(seconds=30)
    assert deliver(n, timedelta(seconds=10)).skipped == 1  # not due yet
    assert deliver(n, timedelta(seconds=30)).retrying == 1
    n.refresh_from_db()
    assert n.next_attempt_at == DAYTIME + timedelta(seconds=30 + 60)  # doubled
    assert deliver(n, timedelta(seconds=90)).sent == 1
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 3)
    assert DBTaskResult.objects.count() == 3  # the first, and one per retry


def test_a_gateway_that_keeps_failing_ends_in_failed(world, templates, gateway, settings) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 2
    gateway.statuses = [500, 500, 500]
    n = enqueue(world)
    deliver(n)
    deliver(n, timedelta(minutes=5))
    n.refresh_from_db()
    assert (n.status, n.attempts, n.reason) == ("failed", 2, "网关返回 HTTP 500")
    assert n.events.last().data == {"error": "网关返回 HTTP 500", "attempts": 2}


def test_a_request_the_gateway_refuses_is_not_retried(world, templates, gateway) -> None:
    gateway.statuses = [400]
    n = enqueue(world)
    assert deliver(n).failed == 1
    n.refresh_from_db()
    assert n.status == "failed"
    assert n.attempts == 1


def test_an_unreachable_gateway_is_a_retry(world, templates, settings) -> None:
    settings.NOTIFY_SMS_GATEWAY_URL = "http://127.0.0.1:9/"  # discard port: refused
    backend_for.cache_clear()
    n = enqueue(world)
    assert deliver(n).retrying == 1
    n.refresh_from_db()
    assert n.reason.startswith("网关连接失败")


def test_a_dead_workers_claim_is_recovered_and_sent_once(
    world, templates, gateway, settings
) -> None:
    n = enqueue(world)
    # A worker claimed it and died before finishing (no result recorded).
    Notification.objects.filter(pk=n.pk).update(
        status="sending", claimed_by="dead:1", claimed_until=DAYTIME - timedelta(seconds=1)
    )
    assert notifications_recover(now=DAYTIME) == 1
    n.refresh_from_db()
    assert n.status == "retrying"
    assert n.reason == "lease_expired"
    assert deliver(n).sent == 1
    event = NotificationEvent.objects.filter(notification=n, to_status="retrying").get()
    assert event.data == {"reason": "lease_expired", "claimed_by": "dead:1"}


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_the_worker_command_runs_the_tasks(world, templates, gateway) -> None:
    n = enqueue(world)
    Notification.objects.filter(pk=n.pk).update(next_attempt_at=timezone.now())
    call_command("worker", "--batch")
    n.refresh_from_db()
    assert n.status == "sent"
    # The worker's periodic jobs run too (the billing cycle may queue a low-balance notice of
    # its own): every task that was due succeeded, and this message went to the gateway
    # once. A notice the periodic jobs queued inside the quiet hours (22:00–08:00 Beijing)
    # waits for the morning: READY, due later, not a failure (this failed by the clock).
    later = DBTaskResult.objects.filter(
        status="READY", run_after__gt=timezone.now(), run_after__lt=get_date_max()
    )
    due = DBTaskResult.objects.exclude(pk__in=later.values("pk"))
    assert set(due.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert [r["key"] for r in gateway.requests].count(n.idempotency_key) == 1


def _task_row(status: str, started: timedelta | None) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=status,
        started_at=None if started is None else now - started,
        args_kwargs={"args": [], "kwargs": {"ids": [1]}},
        task_path="gridcare.notify.tasks.deliver_notifications_task",
        worker_ids=["host:4242"],
        backend_name="default",
        run_after=now,
    )


@pytest.mark.django_db(transaction=True)
def test_task_rows_left_running_by_a_dead_worker_are_marked_failed(settings) -> None:
    settings.TASKS_LOST_AFTER_SECONDS = 900
    lost = _task_row("RUNNING", timedelta(hours=1))
    busy = _task_row("RUNNING", timedelta(seconds=30))  # a live worker's: left alone
    waiting = _task_row("READY", None)
    call_command("worker", "--batch")  # recovers at start-up (and every --sweep seconds)
    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert statuses[lost.pk] == "FAILED"
    assert statuses[busy.pk] == "RUNNING"
    lost.refresh_from_db()
    assert lost.exception_class_path == "gridcare.core.background.WorkerLost"
    assert lost.finished_at is not None
    assert statuses[waiting.pk] == "SUCCESSFUL"  # READY rows are the worker's to run


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[object] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802 (aiosmtpd hook)
        self.messages.append(envelope)
        return "250 OK"


def test_email_is_delivered_to_an_smtp_server(world, templates, settings) -> None:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        ContactPreference.objects.create(
            customer=world.customer_alice, channels=["email"], email="alice@example.cn"
        )
        n = enqueue(world)
        assert n.channel == "email"
        assert deliver(n).sent == 1
    finally:
        controller.stop()
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["alice@example.cn"]
    text = envelope.content.decode()
    assert "Subject: =?utf-8?" in text  # the Chinese subject, encoded
    assert "Message-ID: <" in text


def test_app_push_arrives_on_the_users_mqtt_topic(world, templates) -> None:
    ContactPreference.objects.create(customer=world.customer_alice, channels=["app_push"])
    n = enqueue(world)
    received: list[dict[str, str]] = []
    arrived = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)

    def on_message(_c, _u, message):  # type: ignore[no-untyped-def]
        received.append(json.loads(message.payload))
        arrived.set()

    subscribed = threading.Event()
    client.on_message = on_message
    client.on_subscribe = lambda *a: subscribed.set()
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    try:
        client.subscribe(user_topic(world.users["alice"].pk), qos=1)
        assert subscribed.wait(5)
        assert deliver(n).sent == 1
        assert arrived.wait(5)
    finally:
        client.loop_stop()
        client.disconnect()
    assert received[0] == {"key": "k1", "title": "停电通知：3100000000001", "body": n.body}


@pytest.mark.parametrize("channel", ["portal"])
def test_portal_messages_are_delivered_into_the_inbox(world, templates, channel) -> None:
    n = enqueue(world, channel=channel)
    assert deliver(n).sent == 1
    n.refresh_from_db()
    assert n.status == "sent"
    assert n.read_at is None


def test_a_gateway_rate_limit_spaces_the_sends(world, templates, gateway, settings) -> None:
    from gridcare.notify.channels import limits

    settings.NOTIFY_GATEWAY_RATES = {"sms": 5}
    limits.bucket_for.cache_clear()
    clock = [0.0]
    bucket = limits.TokenBucket(
        rate=5, burst=1, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s)
    )
    waits = [bucket.take() for _ in range(6)]
    assert waits[0] == 0.0
    assert waits[1:] == [pytest.approx(0.2)] * 5  # one every 1/5 s once the burst is spent
    # And the delivery path goes through the configured bucket.
    n = enqueue(world)
    assert deliver(n).sent == 1
    assert limits.bucket_for("sms") is not None
    limits.bucket_for.cache_clear()


def test_an_smtp_server_that_is_down_is_a_retry(world, templates, settings) -> None:
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    ContactPreference.objects.create(
        customer=world.customer_alice, channels=["email"], email="alice@example.cn"
    )
    n = enqueue(world)
    assert deliver(n).retrying == 1
    n.refresh_from_db()
    assert n.status == "retrying"
    assert n.reason.startswith("邮件服务器错误")


def test_a_broker_that_is_down_is_a_retry_for_app_push(world, templates, settings) -> None:
    settings.NOTIFY_MQTT_PORT = free_port()  # nothing listens
    backend_for.cache_clear()
    ContactPreference.objects.create(customer=world.customer_alice, channels=["app_push"])
    n = enqueue(world)
    try:
        assert deliver(n).retrying == 1
    finally:
        backend_for.cache_clear()
    n.refresh_from_db()
    assert n.reason.startswith("推送服务不可用")
