"""Accounts a run cannot bill are held with the reason and listed; the rest are billed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gridcare.billing.choices import BasicChargeMethod, HoldReason
from gridcare.billing.models import Bill, BillingHold, Tariff
from gridcare.billing.services.run import billing_run
from gridcare.billing.services.tariffs import tariff_version_create
from gridcare.customers.choices import AccountStatus
from gridcare.customers.models import Account
from gridcare.testing.personas import World

from .readings import Readings
from .run_support import NOV, live_bill, open_account
from .run_support import billed as billed
from .run_support import readings as readings

pytestmark = pytest.mark.django_db


def _holds() -> dict[str, tuple[str, str]]:
    return {
        h.account.number: (h.reason, h.detail)
        for h in BillingHold.objects.select_related("account")
    }


def test_a_run_bills_what_it_can_and_lists_the_rest_with_why(
    billed: World, readings: Readings
) -> None:
    open_account(billed, "3100000000010")  # no meter
    open_account(billed, "3100000000011", tariff=None)  # no billing profile
    closed = open_account(billed, "3100000000012", tariff=None)
    Account.objects.filter(pk=closed.pk).update(status=AccountStatus.CLOSED)
    open_account(
        billed,
        "3100000000013",
        meter="MD0001",
        tariff="TWO-PART-35KV",
        basic_method=BasicChargeMethod.DEMAND,
    )
    readings.month("MD0001", NOV, peak=1000, flat=1000, valley=1000)  # no maximum demand
    gap = Tariff.objects.create(code="TEST-GAP", name="gap", tariff_class="residential")
    tariff_version_create(
        actor=None,
        tariff=gap,
        effective_from=dt.date(2026, 1, 1),
        effective_to=dt.date(2026, 11, 10),
        spec={"energy": {"all": "0.5"}},
    )
    open_account(billed, "3100000000014", meter="ME0001", tariff="TEST-GAP")
    readings.month("ME0001", NOV, flat=100)
    fine = open_account(billed, "3100000000015", meter="MF0001")
    readings.month("MF0001", NOV, flat=300)
    half_day = readings.days["MF0001"][dt.date(2026, 11, 9)]
    half_day.intervals, half_day.kwh = 48, {"flat": 5.0}  # 98.3 %: billed as-is
    del readings.days["MA0001"]  # no readings at all
    for day in range(1, 6):  # five days missing: 83.3 %
        del readings.days["MB0001"][dt.date(2026, 11, day)]
    spike = readings.days["MC0001"][dt.date(2026, 11, 20)]
    spike.suspect_intervals, spike.suspect_kwh = 2, 35.5

    run = billing_run(period=NOV, usage=readings)

    assert (run.accounts_billed, run.accounts_held) == (1, 7)
    assert _holds() == {
        "3100000000001": (HoldReason.MISSING_READINGS, "MA0001 11-01–11-30: no readings"),
        "3100000000002": (
            HoldReason.MISSING_READINGS,
            "MB0001 11-01–11-30: 2400 of 2880 readings (83.3 %)",
        ),
        "3100000000003": (
            HoldReason.SUSPECT_READINGS,
            "MC0001 11-01–11-30: 2 suspect readings (35.500 kWh) held for review",
        ),
        "3100000000010": (HoldReason.NO_METER, "no meter on the account"),
        "3100000000011": (HoldReason.NO_TARIFF, "no billing profile"),
        "3100000000013": (HoldReason.NO_DEMAND, "no maximum demand for 2026-11-01–2026-11-30"),
        "3100000000014": (HoldReason.TARIFF_GAP, "TEST-GAP: no version 2026-11-11–2026-11-30"),
    }
    bill = live_bill(fine)
    assert bill.determinants["periods"][0]["intervals"] == 2832
    assert bill.energy_kwh == Decimal("295.000")  # 300 less the half day's readings
    assert Bill.objects.count() == 1


def test_a_held_account_keeps_its_bill_when_a_rerun_finds_suspect_readings(
    billed: World, readings: Readings
) -> None:
    billing_run(period=NOV, usage=readings)
    first = live_bill(billed.account_c)
    readings.days["MC0001"][dt.date(2026, 11, 3)].suspect_intervals = 1
    run = billing_run(period=NOV, usage=readings)
    assert (run.accounts_unchanged, run.accounts_held) == (2, 1)
    assert BillingHold.objects.get(run=run).reason == HoldReason.SUSPECT_READINGS
    assert live_bill(billed.account_c) == first


def test_a_closed_account_is_billed_on_the_readings_it_has(
    billed: World, readings: Readings
) -> None:
    Account.objects.filter(pk=billed.account_a.pk).update(status=AccountStatus.CLOSED)
    for day in range(16, 31):  # the meter stopped mid-month
        del readings.days["MA0001"][dt.date(2026, 11, day)]
    run = billing_run(period=NOV, usage=readings)
    assert run.accounts_held == 0
    assert live_bill(billed.account_a).energy_kwh == Decimal("225.000")


def test_a_closed_account_without_readings_is_neither_billed_nor_held(
    billed: World, readings: Readings
) -> None:
    Account.objects.filter(pk=billed.account_a.pk).update(status=AccountStatus.CLOSED)
    del readings.days["MA0001"]
    run = billing_run(period=NOV, usage=readings)
    assert (run.accounts_billed, run.accounts_held) == (2, 0)
    assert not Bill.objects.filter(account=billed.account_a).exists()
