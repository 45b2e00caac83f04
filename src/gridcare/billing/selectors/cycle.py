"""Reads of the arrears and prepaid cycle for the console, the portal and the cycle itself:
what an account owes past due today (the late fee included, engine/late_fee.py), and the
important customers whose disconnection was held for staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet

from gridcare.billing.choices import BillingEventKind, BillStatus, PaymentMode
from gridcare.billing.engine.late_fee import LateFeeRates, factor, fee_shown
from gridcare.billing.engine.money import ZERO
from gridcare.billing.models import Bill, BillingEvent, BillingProfile, Tariff
from gridcare.customers.choices import TariffClass
from gridcare.customers.models import Account

OPEN = (BillStatus.ISSUED, BillStatus.PARTIALLY_PAID)


def rates() -> LateFeeRates:
    return LateFeeRates(
        residential=settings.BILLING_LATE_FEE_RESIDENTIAL,
        current_year=settings.BILLING_LATE_FEE_CURRENT_YEAR,
        carried_over=settings.BILLING_LATE_FEE_CARRIED_OVER,
        minimum=settings.BILLING_LATE_FEE_MINIMUM,
    )


def residential_codes() -> set[str]:
    return set(
        Tariff.objects.filter(tariff_class=TariffClass.RESIDENTIAL).values_list("code", flat=True)
    )


def fee_factor(bill: Bill, through: dt.date, residential: set[str]) -> Decimal:
    return factor(
        rates=rates(),
        residential=bill.tariff_code in residential,
        due=bill.due_date,
        through=through,
    )


def bill_fee_live(bill: Bill, *, today: dt.date, residential: set[str] | None = None) -> Decimal:
    """The bill's whole late fee if it were paid in full today (¥, the minimum applied)."""
    codes = residential if residential is not None else residential_codes()
    unpaid = bill.total - bill.paid
    accrued = bill.late_fee_accrued + max(unpaid, ZERO) * fee_factor(bill, today, codes)
    return fee_shown(accrued, minimum=settings.BILLING_LATE_FEE_MINIMUM)


@dataclass
class Arrears:
    """What a post-paid account owes past due today."""

    overdue: Decimal = ZERO  # unpaid part of bills past their due date
    late_fee: Decimal = ZERO  # fee if paid today, not yet posted, + posted charges unpaid
    bills: list[Bill] = field(default_factory=list)  # open bills past due, oldest first

    @property
    def total(self) -> Decimal:
        return self.overdue + self.late_fee


def arrears_of(*, account: Account, balance: Decimal, today: dt.date) -> Arrears:
    """The account's arrears: the unpaid part of its bills past due with their late fee if
    paid today, and whatever else the ledger says is owed beyond the bills not yet due
    (late fees posted with earlier payments). Judged on the ledger, not on which bill the
    allocation put the money on: payments cover the oldest charges first and a fee is
    posted after the payment that makes it due, so its money may sit on a newer bill."""
    codes = residential_codes()
    result = Arrears()
    not_due = ZERO
    bills = (
        Bill.objects.filter(account=account, payment_mode=PaymentMode.POSTPAID)
        .exclude(status=BillStatus.CANCELLED)
        .filter(Q(status__in=OPEN) | Q(due_date__gte=today))
        .order_by("due_date", "id")
    )
    for bill in bills:
        unpaid = bill.total - bill.paid
        if bill.due_date >= today:
            not_due += bill.total
        elif unpaid > 0:
            result.bills.append(bill)
            result.overdue += unpaid
            result.late_fee += (
                bill_fee_live(bill, today=today, residential=codes) - bill.late_fee_posted
            )
    result.late_fee += max(ZERO, -balance - result.overdue - not_due)
    return result


def account_arrears(*, account: Account, today: dt.date) -> Arrears:
    """Overdue principal, the late fee if paid today, and the overdue bills (oldest first)."""
    balance = BillingProfile.objects.values_list("balance", flat=True).get(account=account)
    return arrears_of(account=account, balance=balance, today=today)


def disconnections_held(*, accounts: QuerySet[Account]) -> list[BillingEvent]:
    """Important customers (重要客户) of `accounts` (the reader's scope) due for
    disconnection but held for staff, still owing, newest first."""
    return list(
        BillingEvent.objects.filter(
            kind=BillingEventKind.DISCONNECT_HELD,
            account__in=accounts,
            account__billing_profile__balance__lt=0,
        )
        .select_related("account")
        .order_by("-at", "-id")
    )
