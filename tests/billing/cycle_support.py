"""Helpers of the arrears and prepaid tests: bills, payments, readings and days.

`bill_issue` writes what the run's bill issue writes (a Bill with its BILL ledger row) for
a chosen total and due date, where a test is about the days after it (test_cycle bills
from imported readings through the run itself). `pay` is a counter payment through the
payments service. `Readings` feeds the prepaid estimate kWh per meter and day, the shape
`metering.billing_reads` delivers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from gridcare.billing.choices import BillEventKind, LedgerKind, PaymentMode
from gridcare.billing.models import Bill, BillEvent, TariffAssignment
from gridcare.billing.services.cycle import CycleSummary, cycle_run
from gridcare.billing.services.ledger import ledger_post
from gridcare.billing.services.payments import payment_record_counter
from gridcare.billing.services.prepaid import MeterUse
from gridcare.core.models import User
from gridcare.customers.models import Account
from gridcare.testing.personas import World

BJ = ZoneInfo("Asia/Shanghai")
D = Decimal


OPENED = dt.date(2025, 1, 1)


def opened_since_2025(world: World) -> World:
    """The persona world with its accounts opened (and on their tariffs) since 2025, so
    the tests' days in 2026 are in their supply (the personas open them today)."""
    Account.objects.update(opened_on=OPENED)
    TariffAssignment.objects.update(since=OPENED)
    for account in (world.account_a, world.account_b, world.account_c):
        account.refresh_from_db()
    return world


def bj(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BJ)


@contextmanager
def on(day: dt.date, hour: int = 9) -> Iterator[None]:
    """The clock stands at `hour` o'clock Beijing on `day`."""
    with time_machine.travel(bj(day, hour), tick=False):
        yield


def bill_issue(
    account: Account,
    *,
    period: dt.date,
    total: str,
    due: dt.date,
    tariff_code: str,
    mode: str = PaymentMode.POSTPAID,
) -> Bill:
    last = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    bill = Bill.objects.create(
        number=f"B{account.number}{period:%Y%m}",
        account=account,
        period=period,
        period_start=period,
        period_end=last,
        tariff_code=tariff_code,
        payment_mode=mode,
        energy_kwh=D("300"),
        total=D(total),
        due_date=due,
    )
    ledger_post(
        account=account,
        kind=LedgerKind.BILL,
        amount=-D(total),
        key=f"bill:{bill.number}",
        bill=bill,
    )
    BillEvent.objects.create(bill=bill, kind=BillEventKind.ISSUED)
    return bill


def pay(account: Account, amount: str, receipt: str) -> None:
    """Cash paid at the counter (payments' own service: ledger, allocation to the bills,
    then the cycle's `after_payment`, in one transaction); the same receipt again is the
    same payment."""
    payment_record_counter(
        actor=User.objects.get(username="admin"),
        account=account,
        amount=D(amount),
        receipt_number=receipt,
    )


class Readings:
    """kWh per TOU bucket per meter and day, as the metering reads deliver them."""

    def __init__(self) -> None:
        self.days: dict[tuple[str, dt.date], dict[str, Decimal]] = {}

    def put(self, meter: str, day: dt.date, **kwh: str) -> None:
        self.days[(meter, day)] = {bucket: D(value) for bucket, value in kwh.items()}

    def __call__(
        self, *, start: dt.date, end: dt.date, meter_ids: Sequence[str] | None
    ) -> Mapping[str, MeterUse]:
        found = {}
        wanted = meter_ids if meter_ids is not None else sorted({m for m, _ in self.days})
        for meter in wanted:
            totals: dict[str, Decimal] = {}
            complete = True
            day = start
            while day <= end:
                kwh = self.days.get((meter, day))
                if kwh is None:
                    complete = False
                else:
                    for bucket, value in kwh.items():
                        totals[bucket] = totals.get(bucket, D(0)) + value
                day += dt.timedelta(days=1)
            if totals or complete:
                found[meter] = MeterUse(kwh=totals, complete=complete)
        return found


def run(day: dt.date, readings: Readings | None = None) -> CycleSummary:
    """The daily cycle as the worker runs it on `day` (at 01:00)."""
    with on(day, hour=1):
        if readings is None:
            return cycle_run(today=day)
        return cycle_run(today=day, reader=readings)
