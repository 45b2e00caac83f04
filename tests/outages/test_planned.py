"""Planned outages: drafts, the affected preview, the notice rules and their override,
publishing with its notices, reminders, start, restoration and cancellation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gridcare.core.errors import ConcurrentChange, DomainError, PermissionDeniedError
from gridcare.core.models import AuditLog
from gridcare.customers.models import Account
from gridcare.notify.models import Notification
from gridcare.outages.choices import OutageEventKind, OutageLevel, OutageState
from gridcare.outages.models import Outage, OutageCustomer
from gridcare.outages.selectors.planned import affected_preview, outage_preview, scope_of
from gridcare.outages.services.planned import (
    planned_cancel,
    planned_publish,
    planned_restore,
    planned_update,
)
from gridcare.outages.services.planned_schedule import planned_tick
from gridcare.testing.personas import World
from tests.outages.planned_support import draft, planned_input

pytestmark = pytest.mark.django_db
DAYS = timedelta(days=1)


def _keys(outage: Outage) -> list[str]:
    return sorted(
        Notification.objects.filter(batch=f"outage:{outage.number}").values_list(
            "idempotency_key", flat=True
        )
    )


def _events(outage: Outage) -> list[str]:
    return list(outage.events.values_list("kind", flat=True))


def test_a_draft_on_a_feeder_previews_its_customers(world: World) -> None:
    manager = world.users["manager"]
    outage = draft(manager, starts_in=10 * DAYS, feeders=("F2",))
    assert outage.number.startswith("TD")
    assert (outage.state, outage.level, outage.affected_count) == ("draft", OutageLevel.FEEDER, 2)
    assert outage.org_unit == world.station_2  # the common unit of TR2
    now = timezone.now()
    preview = affected_preview(
        scope=scope_of(outage), planned_type="maintenance", starts_at=outage.starts_at, now=now
    )
    assert [a.number for a in preview.accounts] == ["3100000000002", "3100000000003"]
    assert preview.by_transformer == [("棠下1号台区", 2)]
    assert preview.notice is not None
    assert preview.notice.met
    assert not Notification.objects.filter(batch=f"outage:{outage.number}").exists()


def test_scope_by_accounts_and_outside_the_editors_scope(world: World) -> None:
    dispatcher = world.users["dispatcher"]  # team T1: station S1 (TR1, account A)
    outage = draft(dispatcher, starts_in=10 * DAYS, accounts=("3100000000001",))
    assert (outage.level, outage.org_unit) == (OutageLevel.ACCOUNTS, world.station_1)
    with pytest.raises(DomainError, match="线路不存在：F2"):
        draft(dispatcher, starts_in=10 * DAYS, feeders=("F2",))
    with pytest.raises(DomainError, match="户号不存在：3100000000002"):
        draft(dispatcher, starts_in=10 * DAYS, accounts=("3100000000002",))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_in": -DAYS}, "开始时间须晚于现在"),
        ({"hours": -1}, "结束时间须晚于开始时间"),
        ({"hours": 100}, "最长 72 小时"),
        ({"planned_type": "bogus"}, "停电类型不正确"),
        ({"transformers": ()}, "请选择停电范围"),
    ],
)
def test_bad_drafts_are_refused(world: World, changes: dict[str, object], message: str) -> None:
    kwargs: dict[str, object] = {"starts_in": 10 * DAYS, "transformers": ("TR1",), **changes}
    with pytest.raises(DomainError, match=message):
        draft(world.users["manager"], **kwargs)


def test_publish_a_week_ahead_tells_every_customer(world: World) -> None:
    outage = draft(world.users["manager"], starts_in=8 * DAYS, feeders=("F2",))
    planned_publish(actor=world.users["dispatcher"], outage=outage)
    outage.refresh_from_db()
    assert outage.state == OutageState.PUBLISHED
    rows = OutageCustomer.objects.filter(outage=outage)
    assert {r.account.number for r in rows} == {"3100000000002", "3100000000003"}
    assert all(r.off_at == outage.starts_at and r.notified_at for r in rows)
    assert _keys(outage) == [
        f"outage:{outage.number}:3100000000002:planned",
        f"outage:{outage.number}:3100000000003:planned",
    ]
    body = Notification.objects.filter(batch=f"outage:{outage.number}").first()
    assert body is not None
    assert outage.number in body.body
    assert "棠下线" in body.body
    assert OutageEventKind.PUBLISHED in _events(outage)
    with pytest.raises(DomainError, match="只有草稿可以发布"):
        planned_publish(actor=world.users["manager"], outage=outage)


def test_maintenance_inside_seven_days_needs_an_audited_override(world: World) -> None:
    outage = draft(world.users["manager"], starts_in=3 * DAYS, transformers=("TR1",))
    with pytest.raises(DomainError, match="通知期不足") as refused:
        planned_publish(actor=world.users["dispatcher"], outage=outage)
    assert refused.value.code == "outages.planned.notice_too_short"
    assert "须提前 168 小时通知" in refused.value.message
    with pytest.raises(PermissionDeniedError):  # a dispatcher may not waive the rule
        planned_publish(actor=world.users["dispatcher"], outage=outage, override_reason="抢修")
    assert Outage.objects.get(pk=outage.pk).state == OutageState.DRAFT
    planned_publish(
        actor=world.users["manager"], outage=outage, override_reason="设备缺陷须尽快处理"
    )
    outage.refresh_from_db()
    assert outage.state == OutageState.PUBLISHED
    assert outage.notice_override == "manager: 设备缺陷须尽快处理"
    audit = AuditLog.objects.get(action="outages.planned.notice_override")
    assert audit.actor == world.users["manager"]
    assert audit.data["reason"] == "设备缺陷须尽快处理"
    assert OutageEventKind.NOTICE_OVERRIDE in _events(outage)


def test_temporary_maintenance_needs_24h_only_for_important_customers(world: World) -> None:
    manager = world.users["manager"]
    quick = draft(
        manager, starts_in=timedelta(hours=6), planned_type="temporary", transformers=("TR2",)
    )
    planned_publish(actor=manager, outage=quick)  # nobody important on TR2
    Account.objects.filter(pk=world.account_a.pk).update(importance_level="level_1")
    urgent = draft(
        manager, starts_in=timedelta(hours=6), planned_type="temporary", transformers=("TR1",)
    )
    with pytest.raises(DomainError, match="须提前 24 小时"):
        planned_publish(actor=manager, outage=urgent)
    later = draft(
        manager, starts_in=timedelta(hours=30), planned_type="temporary", transformers=("TR1",)
    )
    planned_publish(actor=manager, outage=later)


def test_reminders_start_and_end_on_the_clock(world: World) -> None:
    manager = world.users["manager"]
    now = timezone.now()
    outage = draft(manager, starts_in=8 * DAYS, transformers=("TR2",), now=now)
    planned_publish(actor=manager, outage=outage, now=now)
    start = outage.starts_at
    assert planned_tick(start - timedelta(hours=30)).reminded == 0
    assert planned_tick(start - timedelta(hours=23)).reminded == 1  # the 24 h reminder
    assert planned_tick(start - timedelta(hours=22)).reminded == 0  # once only
    assert planned_tick(start - timedelta(hours=1)).reminded == 1  # the 2 h reminder
    assert planned_tick(start + timedelta(minutes=1)).started == 1
    outage.refresh_from_db()
    assert outage.state == OutageState.ACTIVE
    assert planned_tick(start + timedelta(hours=5)).restored == 1
    outage.refresh_from_db()
    assert (outage.state, outage.restored_at) == (OutageState.RESTORED, outage.ends_at)
    assert set(OutageCustomer.objects.filter(outage=outage).values_list("on_at", flat=True)) == {
        outage.ends_at
    }
    keys = _keys(outage)
    assert len(keys) == 8  # 2 customers × (notice, 24 h, 2 h, restored)
    assert f"outage:{outage.number}:3100000000002:reminder24h" in keys
    assert f"outage:{outage.number}:3100000000002:restored" in keys


def test_a_dispatcher_marks_it_restored(world: World) -> None:
    manager, dispatcher = world.users["manager"], world.users["dispatcher"]
    now = timezone.now()
    outage = draft(manager, starts_in=8 * DAYS, transformers=("TR1",), now=now - 10 * DAYS)
    planned_publish(actor=manager, outage=outage, now=now - 10 * DAYS)
    with pytest.raises(DomainError, match="恢复送电时间"):
        planned_restore(actor=dispatcher, outage=outage, at=outage.starts_at - timedelta(hours=1))
    back = outage.starts_at + timedelta(hours=2)
    planned_restore(actor=dispatcher, outage=outage, at=back)
    outage.refresh_from_db()
    assert (outage.state, outage.restored_at) == (OutageState.RESTORED, back)
    link = OutageCustomer.objects.get(outage=outage)
    assert (link.on_at, link.restored_notified_at is not None) == (back, True)
    assert f"outage:{outage.number}:3100000000001:restored" in _keys(outage)
    with pytest.raises(DomainError, match="只有进行中的停电可以恢复送电"):
        planned_restore(actor=dispatcher, outage=outage)


def test_cancel_tells_those_who_were_told(world: World) -> None:
    manager = world.users["manager"]
    outage = draft(manager, starts_in=8 * DAYS, transformers=("TR2",))
    planned_publish(actor=manager, outage=outage)
    with pytest.raises(DomainError, match="请填写取消原因"):
        planned_cancel(actor=manager, outage=outage, reason=" ")
    planned_cancel(actor=manager, outage=outage, reason="天气原因，改期进行")
    outage.refresh_from_db()
    assert outage.state == OutageState.CANCELLED
    assert f"outage:{outage.number}:3100000000003:cancelled" in _keys(outage)
    with pytest.raises(DomainError, match="不能取消"):
        planned_cancel(actor=manager, outage=outage, reason="again")


def test_update_a_draft_and_a_stale_version(world: World) -> None:
    manager = world.users["manager"]
    outage = draft(manager, starts_in=10 * DAYS, transformers=("TR1",))
    data = planned_input(manager, starts_in=12 * DAYS, feeders=("F2",))
    updated = planned_update(actor=manager, outage=outage, data=data, version=1)
    assert (updated.version, updated.affected_count, updated.level) == (2, 2, OutageLevel.FEEDER)
    assert [s.feeder.code for s in updated.scope_items.all() if s.feeder] == ["F2"]
    with pytest.raises(ConcurrentChange):
        planned_update(actor=manager, outage=outage, data=data, version=1)


def test_a_late_publish_skips_the_reminders_it_is_already_inside(world: World) -> None:
    manager = world.users["manager"]
    now = timezone.now()
    outage = draft(
        manager,
        starts_in=timedelta(hours=10),
        planned_type="temporary",
        transformers=("TR2",),
        now=now,
    )
    planned_publish(actor=manager, outage=outage, now=now)
    start = outage.starts_at
    assert planned_tick(now + timedelta(minutes=5)).reminded == 0  # inside 24 h already
    assert planned_tick(start - timedelta(hours=1, minutes=30)).reminded == 1  # the 2 h one
    assert not any("reminder24h" in key for key in _keys(outage))


def test_after_publishing_the_preview_lists_who_was_told(world: World) -> None:
    manager = world.users["manager"]
    outage = draft(manager, starts_in=8 * DAYS, transformers=("TR2",))
    planned_publish(actor=manager, outage=outage)
    # The topology changes afterwards (C closes): the announced list stays as announced.
    Account.objects.filter(pk=world.account_c.pk).update(status="closed")
    outage.refresh_from_db()
    told = outage_preview(outage=outage, now=timezone.now())
    assert [a.number for a in told.accounts] == ["3100000000002", "3100000000003"]
    assert told.notice is None
