"""One timeline for every channel: hotline calls from the CTI system, counter visits,
notifications sent; ordered, filtered, scoped, idempotent by the channel's own id."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction

from gridcare.core.errors import DomainError
from gridcare.customers.models import Interaction
from gridcare.customers.services import interaction_record
from gridcare.notify.services import notification_enqueue, notifications_deliver, template_publish

BJ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=BJ)
CALL = {"recording_ref": "cti://rec/20261201/0001", "duration_seconds": 185, "call_id": "C-1"}
VISIT = {"queue_number": "A017", "wait_seconds": 420, "service_seconds": 610}


def record(world, **kwargs: Any) -> Interaction:  # type: ignore[no-untyped-def]
    kwargs.setdefault("direction", "inbound")
    return interaction_record(actor=None, customer_id=world.customer_alice.pk, **kwargs)


def test_cti_call_is_recorded_with_its_recording_and_agent(world, client_for) -> None:
    response = client_for("agent_s1").post(
        f"/api/v1/customers/{world.customer_alice.pk}/interactions",
        {
            "channel": "hotline",
            "summary": "来电咨询计划停电时间",
            "account_number": world.account_a.number,
            "occurred_at": T0.isoformat(),
            "external_id": "C-1",
            "data": CALL,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "hotline"
    assert body["data"]["recording_ref"] == "cti://rec/20261201/0001"
    assert body["account_number"] == world.account_a.number
    assert body["agent"] == str(world.users["agent_s1"])
    saved = Interaction.objects.get()
    assert saved.agent == world.users["agent_s1"]
    assert saved.occurred_at == T0


def test_a_call_without_its_recording_reference_is_refused_naming_the_field(
    world, client_for
) -> None:
    response = client_for("agent_s1").post(
        f"/api/v1/customers/{world.customer_alice.pk}/interactions",
        {"channel": "hotline", "summary": "来电", "data": {"duration_seconds": 30}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "customers.interaction.bad_data",
        "message": "通话记录缺少录音编号 recording_ref",
        "field": "data.recording_ref",
    }
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"queue_number": "A017", "wait_seconds": -5, "service_seconds": 60}, "data.wait_seconds"),
        ({"queue_number": " ", "wait_seconds": 5, "service_seconds": 60}, "data.queue_number"),
        (
            {"queue_number": "A017", "wait_seconds": 5, "service_seconds": True},
            "data.service_seconds",
        ),
    ],
)
def test_counter_visits_need_queue_number_and_times(world, data, field) -> None:
    with pytest.raises(DomainError) as caught:
        record(world, channel="counter", summary="办理过户", data=data)
    assert caught.value.field == field


def test_the_same_external_id_twice_is_one_record(world) -> None:
    first = record(world, channel="hotline", summary="来电", external_id="C-9", data=CALL)
    again = record(world, channel="hotline", summary="重复推送", external_id="C-9", data=CALL)
    assert again.pk == first.pk
    assert Interaction.objects.count() == 1


def test_an_account_of_another_customer_is_refused(world) -> None:
    with pytest.raises(DomainError) as caught:
        record(world, channel="web_chat", summary="在线咨询", account_id=world.account_b.pk)
    assert caught.value.code == "customers.interaction.account_mismatch"


def test_timeline_is_newest_first_and_filters_by_channel(world, client_for) -> None:
    record(world, channel="counter", summary="营业厅办理", occurred_at=T0, data=VISIT)
    record(world, channel="hotline", summary="来电", occurred_at=T0 + timedelta(hours=1), data=CALL)
    record(world, channel="wechat", summary="微信留言", occurred_at=T0 + timedelta(hours=2))
    client = client_for("agent_s1")
    url = f"/api/v1/customers/{world.customer_alice.pk}/timeline"
    items = client.get(url).json()["items"]
    assert [i["summary"] for i in items] == ["微信留言", "来电", "营业厅办理"]
    offline = client.get(url, {"channel": "hotline,counter"}).json()["items"]
    assert [i["channel"] for i in offline] == ["hotline", "counter"]
    assert offline[1]["data"] == VISIT
    assert client_for("agent_s2").get(url).status_code == 404  # another station's customer


def test_a_sent_notification_appears_on_the_timeline(world, settings) -> None:
    template_publish(
        actor=None, code="notice.portal", channel="portal", purpose="service", body="您的申请已受理"
    )
    n = notification_enqueue(
        actor=None,
        customer_id=world.customer_alice.pk,
        template_code="notice.portal",
        context={},
        idempotency_key="apply:1",
        channel="portal",
        now=T0,
    )
    notifications_deliver(ids=[n.pk], worker="test", now=T0)
    entry = Interaction.objects.get(customer=world.customer_alice)
    assert (entry.channel, entry.direction, entry.summary) == (
        "portal",
        "outbound",
        "您的申请已受理",
    )
    assert entry.links == {"notification": n.pk}
    notifications_deliver(ids=[n.pk], worker="test", now=T0)
    assert Interaction.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_external_id_recorded_concurrently_is_one_record(world) -> None:
    """A CTI system delivering one call twice at once: the second request does not see the
    first's row (not committed yet), waits on the unique index, then returns that row."""
    results: list[Interaction | BaseException] = []

    def second_delivery() -> None:
        try:
            results.append(
                record(world, channel="hotline", summary="并发重复", external_id="C-77", data=CALL)
            )
        except BaseException as exc:  # reported by the assertion below
            results.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        first = record(world, channel="hotline", summary="来电", external_id="C-77", data=CALL)
        other = threading.Thread(target=second_delivery)
        other.start()
        _wait_until_blocked(other)
    other.join(timeout=30)
    assert not other.is_alive()
    assert [getattr(r, "pk", r) for r in results] == [first.pk]
    assert Interaction.objects.filter(channel="hotline", external_id="C-77").count() == 1


def _wait_until_blocked(thread: threading.Thread) -> None:
    """Until the other connection waits on a lock (PostgreSQL shows it; SQLite's writer
    lock does not, so give it a moment there)."""
    if connection.vendor != "postgresql":
        thread.join(timeout=1.0)
        return
    with connections["default"].cursor() as cursor:
        for _ in range(200):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the second delivery never waited for the first")
