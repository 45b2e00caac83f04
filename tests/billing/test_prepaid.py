"""Prepaid (费控): the daily estimated deduction (once per day, the marginal price of the
day's kWh in the month, adding up to the month's bill), deductions waiting for late
readings, low-balance notices once per threshold crossing, disconnection after the grace
days, and the top-up that asks for the supply back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from gridcare.billing.choices import BillingEventKind, LedgerKind, SupplyState
from gridcare.billing.engine.money import fen
from gridcare.billing.models import BillingEvent, BillingProfile, LedgerEntry
from gridcare.billing.services.ledger import ledger_check
from gridcare.billing.services.prepaid import usage_read
from gridcare.customers.models import Account
from gridcare.metering.services import readings_import_records
from gridcare.notify.models import Notification
from gridcare.testing.personas import ACCOUNT_B, World
from tests.billing.cycle_support import D, Readings, bill_issue, on, opened_since_2025, pay, run

NOV = dt.date(2026, 11, 1)
METER = "MB0001"


@pytest.fixture
def cycle_world(world: World) -> World:
    return opened_since_2025(world)


def nov(n: int) -> dt.date:
    return NOV.replace(day=n)


def deductions(account: Account) -> list[tuple[str, Decimal]]:
    rows = LedgerEntry.objects.filter(account=account, kind=LedgerKind.DEDUCTION).order_by("seq")
    return [(key.rsplit(":", 1)[1], amount) for key, amount in rows.values_list("key", "amount")]


def balance(account: Account) -> Decimal:
    return BillingProfile.objects.get(account=account).balance


def events(account: Account, kind: str) -> list[BillingEvent]:
    return list(BillingEvent.objects.filter(account=account, kind=kind).order_by("id"))


def messages(code: str) -> list[Notification]:
    return list(Notification.objects.filter(template__code=code).order_by("id"))


def test_a_days_usage_is_deducted_once_at_the_tou_prices(cycle_world: World) -> None:
    readings = Readings()
    readings.put(METER, nov(1), peak="3", flat="4", valley="5")
    for _ in range(2):
        run(nov(2), readings)
    # peak 3 × 0.9660 = 2.90, flat 4 × 0.5889 = 2.36, valley 5 × 0.2988 = 1.49.
    assert deductions(cycle_world.account_b) == [("2026-11-01", D("-6.75"))]
    entry = LedgerEntry.objects.get(kind=LedgerKind.DEDUCTION)
    assert entry.key == f"deduct:{ACCOUNT_B}:2026-11-01"
    assert "12.000 kWh" in entry.memo
    # Post-paid accounts are never deducted.
    assert not LedgerEntry.objects.filter(kind=LedgerKind.DEDUCTION).exclude(
        account=cycle_world.account_b
    )


def test_the_days_add_up_to_the_months_bill_across_a_ladder_threshold(cycle_world: World) -> None:
    readings = Readings()
    for n in range(1, 20):
        readings.put(METER, nov(n), flat="10")
    readings.put(METER, nov(20), flat="15")
    for n in range(2, 22):
        run(nov(n), readings)
    days = deductions(cycle_world.account_b)
    assert [d for d, _ in days] == [nov(n).isoformat() for n in range(1, 21)]
    # 205 kWh flat in November: 205 × 0.5889, plus the tier-2 surcharge on 5 kWh (> 200).
    bill = fen(D("205") * D("0.5889")) + D("5") * D("0.05")
    assert -sum(amount for _, amount in days) == bill
    # The day that crossed 200 kWh paid the surcharge on its last 5 kWh only.
    assert days[-1][1] == -(bill - fen(D("190") * D("0.5889")))
    assert ledger_check(account=cycle_world.account_b)


def test_a_day_without_its_readings_waits_and_is_caught_up(cycle_world: World) -> None:
    readings = Readings()
    summary = run(nov(2), readings)
    assert deductions(cycle_world.account_b) == []
    assert summary.waiting_for_readings >= 1
    readings.put(METER, nov(1), flat="10")
    readings.put(METER, nov(2), flat="10")
    run(nov(3), readings)
    assert [d for d, _ in deductions(cycle_world.account_b)] == ["2026-11-01", "2026-11-02"]


def test_low_balance_notices_go_out_once_per_threshold_crossing(cycle_world: World) -> None:
    with on(nov(1)):
        pay(cycle_world.account_b, "60.00", "T1")
    readings = Readings()
    for n in range(1, 5):
        readings.put(METER, nov(n), flat="25")  # about ¥14.72 a day
    for n in range(2, 6):
        for _ in range(2):
            run(nov(n), readings)
    # 60 → 45.28 (below 50) → 30.55 → 15.83 (below 20) → 1.11.
    low = messages("billing.low_balance")
    assert [m.context["threshold"] for m in low] == ["50.00", "20.00"]
    assert "余额为45.28元，已低于50.00元" in low[0].body
    assert low[0].purpose == "billing"
    # Topped up above 50 again, then below it once more: a new crossing, a new notice.
    with on(nov(6)):
        pay(cycle_world.account_b, "60.00", "T2")
    readings.put(METER, nov(5), flat="25")
    run(nov(6), readings)
    assert [m.context["threshold"] for m in messages("billing.low_balance")] == [
        "50.00",
        "20.00",
        "50.00",
    ]
    assert len(events(cycle_world.account_b, BillingEventKind.LOW_BALANCE)) == 3


def test_crossing_several_thresholds_at_once_sends_one_message(cycle_world: World) -> None:
    with on(nov(1)):
        pay(cycle_world.account_b, "55.00", "T1")
    readings = Readings()
    readings.put(METER, nov(1), flat="100")  # ¥58.89
    run(nov(2), readings)
    assert balance(cycle_world.account_b) == D("-3.89")
    crossed = events(cycle_world.account_b, BillingEventKind.LOW_BALANCE)
    assert sorted(e.detail["threshold"] for e in crossed) == ["0", "20", "50"]
    assert messages("billing.low_balance") == []
    (owed,) = messages("billing.balance_negative")
    assert "已欠费3.89元，请在2026年11月5日前充值" in owed.body


def _negative_on_nov_2(cycle_world: World) -> Readings:
    with on(nov(1)):
        pay(cycle_world.account_b, "10.00", "T1")
    readings = Readings()
    readings.put(METER, nov(1), flat="30")  # ¥17.67: the balance goes to −7.67 on 2 Nov
    run(nov(2), readings)
    return readings


def test_a_balance_negative_past_the_grace_days_asks_for_disconnection_once(
    cycle_world: World,
) -> None:
    readings = _negative_on_nov_2(cycle_world)
    for n in (3, 4, 5):
        run(nov(n), readings)
    assert events(cycle_world.account_b, BillingEventKind.DISCONNECT_REQUESTED) == []
    for _ in range(2):
        summary = run(nov(6), readings)
    (request,) = events(cycle_world.account_b, BillingEventKind.DISCONNECT_REQUESTED)
    assert request.detail["negative_since"] == "2026-11-02"
    assert request.detail["reason"] == "prepaid_negative"
    assert BillingProfile.objects.get(account=cycle_world.account_b).supply_state == (
        SupplyState.DISCONNECTION_REQUESTED
    )
    assert summary.disconnect_requests == 0


def test_a_top_up_that_leaves_the_balance_negative_does_not_reconnect(cycle_world: World) -> None:
    readings = _negative_on_nov_2(cycle_world)
    run(nov(6), readings)
    with on(nov(7)):
        pay(cycle_world.account_b, "5.00", "T2")
    assert events(cycle_world.account_b, BillingEventKind.RECONNECT_REQUESTED) == []
    with on(nov(7)):
        pay(cycle_world.account_b, "2.67", "T3")  # exactly to zero
    (request,) = events(cycle_world.account_b, BillingEventKind.RECONNECT_REQUESTED)
    assert request.detail["balance"] == "0.00"
    assert BillingProfile.objects.get(account=cycle_world.account_b).supply_state == (
        SupplyState.RECONNECTION_REQUESTED
    )


def test_an_important_prepaid_customer_is_held_not_disconnected(cycle_world: World) -> None:
    Account.objects.filter(pk=cycle_world.account_b.pk).update(importance_level="special")
    readings = _negative_on_nov_2(cycle_world)
    run(nov(6), readings)
    run(nov(7), readings)
    assert events(cycle_world.account_b, BillingEventKind.DISCONNECT_REQUESTED) == []
    assert len(events(cycle_world.account_b, BillingEventKind.DISCONNECT_HELD)) == 1
    assert BillingProfile.objects.get(account=cycle_world.account_b).supply_state == (
        SupplyState.CONNECTED
    )


def test_no_day_is_deducted_into_a_month_whose_bill_is_out(cycle_world: World) -> None:
    oct_31 = dt.date(2026, 10, 31)
    bill_issue(
        cycle_world.account_b,
        period=oct_31.replace(day=1),
        total="80.00",
        due=nov(16),
        tariff_code="GZ-RES-TOU",
        mode="prepaid",
    )
    readings = Readings()
    readings.put(METER, oct_31, flat="10")  # came late, after October's bill
    readings.put(METER, nov(1), flat="10")
    run(nov(2), readings)
    assert [d for d, _ in deductions(cycle_world.account_b)] == ["2026-11-01"]


def test_a_day_with_too_few_real_readings_waits(
    cycle_world: World, settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"
    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    records = [
        {"meter": METER, "ts": (start + dt.timedelta(minutes=15 * (n + 1))).isoformat(), "kwh": 0.5}
        for n in range(60)  # 60 of 96 intervals, below the run's 95 % coverage
    ]
    readings_import_records(actor=cycle_world.users["admin"], records=records)
    summary = run(nov(2))
    assert deductions(cycle_world.account_b) == []
    assert summary.waiting_for_readings == 7  # account B on each day of the catch-up window
    assert usage_read(start=nov(1), end=nov(1), meter_ids=[METER])[METER].complete is False
