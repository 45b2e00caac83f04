"""A month split where the price changes: a new tariff version, a re-tariff, an account
opened mid-month (thresholds pro-rated by days, rounded half-up to the kWh); the annual
ladder's year to date; estimated readings marked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gridcare.billing.models import Tariff, TariffVersion
from gridcare.billing.presets import preset_spec
from gridcare.billing.services.profiles import billing_profile_set
from gridcare.billing.services.run import billing_run
from gridcare.billing.services.tariffs import tariff_version_create
from gridcare.testing.personas import World

from .readings import Day, Readings
from .run_support import NOV, lines_of, live_bill, open_account
from .run_support import billed as billed
from .run_support import readings as readings

pytestmark = pytest.mark.django_db

MID = dt.date(2026, 11, 16)


def test_a_tariff_version_from_mid_month_splits_the_bill_and_its_thresholds(
    billed: World, readings: Readings
) -> None:
    tier = Tariff.objects.get(code="GZ-RES-TIER")
    TariffVersion.objects.filter(tariff=tier).update(effective_to=MID - dt.timedelta(days=1))
    spec = preset_spec("GZ-RES-TIER") | {"energy": {"all": "0.60"}}
    old = TariffVersion.objects.get(tariff=tier)
    new = tariff_version_create(actor=None, tariff=tier, effective_from=MID, spec=spec)
    billing_run(period=NOV, usage=readings)
    bill = live_bill(billed.account_a)
    # 225 kWh in each half; each half's thresholds are 200 and 400 × 15/30 = 100 and 200.
    assert lines_of(bill) == [
        ("energy.tier1", "100.000", "0.58886875", "58.89"),
        ("energy.tier2", "100.000", "0.63886875", "63.89"),
        ("energy.tier3", "25.000", "0.88886875", "22.22"),
        ("energy.tier1", "100.000", "0.60000000", "60.00"),
        ("energy.tier2", "100.000", "0.65000000", "65.00"),
        ("energy.tier3", "25.000", "0.90000000", "22.50"),
    ]
    assert bill.total == Decimal("292.50")
    periods = bill.determinants["periods"]
    assert [(p["start"], p["end"], p["version"]) for p in periods] == [
        ("2026-11-01", "2026-11-15", old.pk),
        ("2026-11-16", "2026-11-30", new.pk),
    ]
    assert [p["kwh"] for p in periods] == [{"flat": "225.000"}, {"flat": "225.000"}]
    # One read per distinct range: the whole month for B and C, each half for A.
    assert sorted((start.day, end.day) for start, end, _ in readings.calls) == [
        (1, 15),
        (1, 30),
        (16, 30),
    ]


def test_an_account_opened_mid_month_has_its_thresholds_pro_rated(
    billed: World, readings: Readings
) -> None:
    account = open_account(billed, "3100000000020", meter="MG0001", opened_on=dt.date(2026, 11, 21))
    readings.days["MG0001"] = {dt.date(2026, 11, d): Day({"flat": 15.0}) for d in range(21, 31)}
    billing_run(period=NOV, usage=readings)
    bill = live_bill(account)
    assert (bill.period_start, bill.period_end) == (dt.date(2026, 11, 21), dt.date(2026, 11, 30))
    # 10 of 30 days: thresholds 200 × 10/30 = 66.67 → 67 and 400 × 10/30 = 133.33 → 133.
    assert lines_of(bill) == [
        ("energy.tier1", "67.000", "0.58886875", "39.45"),
        ("energy.tier2", "66.000", "0.63886875", "42.17"),
        ("energy.tier3", "17.000", "0.88886875", "15.11"),
    ]
    assert [line.detail for line in bill.lines.order_by("position")] == [
        {"from": "0", "to": "67"},
        {"from": "67", "to": "133"},
        {"from": "133", "to": ""},
    ]
    assert bill.total == Decimal("96.73")


def test_a_re_tariff_mid_month_bills_each_part_on_its_tariff(
    billed: World, readings: Readings
) -> None:
    billing_profile_set(actor=None, account=billed.account_a, tariff_code="GZ-RES-TOU", since=MID)
    billing_run(period=NOV, usage=readings)
    bill = live_bill(billed.account_a)
    assert lines_of(bill) == [
        ("energy.tier1", "100.000", "0.58886875", "58.89"),
        ("energy.tier2", "100.000", "0.63886875", "63.89"),
        ("energy.tier3", "25.000", "0.88886875", "22.22"),
        ("energy.flat", "225.000", "0.58890000", "132.50"),
        ("ladder.tier2", "100.000", "0.05000000", "5.00"),
        ("ladder.tier3", "25.000", "0.30000000", "7.50"),
    ]
    assert bill.total == Decimal("290.00")
    assert bill.tariff_code == "GZ-RES-TOU"
    assert [p["tariff"] for p in bill.determinants["periods"]] == ["GZ-RES-TIER", "GZ-RES-TOU"]


def test_an_annual_ladder_counts_the_kwh_billed_earlier_in_the_year(
    billed: World, readings: Readings
) -> None:
    account = open_account(billed, "3100000000021", meter="MH0001", tariff="RES-TIER-ANNUAL")
    october = dt.date(2026, 10, 1)
    readings.month("MH0001", october, flat=2700)
    readings.month("MH0001", NOV, flat=200)
    billing_run(period=october, usage=readings)
    billing_run(period=NOV, usage=readings)
    bill = live_bill(account)
    # 2,700 kWh so far this year: 60 kWh left in the first tier (to 2,760), 140 above.
    assert lines_of(bill) == [
        ("energy.tier1", "60.000", "0.48830000", "29.30"),
        ("energy.tier2", "140.000", "0.53830000", "75.36"),
    ]
    assert bill.determinants["year_to_date_kwh"] == "2700.000"


def test_estimated_readings_are_billed_and_the_bill_marked(
    billed: World, readings: Readings
) -> None:
    day = readings.days["MA0001"][dt.date(2026, 11, 7)]
    day.estimated_intervals, day.estimated_kwh = 12, 1.25
    billing_run(period=NOV, usage=readings)
    bill = live_bill(billed.account_a)
    assert bill.has_estimates
    assert bill.determinants["periods"][0]["estimated_intervals"] == 12
    assert bill.determinants["periods"][0]["estimated_kwh"] == "1.250"
    assert not live_bill(billed.account_c).has_estimates
