"""One repair work order per unplanned outage; repair calls from inside it merged in and
closed with it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gridcare.notify.models import Notification
from gridcare.outages.models import Outage, OutageEvent
from gridcare.outages.services.detect import detect_run
from gridcare.service.models import WorkOrder
from gridcare.service.services import OrderDraft, order_create
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World
from tests.outages.detect_factory import (
    area_add,
    meter_event,
    meters_of,
    meters_off,
    terminal_event,
)


def call(world: World, who: str, account: str, origin: str = "web") -> WorkOrder:
    draft = OrderDraft(
        order_type="fault_repair", origin=origin, title="家里没电了", account_number=account
    )
    return order_create(actor=world.users[who], draft=draft)


def outage_on_tr1(world: World) -> Outage:
    start = timezone.now() - timedelta(minutes=3)
    terminal_event(world.transformer_1, "power_off", start)
    detect_run()
    return Outage.objects.get(state="active")


def test_a_detected_outage_opens_one_repair_order_for_the_team_of_the_area(world: World) -> None:
    outage = outage_on_tr1(world)
    order = WorkOrder.objects.get(source_ref=f"outage:{outage.number}")
    assert outage.repair_order_number == order.number
    assert (order.order_type, order.origin, order.state) == ("fault_repair", "system", "dispatched")
    assert order.category is not None
    assert order.category.code == "fault.high_voltage.transformer"
    assert (order.team, order.transformer) == (world.team_1, world.transformer_1)
    assert outage.number in order.description

    detect_run()  # a second run opens nothing more
    assert WorkOrder.objects.filter(source_ref__startswith="outage:").count() == 1


def test_calls_from_inside_the_scope_merge_into_it_and_close_with_it(world: World) -> None:
    early = call(world, "alice", ACCOUNT_A)  # called before detection
    outage = outage_on_tr1(world)
    parent = WorkOrder.objects.get(number=outage.repair_order_number)
    early.refresh_from_db()
    assert (early.state, early.parent) == ("merged", parent)

    late = call(world, "alice", ACCOUNT_A, origin="wechat")
    late.refresh_from_db()
    assert (late.state, late.parent) == ("merged", parent)
    linked = OutageEvent.objects.filter(outage=outage, kind="order_linked")
    assert {e.data.get("merged_order") for e in linked} >= {early.number, late.number}

    terminal_event(world.transformer_1, "power_on", timezone.now())
    meter_event(world.meter_a, "power_on", timezone.now())
    detect_run()
    outage.refresh_from_db()
    parent.refresh_from_db()
    assert outage.state == "restored"
    assert parent.state in ("resolved", "return_visit")
    assert parent.resolved_at is not None
    early.refresh_from_db()
    assert early.state == "merged"
    assert early.closed_at is not None
    heard = Notification.objects.filter(
        template__code="service.progress.resolve", customer=world.customer_alice
    )
    assert heard.exists()  # the caller hears their order is done with the outage's


def test_a_call_from_outside_the_scope_is_dispatched_on_its_own(world: World) -> None:
    outage_on_tr1(world)
    other = call(world, "bob", ACCOUNT_B)
    other.refresh_from_db()
    assert other.state == "accepted"
    assert other.parent is None


def test_a_customer_side_fault_opens_no_repair_order(world: World) -> None:
    meter_event(world.meter_a, "power_off", timezone.now() - timedelta(minutes=1))
    detect_run()
    assert Outage.objects.get(state="active").level == "customer"
    assert not WorkOrder.objects.filter(source_ref__startswith="outage:").exists()
    order = call(world, "alice", ACCOUNT_A)
    order.refresh_from_db()
    assert order.state == "accepted"  # a crew goes to this customer


def test_an_area_no_team_serves_keeps_its_order_accepted_and_says_why(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    start = timezone.now() - timedelta(minutes=3)
    terminal_event(world.transformer_2, "power_off", start)  # station S2 has no team
    detect_run()
    outage = Outage.objects.get(state="active")
    order = WorkOrder.objects.get(number=outage.repair_order_number)
    assert (order.state, order.team) == ("accepted", None)  # a dispatcher picks the crew

    terminal_event(world.transformer_2, "power_on", timezone.now())
    detect_run()
    outage.refresh_from_db()
    order.refresh_from_db()
    assert outage.state == "restored"  # the outage closes whatever the order does
    assert order.state == "accepted"
    assert "no team to dispatch to" in caplog.text


def test_an_area_outage_absorbed_by_a_feeder_outage_brings_its_order_along(
    world: World, settings: Any
) -> None:
    settings.OUTAGES_FEEDER_SHARE = 0.6  # two 台区 of four out is not yet the feeder
    areas = [area_add(world, feeder=world.feeder_1, code=code) for code in ("TRA", "TRB", "TRC")]
    start = timezone.now() - timedelta(minutes=2)
    for area in areas[:2]:
        meters_off(meters_of(area), start)
        detect_run(transformer_ids=[area.pk])
    first, second = Outage.objects.filter(state="active").order_by("pk")
    second_order = WorkOrder.objects.get(number=second.repair_order_number)

    meters_off(meters_of(areas[2]), start + timedelta(seconds=30))
    detect_run(transformer_ids=[areas[2].pk])
    first.refresh_from_db()
    second.refresh_from_db()
    second_order.refresh_from_db()
    assert (first.level, first.affected_count) == ("feeder", 15)
    assert second.state == "cancelled"
    assert second_order.state == "merged"
    assert second_order.parent is not None
    assert second_order.parent.number == first.repair_order_number
    sent = Notification.objects.filter(template__code="outages.detected")
    assert sent.count() == 15  # nobody told twice


def test_the_sweep_opens_and_resolves_what_the_signals_missed(world: World) -> None:
    from gridcare.outages.signals import unplanned_outage_opened, unplanned_outage_restored
    from gridcare.service.services.outage_orders import outage_orders_sweep

    # The receivers were not there (a worker that died between the commit and the signal).
    assert unplanned_outage_opened.disconnect(dispatch_uid="service.outage_order")
    assert unplanned_outage_restored.disconnect(dispatch_uid="service.outage_resolve")
    try:
        outage = outage_on_tr1(world)
        assert not WorkOrder.objects.filter(source_ref__startswith="outage:").exists()
        assert outage_orders_sweep() == 1
        order = WorkOrder.objects.get(source_ref=f"outage:{outage.number}")
        assert outage_orders_sweep() == 0  # nothing left to do

        terminal_event(world.transformer_1, "power_on", timezone.now() - timedelta(minutes=1))
        detect_run()
        outage.refresh_from_db()
        assert outage.state == "restored"
        order.refresh_from_db()
        assert order.state == "dispatched"  # the signal that would resolve it was missed
        assert outage_orders_sweep() == 1
        order.refresh_from_db()
        assert order.state == "resolved"
    finally:
        from gridcare.service.services.outage_orders import on_outage_opened, on_outage_restored

        unplanned_outage_opened.connect(on_outage_opened, dispatch_uid="service.outage_order")
        unplanned_outage_restored.connect(on_outage_restored, dispatch_uid="service.outage_resolve")
