"""Staff notices: stored once per user and key, SMS through the configured SMS channel
(the same backend and gateway as customer messages), retried, recovered, read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gridcare.core.errors import NotFound
from gridcare.notify.models import StaffNotice
from gridcare.notify.selectors import staff_notices_for
from gridcare.notify.services import (
    staff_notice_mark_read,
    staff_notice_send,
    staff_sms_deliver,
    staff_sms_recover,
)
from gridcare.testing.personas import World
from tests.notify.conftest import ScriptedGateway


def send(world: World, key: str = "sla:1:1:overdue") -> list[StaffNotice]:
    return staff_notice_send(
        users=[world.users["manager"], world.users["agent_s1"], world.users["alice"]],
        kind="sla.overdue",
        title="工单 1 已超时",
        body="抢修到达时限已过。",
        link="/console/orders/1/",
        idempotency_key=key,
    )


def test_one_notice_per_staff_user_and_the_same_key_twice_changes_nothing(world: World) -> None:
    first = send(world)
    again = send(world)
    assert sorted(n.user.username for n in first) == ["agent_s1", "manager"]  # not customers
    assert {n.pk for n in again} == {n.pk for n in first}
    assert StaffNotice.objects.count() == 2
    assert [n.title for n in staff_notices_for(user=world.users["manager"])] == ["工单 1 已超时"]


def test_the_sms_goes_through_the_sms_gateway_once(world: World, gateway: ScriptedGateway) -> None:
    world.users["manager"].mobile = "13600000009"
    world.users["manager"].save()
    notices = send(world)
    manager = next(n for n in notices if n.user == world.users["manager"])
    agent = next(n for n in notices if n.user == world.users["agent_s1"])
    assert (manager.sms_status, agent.sms_status) == ("pending", "")

    assert staff_sms_deliver(ids=[manager.pk, agent.pk]) == 1
    assert staff_sms_deliver(ids=[manager.pk]) == 0

    assert len(gateway.requests) == 1
    assert gateway.requests[0]["body"]["to"] == "13600000009"
    assert "工单 1 已超时" in gateway.requests[0]["body"]["text"]
    assert gateway.requests[0]["key"] == manager.idempotency_key
    manager.refresh_from_db()
    assert manager.sms_status == "sent"


def test_a_gateway_failure_is_retried_then_given_up(
    world: World, gateway: ScriptedGateway, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_MAX_ATTEMPTS = 2
    world.users["manager"].mobile = "13600000009"
    world.users["manager"].save()
    notice = next(n for n in send(world) if n.sms_to)
    gateway.statuses = [503, 503]

    staff_sms_deliver(ids=[notice.pk])
    notice.refresh_from_db()
    assert (notice.sms_status, notice.sms_attempts) == ("pending", 1)
    staff_sms_deliver(ids=[notice.pk])
    notice.refresh_from_db()
    assert notice.sms_status == "failed"
    assert "503" in notice.sms_error


def test_an_sms_left_sending_by_a_dead_worker_is_recovered(world: World) -> None:
    world.users["manager"].mobile = "13600000009"
    world.users["manager"].save()
    notice = next(n for n in send(world) if n.sms_to)
    StaffNotice.objects.filter(pk=notice.pk).update(
        sms_status="sending", sms_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert staff_sms_recover() == 1
    notice.refresh_from_db()
    assert notice.sms_status == "pending"


def test_only_the_addressee_marks_a_notice_read(world: World) -> None:
    notice = next(n for n in send(world) if n.user == world.users["manager"])
    with pytest.raises(NotFound):
        staff_notice_mark_read(user=world.users["agent_s1"], notice_id=notice.pk)
    staff_notice_mark_read(user=world.users["manager"], notice_id=notice.pk)
    assert not staff_notices_for(user=world.users["manager"], unread_only=True).exists()
