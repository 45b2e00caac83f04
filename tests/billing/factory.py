"""Billing test data made through the models and the ledger service: bills with lines,
payments, refunds and provider callbacks, for tests of the reads (API, console) while
the run and payment services are built elsewhere. Each maker posts to the ledger what the
real service would, so `ledger_check` holds and balances add up.

    bill = make_bill(world.account_a, period=date(2026, 10, 1), total="128.50")
    make_payment(world.account_a, amount="100.00", bill=bill)
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from gridcare.billing.choices import (
    BillStatus,
    CallbackVerdict,
    LedgerKind,
    PaymentEventKind,
    PaymentStatus,
    Provider,
)
from gridcare.billing.models import (
    Bill,
    BillingProfile,
    BillLine,
    CallbackRecord,
    Payment,
    PaymentEvent,
)
from gridcare.billing.services.ledger import ledger_post
from gridcare.customers.models import Account

_numbers = itertools.count(1)


def _next() -> int:
    return next(_numbers)


def money(value: str | Decimal | int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def make_bill(
    account: Account,
    *,
    period: dt.date = dt.date(2026, 10, 1),
    total: str | Decimal = "128.50",
    kwh: str | Decimal = "215.000",
    due_date: dt.date | None = None,
    number: str | None = None,
    lines: list[tuple[str, str, str, str, str]] | None = None,
) -> Bill:
    """An issued bill for `period` with its lines (item, label, quantity, unit price,
    amount; by default one energy line making up `total`), posted to the ledger."""
    amount = money(total)
    profile = BillingProfile.objects.select_related("tariff").get(account=account)
    end = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    bill = Bill.objects.create(
        number=number or f"B{period:%Y%m}{_next():06d}",
        account=account,
        period=period,
        period_start=period,
        period_end=end,
        tariff_code=profile.tariff.code,
        payment_mode=profile.payment_mode,
        energy_kwh=Decimal(str(kwh)),
        total=amount,
        issued_at=timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(8))),
        due_date=due_date or end + dt.timedelta(days=15),
    )
    rows = lines or [("energy.tier1", "第一档电量电费", str(kwh), "0.58886875", str(amount))]
    for position, (item, label, quantity, price, line_amount) in enumerate(rows, start=1):
        BillLine.objects.create(
            bill=bill,
            position=position,
            item=item,
            label=label,
            quantity=Decimal(quantity),
            unit="kWh",
            unit_price=Decimal(price),
            amount=money(line_amount),
        )
    ledger_post(
        account=account, kind=LedgerKind.BILL, amount=-amount, key=f"bill:{bill.number}", bill=bill
    )
    return bill


def make_payment(
    account: Account,
    *,
    amount: str | Decimal = "100.00",
    bill: Bill | None = None,
    provider: str = Provider.WECHAT,
    status: str = PaymentStatus.PAID,
    at: dt.datetime | None = None,
    reference: str = "",
    out_trade_no: str | None = None,
) -> Payment:
    """A payment; a paid one is posted to the ledger and applied to `bill`."""
    when = at or timezone.now()
    paid = status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
    payment = Payment.objects.create(
        out_trade_no=out_trade_no or f"P{when:%Y%m%d}{_next():08d}",
        account=account,
        bill=bill,
        provider=provider,
        amount=money(amount),
        status=status,
        provider_txn_id=f"TXN{_next():010d}" if paid else None,
        created_at=when,
        paid_at=when if paid else None,
        reference=reference,
    )
    PaymentEvent.objects.create(payment=payment, kind=PaymentEventKind.CREATED, at=when)
    if paid:
        PaymentEvent.objects.create(payment=payment, kind=PaymentEventKind.PAID, at=when)
        ledger_post(
            account=account,
            kind=LedgerKind.PAYMENT,
            amount=payment.amount,
            key=f"pay:{payment.out_trade_no}",
            payment=payment,
        )
        if bill is not None:
            bill.paid = min(bill.total, bill.paid + payment.amount)
            bill.status = BillStatus.PAID if bill.paid == bill.total else BillStatus.PARTIALLY_PAID
            bill.save(update_fields=["paid", "status"])
    return payment


def make_callback(
    *,
    verdict: str = CallbackVerdict.UNKNOWN_ORDER,
    out_trade_no: str = "P-UNKNOWN-1",
    amount: str | Decimal | None = "50.00",
    provider: str = Provider.WECHAT,
    detail: str = "",
    resolved: bool = False,
) -> CallbackRecord:
    return CallbackRecord.objects.create(
        provider=provider,
        verdict=verdict,
        out_trade_no=out_trade_no,
        provider_txn_id=f"CB{_next():010d}",
        amount=money(amount) if amount is not None else None,
        detail=detail,
        body_sha256=f"{_next():064x}",
        resolved_at=timezone.now() if resolved else None,
    )


def post_deduction(account: Account, *, amount: str, day: dt.date) -> None:
    """A prepaid daily deduction (what the prepaid service posts each day)."""
    ledger_post(
        account=account,
        kind=LedgerKind.DEDUCTION,
        amount=-money(amount),
        key=f"deduct:{account.number}:{day}",
        memo=f"{day}",
    )
