"""The whole arrears cycle on real readings, billing and service together: readings
imported → the monthly run's bill → due → late fee → reminder → notice → disconnection
request → one work order (the job run twice) → the crew cuts → a partial payment (nothing)
→ everything paid → one reconnection order with the policy's committed limit (SGCC 24 h,
CSG 12 h) → the crew restores → connected. The same for a prepaid account deducted from
its imported readings, and a payment before the crew came."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridcare.billing.choices import BillingEventKind, SupplyState
from gridcare.billing.engine.money import fen
from gridcare.billing.models import Bill, BillingEvent, BillingProfile
from gridcare.billing.selectors.cycle import account_arrears
from gridcare.billing.services.ledger import ledger_check
from gridcare.billing.services.run import billing_run
from gridcare.customers.models import Account
from gridcare.metering.billing_reads import meter_usage
from gridcare.metering.services import readings_import_records
from gridcare.notify.models import Notification
from gridcare.service.models import SlaClock, WorkOrder
from gridcare.service.services import order_act
from gridcare.service.services.billing_orders import billing_requests_handle
from gridcare.service.services.sla import sla_policy_use
from gridcare.testing.personas import World
from tests.billing.cycle_support import D, bj, on, opened_since_2025, pay, run

NOV = dt.date(2026, 11, 1)
CHINA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def cycle_world(world: World, settings, tmp_path: Path) -> World:  # type: ignore[no-untyped-def]
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"
    return opened_since_2025(world)


def import_readings(world: World, meter: str, days: list[dt.date], kwh: float) -> None:
    """`kwh` in every 15-minute interval of `days`, through metering's import."""
    records = []
    for day in days:
        start = dt.datetime.combine(day, dt.time(), tzinfo=CHINA)
        for slot in range(96):
            end = start + dt.timedelta(minutes=15 * (slot + 1))
            records.append({"meter": meter, "ts": end.isoformat(), "kwh": kwh, "quality": "A"})
    batch = readings_import_records(actor=world.users["admin"], records=records)
    assert batch.report["rejected"] == 0, batch.report


def supply(account: Account) -> str:
    return BillingProfile.objects.get(account=account).supply_state


def kinds(account: Account) -> list[str]:
    return list(
        BillingEvent.objects.filter(account=account).order_by("id").values_list("kind", flat=True)
    )


def orders(account: Account) -> list[WorkOrder]:
    return list(WorkOrder.objects.filter(account=account).order_by("id"))


def handle_twice(when: dt.datetime) -> None:
    with on(when.date(), hour=when.hour):
        assert billing_requests_handle() == 1
        assert billing_requests_handle() == 0


def crew_completes(world: World, number: str, when: dt.date) -> None:
    with on(when, hour=11):
        order_act(
            actor=world.users["dispatcher"],
            number=number,
            action="dispatch",
            team_id=world.team_1.pk,
        )
        order_act(actor=world.users["crew"], number=number, action="take")
        order_act(actor=world.users["crew"], number=number, action="resolve", note="已执行")


def customer_codes(world: World) -> list[str]:
    return list(
        Notification.objects.filter(customer=world.customer_alice)
        .order_by("id")
        .values_list("template__code", flat=True)
    )


def _billed_november(world: World) -> Bill:
    """Alice's November: 15 kWh a day imported, billed by the run on 2 December."""
    days = [NOV + dt.timedelta(days=n) for n in range(30)]
    import_readings(world, "MA0001", days, 15 / 96)
    with on(dt.date(2026, 12, 2)):
        billing_run(period=NOV)
    bill = Bill.objects.get(account=world.account_a)
    # 450 kWh on the tiered tariff: 200 at tier 1, 200 at tier 2, 50 at tier 3.
    assert bill.total == D("117.77") + D("127.77") + D("44.44")
    assert bill.due_date == dt.date(2026, 12, 17)
    return bill


def _to_disconnection_request(world: World) -> tuple[Bill, dt.date]:
    bill = _billed_november(world)
    for n in (1, 10, 30, 36, 37):
        run(bill.due_date + dt.timedelta(days=n))
    return bill, bill.due_date + dt.timedelta(days=37)


@pytest.mark.parametrize(("policy", "hours"), [("sgcc_2023", 24), ("csg", 12)])
def test_post_paid_arrears_from_the_readings_to_reconnection(
    cycle_world: World, policy: str, hours: int
) -> None:
    world = cycle_world
    sla_policy_use(actor=None, code=policy)
    account = world.account_a
    bill, planned = _to_disconnection_request(world)
    assert kinds(account) == [
        "reminder",
        "reminder",
        "disconnection_notice",
        "disconnect_requested",
    ]
    assert supply(account) == SupplyState.DISCONNECTION_REQUESTED

    # The service job opens one disconnection order, however often it runs.
    handle_twice(bj(planned, 1, 5))
    (cut,) = orders(account)
    assert (cut.order_type, cut.category.code, cut.origin) == (
        "service_request",
        "request.disconnection",
        "system",
    )
    request = BillingEvent.objects.get(kind=BillingEventKind.DISCONNECT_REQUESTED)
    assert cut.source_ref == f"billing:{request.key}"
    assert request.order_number == cut.number
    assert cut.org_unit == world.station_1
    clock = SlaClock.objects.get(order=cut)
    assert (clock.clock, clock.unit, clock.limit) == ("disconnection", "working_days", 1)
    # The customer had the notice days ahead; no "your request was accepted".
    assert not [c for c in customer_codes(world) if c.startswith("service.")]

    crew_completes(world, cut.number, planned)
    cut.refresh_from_db()
    assert cut.state == "archived"  # done: no return visit about a disconnection
    assert supply(account) == SupplyState.DISCONNECTED
    assert customer_codes(world)[-1] == "billing.disconnected"

    # A partial payment changes nothing; paying everything owed asks for the supply back.
    paid_on = bill.due_date + dt.timedelta(days=38)
    with on(paid_on):
        pay(account, "100.00", "P1")
    assert supply(account) == SupplyState.DISCONNECTED
    cleared_on = paid_on + dt.timedelta(days=1)
    with on(cleared_on, hour=9):
        owed = account_arrears(account=account, today=cleared_on).total
        # Independently, day by day at 1‰: ¥100 over 38 days (posted with the payment, still
        # owed), and the rest over 39 days, plus the rest itself.
        rest = bill.total - D("100")
        posted = fen(D("100") * D("0.001") * 38)
        live = fen(posted + rest * D("0.001") * 39) - posted
        assert owed == rest + live + posted
        pay(account, str(owed), "P2")
    assert supply(account) == SupplyState.RECONNECTION_REQUESTED
    assert BillingProfile.objects.get(account=account).balance == 0

    handle_twice(bj(cleared_on, 9, 1))
    restore = orders(account)[-1]
    assert restore.category.code == "request.reconnection"
    clock = SlaClock.objects.get(order=restore)
    assert (clock.clock, clock.unit, clock.limit) == ("reconnection", "hours", hours)
    assert clock.deadline_at == restore.created_at + dt.timedelta(hours=hours)
    assert customer_codes(world)[-1] == "service.progress.created"

    crew_completes(world, restore.number, cleared_on)
    restore.refresh_from_db()
    assert restore.state == "return_visit"  # the customer rates the reconnection
    assert supply(account) == SupplyState.CONNECTED
    assert kinds(account)[-3:] == ["disconnected", "reconnect_requested", "reconnected"]
    assert SlaClock.objects.get(order=restore).stopped_by == "resolve"
    assert len(orders(account)) == 2
    assert ledger_check(account=account)


def test_paying_before_the_crew_came_cancels_the_disconnection_order(cycle_world: World) -> None:
    world = cycle_world
    account = world.account_a
    _, planned = _to_disconnection_request(world)
    handle_twice(bj(planned, 1, 5))
    (cut,) = orders(account)
    with on(planned, hour=10):
        pay(account, str(account_arrears(account=account, today=planned).total), "P1")
    handle_twice(bj(planned, 10, 1))
    cut.refresh_from_db()
    assert cut.state == "cancelled"
    assert len(orders(account)) == 1  # no reconnection order: the supply never went off
    assert supply(account) == SupplyState.CONNECTED
    reconnect = BillingEvent.objects.get(kind=BillingEventKind.RECONNECT_REQUESTED)
    assert reconnect.order_number == cut.number
    assert kinds(account)[-2:] == ["reconnect_requested", "reconnected"]


PRICES = {"sharp": D("0.9660"), "peak": D("0.9660"), "flat": D("0.5889"), "valley": D("0.2988")}


def test_prepaid_from_imported_readings_to_reconnection(cycle_world: World) -> None:
    world = cycle_world
    account = world.account_b
    with on(NOV):
        pay(account, "20.00", "T1")
    import_readings(world, "MB0001", [NOV], 0.5)  # 48 kWh on 1 November
    used = meter_usage(start=NOV, end=NOV, meter_ids=["MB0001"])["MB0001"].kwh
    # The TOU buckets at Guangzhou residential prices (sharp folded onto peak), each rounded.
    cost = sum(
        (fen(Decimal(str(kwh)) * PRICES[bucket]) for bucket, kwh in used.items() if kwh),
        D(0),
    )
    for n in range(2, 7):
        run(NOV.replace(day=n))
    assert BillingProfile.objects.get(account=account).balance == D("20.00") - cost < 0
    assert kinds(account) == ["low_balance", "low_balance", "low_balance", "disconnect_requested"]
    handle_twice(bj(NOV.replace(day=6), 1, 5))
    (cut,) = orders(account)
    assert cut.category.code == "request.disconnection"
    assert cut.org_unit == world.station_2
    agent = world.users["agent_s2"]
    with on(NOV.replace(day=6), hour=10):
        order_act(actor=agent, number=cut.number, action="take")
        order_act(actor=agent, number=cut.number, action="resolve")
    assert supply(account) == SupplyState.DISCONNECTED

    with on(NOV.replace(day=7)):
        pay(account, "5.00", "T2")
    assert supply(account) == SupplyState.DISCONNECTED
    with on(NOV.replace(day=7)):
        pay(account, "50.00", "T3")
    assert supply(account) == SupplyState.RECONNECTION_REQUESTED
    handle_twice(bj(NOV.replace(day=7), 9, 1))
    restore = orders(account)[-1]
    assert restore.category.code == "request.reconnection"
    assert SlaClock.objects.get(order=restore).limit == 24
    with on(NOV.replace(day=7), hour=12):
        order_act(actor=agent, number=restore.number, action="take")
        order_act(actor=agent, number=restore.number, action="resolve")
    assert supply(account) == SupplyState.CONNECTED
    assert BillingProfile.objects.get(account=account).balance == D("75.00") - cost
    assert ledger_check(account=account)


def test_the_cycle_command_prints_the_days_summary_and_refuses_a_bad_day(
    cycle_world: World,
) -> None:
    out = StringIO()
    call_command("billing", "cycle", "--day", "2026-11-20", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["today"] == "2026-11-20"
    assert summary["disconnect_requests"] == 0
    with pytest.raises(CommandError):
        call_command("billing", "cycle", "--day", "2026-13-01")
