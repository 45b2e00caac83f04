"""Bills, payments and prepaid deductions for the portal's tests, through the real
services: bills by the billing run from readings given directly (`tests.billing.readings`),
payments by the payment service (counter cash, or an order at the demo gateway), daily
deductions by the ledger service (the prepaid cycle's own posting needs meter data).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gridcare.billing.choices import BillStatus, LedgerKind, Provider
from gridcare.billing.models import Bill, Payment, TariffAssignment
from gridcare.billing.services.ledger import ledger_post
from gridcare.billing.services.payments import payment_create, payment_record_counter
from gridcare.billing.services.run import billing_run
from gridcare.core.models import User
from gridcare.customers.models import Account, AccountBinding
from tests.billing.readings import Readings

#: The persona accounts are opened "today" by the world builder; billed months lie before.
OPENED = dt.date(2025, 1, 1)


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _usage(kwh: Decimal | int | str | dict[str, Any]) -> dict[str, float]:
    if isinstance(kwh, dict):
        return {bucket: float(value) for bucket, value in kwh.items()}
    return {"flat": float(kwh)}


def _opened_long_ago(account: Account) -> None:
    Account.objects.filter(pk=account.pk, opened_on__gt=OPENED).update(opened_on=OPENED)
    TariffAssignment.objects.filter(account=account, since__gt=OPENED).update(since=OPENED)


def make_bill(
    account: Account,
    period: dt.date,
    kwh: Decimal | int | str | dict[str, Any],
    *,
    status: str = BillStatus.ISSUED,
    due_date: dt.date | None = None,
    estimated_kwh: str | None = None,
    max_kw: float | None = None,
) -> Bill:
    """The account's bill for `period` as the billing run issues it from `kwh` of readings
    (a month billed again with other kWh is cancelled and rebilled); `status` PAID pays it."""
    _opened_long_ago(account)
    meter = account.meters.get().asset_number
    readings = Readings()
    readings.month(meter, period, max_kw=max_kw, **_usage(kwh))
    if estimated_kwh is not None:
        first = readings.days[meter][period]
        first.estimated_intervals, first.estimated_kwh = 8, float(estimated_kwh)
    billing_run(period=period, usage=readings)
    bill = Bill.objects.exclude(status=BillStatus.CANCELLED).get(account=account, period=period)
    if due_date is not None:
        Bill.objects.filter(pk=bill.pk).update(due_date=due_date)
    if status == BillStatus.PAID and bill.status != BillStatus.PAID:
        pay(account, bill.total - bill.paid, bill=bill)
    bill.refresh_from_db()
    return bill


def cancel_and_rebill(bill: Bill, kwh: Decimal | int | str | dict[str, Any]) -> Bill:
    """Late readings: the month billed again with `kwh`, so `bill` is cancelled and its
    correction issued."""
    rebill = make_bill(bill.account, bill.period, kwh)
    bill.refresh_from_db()
    assert rebill.replaces_id == bill.pk
    return rebill


def pay(account: Account, amount: Decimal | str, *, bill: Bill | None = None) -> Payment:
    """Money paid at the counter (the payment service: ledger, allocation, cycle)."""
    clerk = User.objects.get(username="admin")
    receipt = f"R{Payment.objects.count() + 1:06d}"
    return payment_record_counter(
        actor=clerk, account=account, amount=Decimal(str(amount)), receipt_number=receipt, bill=bill
    )


def checkout(
    account: Account,
    amount: Decimal | str,
    *,
    bill: Bill | None = None,
    device: str = "desktop",
    provider: str = Provider.WECHAT,
) -> Payment:
    """An order the account's customer opened at the provider (through the payment service
    and the demo gateway: the test needs the `gateway` fixture), awaiting the payer."""
    customer = AccountBinding.objects.filter(account=account, revoked_at__isnull=True).first()
    assert customer is not None, "checkout needs an account bound to a login"
    return payment_create(
        actor=customer.user,
        account=account,
        provider=provider,
        amount=Decimal(str(amount)),
        bill=bill,
        device=device,
    )


def deduct(account: Account, day: dt.date, amount: Decimal | str, kwh: str = "") -> None:
    """A prepaid daily deduction (negative on the ledger)."""
    entry, _created = ledger_post(
        account=account,
        kind=LedgerKind.DEDUCTION,
        amount=-Decimal(str(amount)),
        key=f"deduct:{account.number}:{day.isoformat()}",
        memo=f"{day.isoformat()} {kwh} kWh".strip(),
    )
    at = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(2)))
    type(entry).objects.filter(pk=entry.pk).update(at=at)


THIS_MONTH = dt.date(2026, 11, 1)
LAST_MONTH = dt.date(2026, 10, 1)
LAST_YEAR = dt.date(2025, 11, 1)


def alice_bills(world: Any) -> dict[str, Bill]:
    """Alice (GZ-RES-TIER, post-paid): last year's November and October paid, this
    November's 450 kWh open and due in ten days."""
    account = world.account_a
    due = timezone.localdate() + dt.timedelta(days=10)
    return {
        "last_year": make_bill(account, LAST_YEAR, 380, status=BillStatus.PAID),
        "last_month": make_bill(account, LAST_MONTH, 300, status=BillStatus.PAID),
        "this_month": make_bill(account, THIS_MONTH, 450, due_date=due),
    }
