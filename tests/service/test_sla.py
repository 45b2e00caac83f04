"""SLA clocks: every clock rule, pauses credited in the clock's own measure, and the open
helpdesks' known SLA bugs as named tests (Frappe Helpdesk #1554, GLPI #10594)."""

from __future__ import annotations

import datetime as dt

import pytest

from gridcare.core.errors import Conflict, PermissionDeniedError
from gridcare.service.models import ClockPause, SlaClock
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.service.services.sla import order_contact_record
from gridcare.service.sla_selectors import clock_status, order_sla
from gridcare.testing.personas import ACCOUNT_A, World
from tests.service.sla_support import act, bj, clock, new_order

H = dt.timedelta(hours=1)


# --- Which clocks run when (sla_rules table) ---


def test_repair_arrival_runs_from_acceptance_to_arrival(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    arrival = clock(order, "repair_arrival")
    assert arrival.deadline_at == bj(2025, 3, 5, 10, 45)
    assert not SlaClock.objects.filter(order=order, clock="repair_restoration").exists()

    act(order, "arrive", bj(2025, 3, 5, 10, 40))

    assert clock_status(clock(order, "repair_arrival"), bj(2025, 3, 5, 11)).state == "met"
    restoration = clock(order, "repair_restoration")
    assert restoration.started_at == bj(2025, 3, 5, 10, 40)
    assert restoration.deadline_at == bj(2025, 3, 5, 13, 40)  # SGCC 2023 urban: 3 h


def test_a_late_arrival_is_breached_and_restoration_stops_at_resolve(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    act(order, "arrive", bj(2025, 3, 5, 11, 0))
    act(order, "resolve", bj(2025, 3, 5, 12, 0))

    now = bj(2025, 3, 6)
    assert clock_status(clock(order, "repair_arrival"), now).state == "breached"
    assert clock_status(clock(order, "repair_restoration"), now).state == "met"
    assert clock(order, "repair_restoration").stopped_by == "resolve"


def test_complaint_contact_stops_at_the_first_contact_record(world: World) -> None:
    order = new_order(world, "complaint", bj(2025, 3, 5, 10, 0))
    contact = clock(order, "complaint_contact")
    assert contact.unit == "hours"
    assert contact.deadline_at == bj(2025, 3, 6, 10, 0)  # 24 natural hours
    assert clock(order, "complaint_reply").deadline_at == bj(2025, 3, 12, 23, 59, 59)

    act(order, "note", bj(2025, 3, 5, 15, 0), data={"contact": True})

    stopped = clock(order, "complaint_contact")
    assert stopped.stopped_at == bj(2025, 3, 5, 15, 0)
    assert stopped.stopped_by == "contact"
    assert clock(order, "complaint_reply").stopped_at is None


def test_a_note_without_contact_stops_nothing(world: World) -> None:
    order = new_order(world, "complaint", bj(2025, 3, 5, 10, 0))
    act(order, "note", bj(2025, 3, 5, 11, 0), data={"internal": True})
    assert clock(order, "complaint_contact").stopped_at is None


def test_order_contact_record_writes_an_internal_note_and_stops_the_contact_clock(
    world: World,
) -> None:
    order = order_create(
        actor=world.users["agent_s1"],
        draft=OrderDraft(
            order_type="complaint", origin="web", title="态度差", account_number=ACCOUNT_A
        ),
    )
    event = order_contact_record(actor=world.users["agent_s1"], number=order.number, note="已回电")

    assert event.kind == "note"
    assert not event.public
    assert event.data == {"contact": True}
    assert clock(order, "complaint_contact").stopped_by == "contact"
    with pytest.raises(PermissionDeniedError):
        order_contact_record(actor=world.users["analyst"], number=order.number)
    with pytest.raises(PermissionDeniedError):
        order_contact_record(actor=world.users["alice"], number=order.number)


def test_contact_on_a_closed_order_is_refused(world: World) -> None:
    order = order_create(
        actor=world.users["agent_s1"],
        draft=OrderDraft(order_type="complaint", origin="web", title="x", account_number=ACCOUNT_A),
    )
    order_act(actor=world.users["agent_s1"], number=order.number, action="cancel", note="重复")
    with pytest.raises(Conflict):
        order_contact_record(actor=world.users["agent_s1"], number=order.number)


def test_complaint_reply_and_contact_stop_at_resolve(world: World) -> None:
    order = new_order(world, "complaint", bj(2025, 3, 5, 10, 0))
    act(order, "resolve", bj(2025, 3, 7, 10, 0))
    assert clock(order, "complaint_reply").stopped_by == "resolve"
    # Resolving means the customer got the answer: the contact commitment ends too.
    assert clock(order, "complaint_contact").stopped_by == "resolve"
    assert clock_status(clock(order, "complaint_contact"), bj(2025, 3, 8)).state == "breached"


@pytest.mark.parametrize("order_type", ["report", "opinion", "suggestion", "consultation"])
def test_other_needs_get_a_reply_clock(world: World, order_type: str) -> None:
    order = new_order(world, order_type, bj(2025, 3, 5, 10, 0))
    reply = clock(order, "reply")
    assert (reply.unit, reply.limit) == ("working_days", 5)
    act(order, "resolve", bj(2025, 3, 6, 10, 0))
    assert clock_status(clock(order, "reply"), bj(2025, 3, 7)).state == "met"


def test_praise_has_no_clock(world: World) -> None:
    order = new_order(world, "praise", bj(2025, 3, 5, 10, 0))
    assert not SlaClock.objects.filter(order=order).exists()
    assert order_sla(order) is None


def test_meter_calibration_request_gets_five_working_days(world: World) -> None:
    order = new_order(
        world,
        "service_request",
        bj(2025, 3, 5, 10, 0),
        data={"application_kind": "meter_calibration"},
    )
    assert clock(order, "reply").deadline_at == bj(2025, 3, 12, 23, 59, 59)
    other = new_order(
        world, "service_request", bj(2025, 3, 5, 10), data={"application_kind": "name_transfer"}
    )
    assert not SlaClock.objects.filter(order=other).exists()  # its steps have their own limits


@pytest.mark.parametrize("ending", ["cancel", "merge", "archive"])
def test_cancel_merge_and_archive_stop_every_clock_unfulfilled(world: World, ending: str) -> None:
    order = new_order(world, "complaint", bj(2025, 3, 5, 10, 0))
    act(order, ending, bj(2025, 3, 5, 12, 0))

    for kind in ("complaint_contact", "complaint_reply"):
        found = clock(order, kind)
        assert found.stopped_by == ending
        assert clock_status(found, bj(2025, 3, 20)).state == "ended"


def test_cancel_after_the_deadline_stays_breached(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    act(order, "cancel", bj(2025, 3, 5, 12, 0))
    assert clock_status(clock(order, "repair_arrival"), bj(2025, 3, 6)).state == "breached"


def test_reopen_restarts_reply_with_its_full_limit(world: World) -> None:
    order = new_order(world, "complaint", bj(2025, 3, 5, 10, 0))
    act(order, "resolve", bj(2025, 3, 6, 10, 0))
    act(order, "reopen", bj(2025, 3, 10, 9, 0))

    reply = clock(order, "complaint_reply")
    assert reply.stopped_at is None
    assert reply.started_at == bj(2025, 3, 10, 9, 0)
    assert reply.deadline_at == bj(2025, 3, 17, 23, 59, 59)  # 5 working days from Monday
    assert clock(order, "complaint_contact").stopped_by == "resolve"  # contact was made


def test_reopen_of_a_repair_restarts_arrival_then_restoration_at_the_next_arrival(
    world: World,
) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    act(order, "arrive", bj(2025, 3, 5, 10, 30))
    act(order, "resolve", bj(2025, 3, 5, 11, 0))
    act(order, "reopen", bj(2025, 3, 5, 20, 0))

    assert clock(order, "repair_arrival").deadline_at == bj(2025, 3, 5, 20, 45)
    assert clock(order, "repair_restoration").stopped_by == "resolve"
    act(order, "arrive", bj(2025, 3, 5, 20, 30))
    assert clock(order, "repair_restoration").deadline_at == bj(2025, 3, 5, 23, 30)


# --- Pauses ---


def test_pause_pauses_every_running_clock_and_resume_moves_natural_deadlines(
    world: World,
) -> None:
    order = new_order(world, "complaint", bj(2025, 3, 5, 10, 0))
    act(order, "pause", bj(2025, 3, 5, 11, 0))
    assert {c.paused_at for c in SlaClock.objects.filter(order=order)} == {bj(2025, 3, 5, 11)}

    act(order, "resume", bj(2025, 3, 5, 14, 0))

    contact = clock(order, "complaint_contact")
    assert contact.paused_at is None
    assert contact.deadline_at == bj(2025, 3, 6, 13, 0)  # 24 h + the 3 h pause
    pause = ClockPause.objects.get(clock=contact)
    assert (pause.ended_at, pause.credit) == (bj(2025, 3, 5, 14), 3 * H)


def test_a_clock_that_starts_while_the_order_waits_starts_paused(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    act(order, "pause", bj(2025, 3, 5, 10, 10))
    act(order, "arrive", bj(2025, 3, 5, 10, 20))
    assert clock(order, "repair_restoration").paused_at == bj(2025, 3, 5, 10, 20)


def test_a_clock_paused_when_already_overdue_gets_no_credit(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    act(order, "pause", bj(2025, 3, 5, 11, 0))
    act(order, "resume", bj(2025, 3, 5, 15, 0))
    assert clock(order, "repair_arrival").deadline_at == bj(2025, 3, 5, 10, 45)


def test_resolving_a_paused_order_credits_the_pause_before_judging(world: World) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    act(order, "pause", bj(2025, 3, 5, 10, 30))
    # Waited for the customer 2 h; the crew arrived 30 min after the wait ended.
    act(order, "resume", bj(2025, 3, 5, 12, 30))
    act(order, "arrive", bj(2025, 3, 5, 12, 40))
    assert clock_status(clock(order, "repair_arrival"), bj(2025, 3, 5, 13)).state == "met"


def test_frappe_helpdesk_1554_time_left_does_not_decrease_during_a_pause(world: World) -> None:
    """Frappe Helpdesk #1554: the SLA kept counting while a ticket was paused."""
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    act(order, "pause", bj(2025, 3, 5, 10, 15))
    paused = clock(order, "repair_arrival")

    left = [
        clock_status(paused, moment).remaining
        for moment in (bj(2025, 3, 5, 10, 15), bj(2025, 3, 5, 11), bj(2025, 3, 5, 18))
    ]
    assert left == [dt.timedelta(minutes=30)] * 3
    assert clock_status(paused, bj(2025, 3, 5, 18)).state == "paused"

    act(order, "resume", bj(2025, 3, 5, 18, 0))
    resumed = clock(order, "repair_arrival")
    assert resumed.deadline_at == bj(2025, 3, 5, 18, 30)
    assert clock_status(resumed, bj(2025, 3, 5, 18, 10)).remaining == dt.timedelta(minutes=20)


def test_frappe_helpdesk_1554_through_the_lifecycle(world: World) -> None:
    order = order_create(
        actor=world.users["agent_s1"],
        draft=OrderDraft(order_type="complaint", origin="web", title="x", account_number=ACCOUNT_A),
    )
    order_act(actor=world.users["agent_s1"], number=order.number, action="pause")
    paused = clock(order, "complaint_contact")
    assert paused.paused_at is not None
    later = paused.paused_at + 5 * H
    assert clock_status(paused, later).remaining == clock_status(paused, paused.paused_at).remaining

    order_act(actor=world.users["agent_s1"], number=order.number, action="resume")
    resumed = clock(order, "complaint_contact")
    assert resumed.paused_at is None
    assert resumed.deadline_at > paused.deadline_at
    assert ClockPause.objects.filter(clock=resumed, ended_at__isnull=False).count() == 1


def test_glpi_10594_a_pause_over_a_weekend_credits_only_working_time(world: World) -> None:
    """GLPI #10594: pending time over a weekend was credited wrongly. A pause from Friday
    17:00 to Monday 09:00 costs Friday's last 7 h and Monday's first 9 h of working time."""
    order = new_order(world, "complaint", bj(2025, 3, 5, 10, 0))  # a Wednesday
    assert clock(order, "complaint_reply").deadline_at == bj(2025, 3, 12, 23, 59, 59)

    act(order, "pause", bj(2025, 3, 7, 17, 0))  # Friday
    paused = clock(order, "complaint_reply")
    at_pause = clock_status(paused, bj(2025, 3, 7, 17, 0)).remaining
    assert clock_status(paused, bj(2025, 3, 8, 12, 0)).remaining == at_pause  # Saturday
    act(order, "resume", bj(2025, 3, 10, 9, 0))  # Monday

    reply = clock(order, "complaint_reply")
    assert reply.deadline_at == bj(2025, 3, 13, 15, 59, 59)  # Wednesday 23:59:59 + 16 h
    assert ClockPause.objects.get(clock=reply).credit == 16 * H
    assert clock_status(reply, bj(2025, 3, 10, 9, 0)).remaining == at_pause


def test_glpi_10594_across_the_2025_spring_festival_make_up_sunday(world: World) -> None:
    """Sunday 26 January 2025 was a 调休 working day, 28 Jan – 4 Feb holidays, and
    Saturday 8 February a working day again: a pause over Saturday 25 – Monday 27 January
    costs Sunday's 24 h and Monday's first 10 h."""
    order = new_order(world, "complaint", bj(2025, 1, 24, 10, 0))  # Friday
    reply = clock(order, "complaint_reply")
    # Sun 26 (make-up), Mon 27, then the holiday, Wed 5, Thu 6, Fri 7 Feb.
    assert reply.deadline_at == bj(2025, 2, 7, 23, 59, 59)
    assert not reply.provisional

    act(order, "pause", bj(2025, 1, 25, 10, 0))
    act(order, "resume", bj(2025, 1, 27, 10, 0))

    reply = clock(order, "complaint_reply")
    assert ClockPause.objects.get(clock=reply).credit == 34 * H
    # 34 h later in working time: Sat 8 Feb (make-up) whole, then Mon 10 Feb until 10:00.
    assert reply.deadline_at == bj(2025, 2, 10, 9, 59, 59)


def test_a_working_day_clock_is_overdue_only_after_the_end_of_its_last_day(
    world: World,
) -> None:
    order = new_order(world, "complaint", bj(2025, 3, 7, 10, 0))
    reply = clock(order, "complaint_reply")
    assert reply.deadline_at == bj(2025, 3, 14, 23, 59, 59)
    assert clock_status(reply, bj(2025, 3, 14, 0, 0)).state == "warning"
    assert clock_status(reply, bj(2025, 3, 14, 23, 59, 59)).state == "warning"
    assert clock_status(reply, bj(2025, 3, 15, 0, 0)).state == "overdue"


def test_time_left_of_a_working_day_clock_skips_the_weekend(world: World) -> None:
    order = new_order(world, "complaint", bj(2025, 3, 7, 10, 0))
    reply = clock(order, "complaint_reply")
    saturday = clock_status(reply, bj(2025, 3, 8, 0, 0)).remaining
    assert saturday == 4 * 24 * H + 23 * H + dt.timedelta(minutes=59, seconds=59)
    assert clock_status(reply, bj(2025, 3, 9, 12, 0)).remaining == saturday  # Sunday
    assert clock_status(reply, bj(2025, 3, 10, 0, 0)).remaining == saturday  # Monday 00:00
    assert clock_status(reply, bj(2025, 3, 7, 12, 0)).state == "running"


def test_order_sla_is_the_most_urgent_clock(world: World) -> None:
    order = new_order(world, "complaint", bj(2025, 3, 5, 10, 0))
    assert order_sla(order, bj(2025, 3, 5, 11)).clock == "complaint_contact"  # type: ignore[union-attr]
    overdue = order_sla(order, bj(2025, 3, 6, 11))
    assert overdue is not None
    assert overdue.state == "overdue"
    assert overdue.remaining == -H
    act(order, "note", bj(2025, 3, 6, 12), data={"contacted": True})
    assert order_sla(order, bj(2025, 3, 6, 13)).clock == "complaint_reply"  # type: ignore[union-attr]
