"""The SLA sweep: the 80 % warning once, the overdue escalation once to the right manager,
inside office hours for working-day clocks (GLPI PR #22678, Zammad #4432: not computed or
sent at midnight) and at once, day or night, for repairs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from gridcare.core.choices import Role
from gridcare.core.models import User
from gridcare.core.services import staff_user_create
from gridcare.notify.models import StaffNotice
from gridcare.service.models import WorkOrder, WorkOrderEvent
from gridcare.service.services.sla_escalation import managers_of, sla_sweep
from gridcare.testing.personas import ACCOUNT_B, World
from tests.service.sla_support import act, bj, clock, new_order


def notices(kind: str) -> list[tuple[str, str]]:
    return list(StaffNotice.objects.filter(kind=kind).values_list("user__username", "title"))


def station_manager(world: World, mobile: str = "") -> User:
    return staff_user_create(
        actor=None,
        username="manager_s1",
        display_name="石牌所长",
        role=Role.MANAGER,
        org_unit=world.station_1,
        password=None,
        mobile=mobile,
    )


def test_the_warning_goes_out_once_at_80_percent(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))  # 45 min: warn at 36
    assert clock(order, "repair_arrival").warn_at == bj(2025, 3, 5, 10, 36)

    assert sla_sweep(now=bj(2025, 3, 5, 10, 35)).warned == 0
    assert sla_sweep(now=bj(2025, 3, 5, 10, 36)).warned == 1
    assert sla_sweep(now=bj(2025, 3, 5, 10, 40)).warned == 0

    # Nobody holds the order yet: the warning reaches the managers.
    assert notices("sla.warning") == [("manager", f"工单 {order.number} 即将超时")]
    assert WorkOrderEvent.objects.filter(order=order, kind="sla_warning").count() == 1
    assert clock(order, "repair_arrival").warned_at == bj(2025, 3, 5, 10, 36)


def test_the_warning_reaches_the_assignee_when_someone_holds_the_order(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    WorkOrder.objects.filter(pk=order.pk).update(
        team=world.team_1, assignee=world.users["crew"], state="taken"
    )
    sla_sweep(now=bj(2025, 3, 5, 10, 40))
    assert [u for u, _ in notices("sla.warning")] == ["crew"]


def test_the_warning_reaches_the_team_when_dispatched_but_not_taken(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    WorkOrder.objects.filter(pk=order.pk).update(team=world.team_1, state="dispatched")
    sla_sweep(now=bj(2025, 3, 5, 10, 40))
    assert sorted(u for u, _ in notices("sla.warning")) == ["crew", "dispatcher"]


def test_overdue_escalates_once_to_the_nearest_manager(world: World) -> None:
    near = station_manager(world)
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    other = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0), account=ACCOUNT_B)

    assert sla_sweep(now=bj(2025, 3, 5, 10, 45)).escalated == 2
    assert sla_sweep(now=bj(2025, 3, 5, 11, 0)).escalated == 0

    by_order = dict(StaffNotice.objects.filter(kind="sla.overdue").values_list("link", "user"))
    assert by_order == {
        f"/console/orders/{order.number}/": near.pk,  # S1 has its own manager
        f"/console/orders/{other.number}/": world.users["manager"].pk,  # S2: the bureau's
    }
    assert managers_of(order) == [near]
    assert WorkOrderEvent.objects.filter(kind="sla_overdue").count() == 2
    # Escalated without a warning first: the warning is not sent afterwards.
    assert sla_sweep(now=bj(2025, 3, 5, 12, 0)).warned == 0
    assert not StaffNotice.objects.filter(kind="sla.warning").exists()


def test_a_met_clock_is_never_escalated(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    act(order, "arrive", bj(2025, 3, 5, 10, 30))
    tally = sla_sweep(now=bj(2025, 3, 5, 10, 50))
    assert (tally.warned, tally.escalated) == (0, 0)


def test_a_paused_clock_is_neither_warned_nor_escalated(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    act(order, "pause", bj(2025, 3, 5, 10, 10))
    tally = sla_sweep(now=bj(2025, 3, 5, 12, 0))
    assert (tally.warned, tally.escalated) == (0, 0)
    act(order, "resume", bj(2025, 3, 5, 12, 0))  # 35 min left: deadline 12:35
    assert sla_sweep(now=bj(2025, 3, 5, 12, 35)).escalated == 1


def test_repair_escalation_goes_out_at_night_and_on_sundays(world: World) -> None:
    # Saturday 23:30: due Sunday 00:15, escalated at once (repairs run 24/7).
    order = new_order(world, "fault_repair", bj(2025, 3, 15, 23, 30))
    assert clock(order, "repair_arrival").escalate_at == bj(2025, 3, 16, 0, 15)
    assert sla_sweep(now=bj(2025, 3, 16, 0, 15)).escalated == 1


def test_glpi_22678_working_day_escalation_waits_for_office_hours(world: World) -> None:
    """GLPI PR #22678 / Zammad #4432: escalations computed or sent at midnight. A reply due
    Friday 23:59:59 escalates on Monday at office opening, not at Saturday 00:00."""
    order = new_order(world, "complaint", bj(2025, 3, 7, 10, 0))
    act(order, "note", bj(2025, 3, 7, 11, 0), data={"contact": True})
    reply = clock(order, "complaint_reply")
    assert reply.deadline_at == bj(2025, 3, 14, 23, 59, 59)
    assert reply.escalate_at == bj(2025, 3, 17, 8, 30)

    assert sla_sweep(now=bj(2025, 3, 14, 23, 59, 59)).escalated == 0
    assert sla_sweep(now=bj(2025, 3, 15, 0, 0, 1)).escalated == 0  # Saturday midnight
    assert sla_sweep(now=bj(2025, 3, 16, 12, 0)).escalated == 0  # Sunday
    assert sla_sweep(now=bj(2025, 3, 17, 8, 29)).escalated == 0
    assert sla_sweep(now=bj(2025, 3, 17, 8, 30)).escalated == 1
    assert sla_sweep(now=bj(2025, 3, 17, 9, 0)).escalated == 0


def test_zammad_4432_the_warning_of_a_working_day_clock_is_sent_in_office_hours(
    world: World,
) -> None:
    order = new_order(world, "complaint", bj(2025, 3, 7, 10, 0))  # Friday 10:00
    act(order, "note", bj(2025, 3, 7, 11, 0), data={"contact": True})
    reply = clock(order, "complaint_reply")
    # 80 % of 134 working hours elapses Thursday 13 March at 21:11:59 (after closing):
    # the warning goes out Friday at opening.
    assert reply.warn_at == bj(2025, 3, 14, 8, 30)
    assert sla_sweep(now=bj(2025, 3, 13, 23, 0)).warned == 0
    assert clock(order, "complaint_reply").warned_at is None
    sla_sweep(now=bj(2025, 3, 14, 8, 30))
    assert clock(order, "complaint_reply").warned_at == bj(2025, 3, 14, 8, 30)


def test_escalation_after_a_make_up_sunday_deadline_goes_out_that_sunday(world: World) -> None:
    """A reply due Friday 24 January 2025 escalates on Sunday 26 January, a 调休 working
    day, at opening — not on Monday."""
    order = new_order(world, "report", bj(2025, 1, 17, 10, 0))
    reply = clock(order, "reply")
    assert reply.deadline_at == bj(2025, 1, 24, 23, 59, 59)
    assert reply.escalate_at == bj(2025, 1, 26, 8, 30)


def test_a_manager_with_a_mobile_gets_the_escalation_by_sms_too(world: World) -> None:
    station_manager(world, mobile="13600000009")
    new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))

    sla_sweep(now=bj(2025, 3, 5, 11, 0))

    notice = StaffNotice.objects.get(kind="sla.overdue")
    assert (notice.sms_to, notice.sms_status) == ("13600000009", "pending")
    task = DBTaskResult.objects.get(task_path__endswith="send_staff_sms_task")
    assert task.task_path.endswith("send_staff_sms_task")
    assert task.args_kwargs["kwargs"] == {"ids": [notice.pk]}


def test_the_sweep_command_and_task(world: World, capsys) -> None:  # type: ignore[no-untyped-def]
    new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    call_command("service", "sweep", "--now", "2025-03-05T11:00:00+08:00")
    assert "escalated 1" in capsys.readouterr().out
    from gridcare.service.tasks import sla_sweep_task

    result = sla_sweep_task.call(now=dt.datetime(2025, 3, 5, 12, tzinfo=dt.UTC).isoformat())
    assert result == {"warned": 0, "escalated": 0}


@pytest.mark.django_db(transaction=True)
def test_gridcare_worker_runs_the_sweep(world: World) -> None:
    from django.utils import timezone

    from gridcare.core import periodic

    order = new_order(world, "fault_repair", timezone.now() - dt.timedelta(hours=2))
    for job in periodic._jobs.values():
        job.last_started = None  # as in a fresh worker process
    call_command("worker", "--batch")
    assert clock(order, "repair_arrival").escalated_at is not None
    assert StaffNotice.objects.filter(kind="sla.overdue").count() == 1
