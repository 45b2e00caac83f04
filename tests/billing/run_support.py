"""Fixtures of the billing-run tests: the persona accounts open since January, billed for
November 2026 on a clock pinned to 2 December."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine

from gridcare.billing.models import Bill, BillingProfile, LedgerEntry, TariffAssignment
from gridcare.billing.services.profiles import billing_profile_set
from gridcare.customers.models import Account
from gridcare.customers.services import account_attach_meter, account_open
from gridcare.grid.services import meter_install
from gridcare.testing.personas import World

from .readings import Readings

CN = dt.timezone(dt.timedelta(hours=8))
NOV = dt.date(2026, 11, 1)
TODAY = dt.datetime(2026, 12, 2, 9, 0, tzinfo=CN)
JAN = dt.date(2026, 1, 1)


@pytest.fixture
def billed(world: World) -> Iterator[World]:
    """Personas open since 1 January (they were opened "today" by the world builder)."""
    Account.objects.update(opened_on=JAN)
    TariffAssignment.objects.update(since=JAN)
    with time_machine.travel(TODAY, tick=False):
        yield world


@pytest.fixture
def readings() -> Readings:
    """November for the three persona meters: A 450 kWh, B 450 kWh in TOU buckets, C 1000
    kWh with critical peak."""
    r = Readings()
    r.month("MA0001", NOV, flat=450)
    r.month("MB0001", NOV, peak=100, flat=150, valley=200)
    r.month("MC0001", NOV, sharp=50, peak=300, flat=400, valley=250)
    return r


def live_bill(account: Account, period: dt.date = NOV) -> Bill:
    return Bill.objects.exclude(status="cancelled").get(account=account, period=period)


def lines_of(bill: Bill) -> list[tuple[str, str, str, str]]:
    return [
        (line.item, str(line.quantity), str(line.unit_price), str(line.amount))
        for line in bill.lines.order_by("position")
    ]


def balance(account: Account) -> Decimal:
    return BillingProfile.objects.get(account=account).balance


def ledger(account: Account) -> list[tuple[str, str, Decimal]]:
    return [
        (e.kind, e.key, e.amount)
        for e in LedgerEntry.objects.filter(account=account).order_by("seq")
    ]


def open_account(
    world: World,
    number: str,
    *,
    meter: str | None = None,
    tariff: str | None = "GZ-RES-TIER",
    opened_on: dt.date = JAN,
    capacity_kva: Decimal = Decimal("8.0"),
    **profile: object,
) -> Account:
    """An extra account of Bob's at station 2, with a meter under transformer 2 and a
    billing profile on `tariff` (none when None), open since `opened_on`."""
    account = account_open(
        actor=None,
        customer=world.customer_bob,
        number=number,
        premise=world.account_b.premise,
        supply_unit=world.station_2,
        tariff_class="residential",
        contracted_capacity_kva=capacity_kva,
    )
    Account.objects.filter(pk=account.pk).update(opened_on=opened_on)
    account.refresh_from_db()
    if meter:
        installed = meter_install(actor=None, transformer=world.transformer_2, asset_number=meter)
        account_attach_meter(actor=None, account=account, meter=installed)
    if tariff:
        billing_profile_set(
            actor=None, account=account, tariff_code=tariff, since=opened_on, **profile
        )  # type: ignore[arg-type]
    return account
