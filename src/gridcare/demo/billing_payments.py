"""The demo's payment history, written in bulk like the demo's other mass rows.

A year of payments for 12,000 accounts is ~150,000 payments; through the payment services
(one locked ledger posting, allocation and events each) that alone would take minutes, so
history is written here directly with the same rows the services write: a paid `Payment`
with its CREATED and PAID events, a PAYMENT ledger entry continuing the account's sequence
and running balance, the bill's `paid` and status with its PAID event. The live story (a
payment through the demo gateway, arrears, a disconnection and reconnection) goes through
the real services (demo/billing_story.py).

Who pays what, per month's bills: post-paid customers mostly within the due period, a few
late, a few (in the last months only) not yet — the arrears the console lists; prepaid
customers top up before their balance runs out, and a few let it run low.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.db.models import F

from gridcare.billing.choices import (
    BillEventKind,
    BillStatus,
    LedgerKind,
    PaymentEventKind,
    PaymentMode,
    PaymentStatus,
    Provider,
)
from gridcare.billing.engine.late_fee import fee_shown
from gridcare.billing.engine.money import ZERO
from gridcare.billing.models import (
    Bill,
    BillEvent,
    BillingProfile,
    LedgerEntry,
    Payment,
    PaymentEvent,
)
from gridcare.billing.selectors.cycle import fee_factor, residential_codes
from gridcare.demo.plan import LOCAL_TZ

BATCH_SIZE = 2_000
PROVIDERS = (
    (Provider.WECHAT, 0.45),
    (Provider.ALIPAY, 0.35),
    (Provider.COUNTER_CASH, 0.1),
    (Provider.BANK_TRANSFER, 0.1),
)
#: Of post-paid bills: never paid in the newest months (arrears), paid after the due date.
UNPAID_SHARE = 0.04
LATE_SHARE = 0.05
#: Months (counted back from the newest) in which some bills stay unpaid.
ARREARS_MONTHS = 2
#: Of the newest month's bills, paid already by the demo's last day.
PAID_EARLY_SHARE = 0.4
#: Prepaid customers who let their balance run low at the end.
LOW_BALANCE_SHARE = 0.12
TOP_UP_STEP = Decimal("50")


@dataclass
class _Batch:
    payments: list[Payment] = field(default_factory=list)
    events: list[PaymentEvent] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    bill_events: list[BillEvent] = field(default_factory=list)
    paid_bills: list[Bill] = field(default_factory=list)
    profiles: dict[int, BillingProfile] = field(default_factory=dict)


def _provider(rng: random.Random) -> str:
    pick = rng.random()
    for provider, share in PROVIDERS:
        if pick < share:
            return provider
        pick -= share
    return Provider.WECHAT


def _moment(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(
        day, dt.time(rng.randint(8, 21), rng.randint(0, 59)), tzinfo=LOCAL_TZ
    )


def _pay(
    batch: _Batch,
    profile: BillingProfile,
    *,
    amount: Decimal,
    at: dt.datetime,
    rng: random.Random,
    bill: Bill | None,
) -> None:
    provider = _provider(rng)
    # The account's ledger sequence makes the number unique (one entry per payment).
    number = f"D{at:%y%m%d}{profile.account_id:08d}{(profile.ledger_version + 1) % 1000:03d}"
    payment = Payment(
        out_trade_no=number,
        account_id=profile.account_id,
        bill=bill,
        provider=provider,
        amount=amount,
        status=PaymentStatus.PAID,
        provider_txn_id=f"DEMO{number}" if provider in (Provider.WECHAT, Provider.ALIPAY) else None,
        created_at=at - dt.timedelta(minutes=2),
        paid_at=at,
        reference=f"R{number}" if provider not in (Provider.WECHAT, Provider.ALIPAY) else "",
    )
    batch.payments.append(payment)
    batch.events.append(
        PaymentEvent(payment=payment, kind=PaymentEventKind.CREATED, at=payment.created_at)
    )
    batch.events.append(PaymentEvent(payment=payment, kind=PaymentEventKind.PAID, at=at))
    profile.balance += amount
    profile.ledger_version += 1
    batch.ledger.append(
        LedgerEntry(
            account_id=profile.account_id,
            seq=profile.ledger_version,
            at=at,
            kind=LedgerKind.PAYMENT,
            amount=amount,
            balance_after=profile.balance,
            key=f"pay:{number}",
            payment=payment,
        )
    )
    if bill is not None:
        bill.paid = bill.total
        bill.status = BillStatus.PAID
        # What the cycle's late-fee accounting has seen of this bill's payments (its fee,
        # if any, was posted just before, as `late_fees_settle` does with a payment).
        bill.late_fee_paid_seen = bill.total
        batch.paid_bills.append(bill)
        batch.bill_events.append(
            BillEvent(bill=bill, kind=BillEventKind.PAID, at=at, detail={"payment": number})
        )


def _late_fee(
    batch: _Batch,
    bill: Bill,
    profile: BillingProfile,
    day: dt.date,
    at: dt.datetime,
    residential: set[str],
) -> Decimal:
    """The late fee of `bill` paid in full on `day`, posted before the payment as the
    cycle posts it (engine rates from the settings, the minimum applied)."""
    if day <= bill.due_date:
        return ZERO
    accrued = bill.total * fee_factor(bill, day, residential)
    fee = fee_shown(accrued, minimum=settings.BILLING_LATE_FEE_MINIMUM)
    profile.balance -= fee
    profile.ledger_version += 1
    batch.ledger.append(
        LedgerEntry(
            account_id=profile.account_id,
            seq=profile.ledger_version,
            at=at - dt.timedelta(seconds=1),
            kind=LedgerKind.LATE_FEE,
            amount=-fee,
            balance_after=profile.balance,
            key=f"latefee:{bill.number}:{fee}",
            bill=bill,
            memo=f"违约金 {bill.number}",
        )
    )
    bill.late_fee_accrued = accrued
    bill.late_fee_posted = fee
    return fee


def _postpaid(
    batch: _Batch,
    bill: Bill,
    profile: BillingProfile,
    *,
    newest: bool,
    arrears: bool,
    until: dt.date,
    rng: random.Random,
    residential: set[str],
) -> None:
    issued = bill.issued_at.astimezone(LOCAL_TZ).date()
    if newest:
        if rng.random() >= PAID_EARLY_SHARE or issued >= until:
            return
        day = issued + dt.timedelta(days=rng.randint(0, (until - issued).days))
    elif arrears and rng.random() < UNPAID_SHARE:
        return
    elif rng.random() < LATE_SHARE:
        day = bill.due_date + dt.timedelta(days=rng.randint(1, 20))
    else:
        day = issued + dt.timedelta(days=rng.randint(0, max(0, (bill.due_date - issued).days)))
    day = min(day, until)
    at = _moment(day, rng)
    fee = _late_fee(batch, bill, profile, day, at, residential)
    _pay(batch, profile, amount=bill.total + fee, at=at, rng=rng, bill=bill)


def _top_up(
    batch: _Batch,
    bill: Bill,
    profile: BillingProfile,
    *,
    newest: bool,
    until: dt.date,
    rng: random.Random,
) -> None:
    """After a prepaid statement, top the balance up to about two months' worth."""
    if newest and rng.random() < LOW_BALANCE_SHARE:
        return
    wanted = bill.total * 2 - profile.balance
    if wanted <= 0:
        return
    amount = (wanted / TOP_UP_STEP).to_integral_value(rounding=ROUND_CEILING) * TOP_UP_STEP
    issued = bill.issued_at.astimezone(LOCAL_TZ).date()
    day = min(until, issued + dt.timedelta(days=rng.randint(0, 6)))
    _pay(batch, profile, amount=amount, at=_moment(day, rng), rng=rng, bill=None)


def demo_payments_create(
    *,
    month: dt.date,
    newest: dt.date,
    until: dt.date,
    seed: int,
    unpaid: frozenset[int] = frozenset(),
) -> int:
    """Payments for the bills of `month` (`newest` is the demo's last billed month); the
    accounts in `unpaid` pay nothing (the arrears story's)."""
    rng = random.Random(f"{seed}:payments:{month:%Y%m}")
    months_back = (newest.year - month.year) * 12 + newest.month - month.month
    bills = list(
        Bill.objects.filter(period=month)
        .exclude(status=BillStatus.CANCELLED)
        .order_by("account_id")
    )
    profiles = BillingProfile.objects.in_bulk(
        [b.account_id for b in bills], field_name="account_id"
    )
    batch = _Batch()
    residential = residential_codes()
    for bill in bills:
        profile = profiles[bill.account_id]
        if bill.account_id in unpaid:
            continue
        if profile.payment_mode == PaymentMode.PREPAID:
            _top_up(batch, bill, profile, newest=months_back == 0, until=until, rng=rng)
        elif bill.status != BillStatus.PAID:
            _postpaid(
                batch,
                bill,
                profile,
                newest=months_back == 0,
                arrears=months_back < ARREARS_MONTHS,
                until=until,
                rng=rng,
                residential=residential,
            )
        batch.profiles[profile.pk] = profile
    _save(batch)
    return len(batch.payments)


def _save(batch: _Batch) -> None:
    Payment.objects.bulk_create(batch.payments, batch_size=BATCH_SIZE)
    PaymentEvent.objects.bulk_create(batch.events, batch_size=BATCH_SIZE)
    LedgerEntry.objects.bulk_create(batch.ledger, batch_size=BATCH_SIZE)
    BillEvent.objects.bulk_create(batch.bill_events, batch_size=BATCH_SIZE)
    Bill.objects.bulk_update(
        batch.paid_bills,
        ["paid", "status", "late_fee_paid_seen", "late_fee_accrued", "late_fee_posted"],
        batch_size=BATCH_SIZE,
    )
    changed: Iterable[BillingProfile] = [p for p in batch.profiles.values() if p.ledger_version]
    BillingProfile.objects.bulk_update(
        list(changed), ["balance", "ledger_version"], batch_size=BATCH_SIZE
    )
    # Bills bump their version when their status changes (compare-and-set elsewhere).
    Bill.objects.filter(pk__in=[b.pk for b in batch.paid_bills]).update(version=F("version") + 1)
