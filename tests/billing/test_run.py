"""The monthly billing run: bills with their lines, ledger rows and events; reruns leave
identical bills alone and cancel-and-rebill changed ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gridcare.billing.choices import (
    BillEventKind,
    BillKind,
    BillStatus,
    LedgerKind,
    RunStatus,
)
from gridcare.billing.models import Bill, BillEvent, BillingRun
from gridcare.billing.services.ledger import ledger_check, ledger_post
from gridcare.billing.services.run import billing_run
from gridcare.core.errors import Conflict, DomainError
from gridcare.testing.personas import World

from .readings import Readings
from .run_support import NOV, balance, ledger, lines_of, live_bill
from .run_support import billed as billed
from .run_support import readings as readings

pytestmark = pytest.mark.django_db


def test_a_month_is_billed_line_by_line_with_ledger_and_event(
    billed: World, readings: Readings
) -> None:
    run = billing_run(period=NOV, usage=readings)
    assert (run.status, run.accounts_billed, run.accounts_unchanged, run.accounts_held) == (
        RunStatus.DONE,
        3,
        0,
        0,
    )
    a = live_bill(billed.account_a)
    assert a.number == "B202611310000000000101"
    assert (a.kind, a.status, a.period_start, a.period_end) == (
        BillKind.REGULAR,
        BillStatus.ISSUED,
        NOV,
        dt.date(2026, 11, 30),
    )
    assert a.due_date == dt.date(2026, 12, 17)  # issued 2 December + 15 days
    # November is non-summer: tiers at 200 and 400 kWh, 0.58886875 + 0 / 0.05 / 0.30.
    assert lines_of(a) == [
        ("energy.tier1", "200.000", "0.58886875", "117.77"),
        ("energy.tier2", "200.000", "0.63886875", "127.77"),
        ("energy.tier3", "50.000", "0.88886875", "44.44"),
    ]
    assert a.total == Decimal("289.98")
    assert a.energy_kwh == Decimal("450.000")
    assert a.lines.get(position=2).detail == {"from": "200", "to": "400"}
    period = a.determinants["periods"][0]
    assert period["kwh"] == {"flat": "450.000"}
    assert period["tariff"] == "GZ-RES-TIER"
    assert (period["intervals"], period["expected_intervals"], period["days"]) == (2880, 2880, 30)
    assert not a.has_estimates
    assert ledger(billed.account_a) == [
        (LedgerKind.BILL, "bill:B202611310000000000101", Decimal("-289.98"))
    ]
    assert balance(billed.account_a) == Decimal("-289.98")
    assert list(a.events.values_list("kind", flat=True)) == [BillEventKind.ISSUED]
    c = live_bill(billed.account_c)
    assert lines_of(c) == [
        ("energy.sharp", "50.000", "1.42910000", "71.46"),
        ("energy.peak", "300.000", "1.14330000", "342.99"),
        ("energy.flat", "400.000", "0.67250000", "269.00"),
        ("energy.valley", "250.000", "0.25560000", "63.90"),
        ("fund.renewable", "1000.000", "0.01900000", "19.00"),
        ("fund.water", "1000.000", "0.00198750", "1.99"),
        ("fund.reservoir", "1000.000", "0.00620000", "6.20"),
    ]
    assert c.total == Decimal("774.54")
    assert c.lines.get(item="fund.renewable").label == "可再生能源电价附加"
    assert c.lines.get(item="energy.peak").label == ""
    assert run.total == a.total + c.total + live_bill(billed.account_b).total


def test_rerunning_a_month_leaves_identical_bills_alone(billed: World, readings: Readings) -> None:
    billing_run(period=NOV, usage=readings)
    before = list(Bill.objects.order_by("pk").values_list("number", "total", "status"))
    again = billing_run(period=NOV, usage=readings)
    assert (again.accounts_billed, again.accounts_unchanged, again.accounts_held) == (0, 3, 0)
    assert again.total == 0
    assert list(Bill.objects.order_by("pk").values_list("number", "total", "status")) == before
    assert len(ledger(billed.account_a)) == 1


def test_late_readings_cancel_the_bill_and_issue_a_linked_rebill(
    billed: World, readings: Readings
) -> None:
    billing_run(period=NOV, usage=readings)
    original = live_bill(billed.account_a)
    readings.month("MA0001", NOV, flat=480)  # late readings: 30 kWh more
    run = billing_run(period=NOV, usage=readings)
    assert (run.accounts_billed, run.accounts_unchanged) == (1, 2)
    original.refresh_from_db()
    rebill = live_bill(billed.account_a)
    assert original.status == BillStatus.CANCELLED
    assert (rebill.kind, rebill.replaces, rebill.number) == (
        BillKind.REBILL,
        original,
        "B202611310000000000102",
    )
    assert rebill.total == Decimal("289.98") + Decimal("26.67")  # 30 kWh more in tier 3
    replaced = BillEvent.objects.get(bill=original, kind=BillEventKind.REPLACED)
    assert replaced.detail["by"] == rebill.number
    assert rebill.events.get().detail["replaces"] == original.number
    assert ledger(billed.account_a) == [
        (LedgerKind.BILL, f"bill:{original.number}", Decimal("-289.98")),
        (LedgerKind.BILL_CANCELLED, f"cancel:{original.number}", Decimal("289.98")),
        (LedgerKind.BILL, f"bill:{rebill.number}", Decimal("-316.65")),
    ]
    assert balance(billed.account_a) == Decimal("-316.65")
    assert ledger_check(account=billed.account_a)


def test_a_paid_bill_rebilled_lower_leaves_the_payment_as_a_credit(
    billed: World, readings: Readings
) -> None:
    billing_run(period=NOV, usage=readings)
    original = live_bill(billed.account_a)
    # What the payments service does when a payment settles the bill.
    ledger_post(account=billed.account_a, kind=LedgerKind.PAYMENT, amount=original.total, key="p1")
    Bill.objects.filter(pk=original.pk).update(paid=original.total, status=BillStatus.PAID)
    readings.month("MA0001", NOV, flat=300)
    billing_run(period=NOV, usage=readings)
    rebill = live_bill(billed.account_a)
    assert rebill.total == Decimal("181.66")  # 200 × 0.58886875 + 100 × 0.63886875
    assert (rebill.status, rebill.paid) == (BillStatus.PAID, rebill.total)
    assert balance(billed.account_a) == original.total - rebill.total  # a credit of 108.32
    assert ledger_check(account=billed.account_a)


def test_a_month_not_over_cannot_be_billed(billed: World, readings: Readings) -> None:
    with pytest.raises(DomainError) as caught:
        billing_run(period=dt.date(2026, 12, 1), usage=readings)
    assert caught.value.code == "billing.run.period_open"
    with pytest.raises(DomainError):
        billing_run(period=dt.date(2026, 11, 2), usage=readings)


def test_a_second_run_of_a_month_while_one_runs_is_refused(
    billed: World, readings: Readings
) -> None:
    BillingRun.objects.create(period=NOV)
    with pytest.raises(Conflict) as caught:
        billing_run(period=NOV, usage=readings)
    assert caught.value.code == "billing.run.running"
    assert not Bill.objects.exists()


def test_a_run_that_crashes_is_marked_failed(billed: World, readings: Readings) -> None:
    readings.days["MA0001"][NOV].kwh = {"overnight": 1.0}  # a bucket no tariff prices
    with pytest.raises(ValueError, match="overnight"):
        billing_run(period=NOV, usage=readings)
    assert BillingRun.objects.get().status == RunStatus.FAILED


def test_one_read_per_distinct_date_range(billed: World, readings: Readings) -> None:
    billing_run(period=NOV, usage=readings)
    assert readings.calls == [(NOV, dt.date(2026, 11, 30), ["MA0001", "MB0001", "MC0001"])]
