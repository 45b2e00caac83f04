"""Arrears of post-paid accounts: late fees, reminders, the disconnection notice and the
disconnection request (docs/architecture.md "Billing: arrears and prepaid").

Day by day (`arrears_run(today=)`, part of the daily cycle), for each account with a bill
past its due date and not paid in full, under the account's profile lock:

1. Reminder: the latest of `BILLING_REMINDER_DAYS` (days after the due date) that has come,
   once per bill and mark (a run that missed a mark sends only the latest) — a notice, a
   REMINDER account event and the bill's REMINDED event.
2. Disconnection notice: when the oldest unpaid bill is `BILLING_NOTICE_AFTER_DAYS` overdue
   and was reminded on an earlier day, a DISCONNECTION_NOTICE with the planned date
   `BILLING_NOTICE_DAYS_RESIDENTIAL` (7) or `…_NON_RESIDENTIAL` (3) days ahead, once per
   bill.
3. On the planned date, that bill still unpaid: DISCONNECT_REQUESTED (the service app opens
   the work order) — or, for an important customer, DISCONNECT_HELD (listed, not cut).

Late fees (engine/late_fee.py) accrue per day and are shown live (selectors.cycle
`arrears_of`); they are
posted to the ledger by `late_fees_settle` when a payment is applied: the fee of the part
just paid, and the ¥1 minimum with the payment that completes the bill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F

from gridcare.billing.choices import (
    BillEventKind,
    BillingEventKind,
    BillStatus,
    LedgerKind,
    PaymentMode,
    SupplyState,
)
from gridcare.billing.engine.late_fee import fee_shown
from gridcare.billing.engine.money import ZERO, fen
from gridcare.billing.models import Bill, BillEvent, BillingEvent, BillingProfile
from gridcare.billing.notice_templates import DISCONNECTION_NOTICE, REMINDER
from gridcare.billing.selectors.cycle import (
    OPEN,
    Arrears,
    arrears_of,
    fee_factor,
    residential_codes,
)
from gridcare.billing.services.ledger import ledger_post
from gridcare.billing.services.supply import (
    chinese_date,
    disconnect_request,
    event_record,
    is_important,
    notice_send,
    profile_lock,
    yuan,
)
from gridcare.customers.models import Account

# --- Posting the fee with a payment ---


def late_fees_settle(*, account: Account, today: dt.date) -> Decimal:
    """Account the late fee of what was paid since the last call (the caller holds the
    profile lock, inside the payment's transaction): for each post-paid bill whose `paid`
    moved, the part just paid × the rates of the days it was overdue, posted as a LATE_FEE
    row to the fen (key `latefee:<bill>:<cumulative>`), the minimum once the bill is paid in
    full. A refund (paid going down) starts the refunded part's clock again from today's
    view: its earlier days are not charged twice. Returns the amount posted now."""
    codes = residential_codes()
    posted_now = ZERO
    moved = Bill.objects.filter(account=account, payment_mode=PaymentMode.POSTPAID).exclude(
        paid=F("late_fee_paid_seen")
    )
    for bill in moved.exclude(status=BillStatus.CANCELLED):
        paid_now = bill.paid - bill.late_fee_paid_seen
        accrued = bill.late_fee_accrued
        if paid_now > 0:
            accrued += paid_now * fee_factor(bill, today, codes)
        in_full = bill.paid >= bill.total
        target = (
            fee_shown(accrued, minimum=settings.BILLING_LATE_FEE_MINIMUM)
            if in_full
            else fen(accrued)
        )
        delta = target - bill.late_fee_posted
        if delta > 0:
            ledger_post(
                account=account,
                kind=LedgerKind.LATE_FEE,
                amount=-delta,
                key=f"latefee:{bill.number}:{target}",
                bill=bill,
                memo=f"违约金 {bill.number}",
            )
            posted_now += delta
        Bill.objects.filter(pk=bill.pk).update(
            late_fee_paid_seen=bill.paid,
            late_fee_accrued=accrued,
            late_fee_posted=max(target, bill.late_fee_posted),
        )
    return posted_now


# --- The daily run ---


@dataclass
class ArrearsTally:
    reminders: int = 0
    notices: int = 0
    disconnect_requests: int = 0
    held: int = 0

    def add(self, other: ArrearsTally) -> None:
        for name in ("reminders", "notices", "disconnect_requests", "held"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def accounts_overdue(*, today: dt.date) -> list[int]:
    """Accounts with a post-paid bill past due and not paid in full."""
    return list(
        Bill.objects.filter(payment_mode=PaymentMode.POSTPAID, status__in=OPEN, due_date__lt=today)
        .values_list("account_id", flat=True)
        .distinct()
        .order_by("account_id")
    )


def arrears_run(*, today: dt.date, account_ids: Iterable[int] | None = None) -> ArrearsTally:
    tally = ArrearsTally()
    for account_id in account_ids if account_ids is not None else accounts_overdue(today=today):
        tally.add(arrears_account(account_id=account_id, today=today))
    return tally


@transaction.atomic
def arrears_account(*, account_id: int, today: dt.date) -> ArrearsTally:
    """One account's step of the day (idempotent: every write is keyed)."""
    tally = ArrearsTally()
    profile = profile_lock(account_id=account_id)
    if profile.payment_mode != PaymentMode.POSTPAID:
        return tally
    account = profile.account
    arrears = arrears_of(account=account, balance=profile.balance, today=today)
    for bill in arrears.bills:
        tally.reminders += _remind(account, bill, today)
    if not arrears.bills:
        return tally
    oldest = arrears.bills[0]
    notice, sent = _notice(profile, oldest, arrears, today)
    tally.notices += sent
    if notice is not None and dt.date.fromisoformat(notice.detail["planned_date"]) <= today:
        outcome, _ = disconnect_request(
            profile=profile,
            key=f"disconnect:{account.number}:{oldest.number}",
            detail={
                "reason": "arrears",
                "bill": oldest.number,
                "day": today.isoformat(),
                "amount": str(arrears.total),
                "notice": notice.key,
            },
        )
        tally.disconnect_requests += outcome == "requested"
        tally.held += outcome == "held"
    return tally


def _remind(account: Account, bill: Bill, today: dt.date) -> int:
    overdue_days = (today - bill.due_date).days
    marks = [n for n in settings.BILLING_REMINDER_DAYS if n <= overdue_days]
    if not marks:
        return 0
    mark = max(marks)
    unpaid = bill.total - bill.paid
    event, created = event_record(
        account=account,
        kind=BillingEventKind.REMINDER,
        key=f"reminder:{bill.number}:{mark}",
        detail={"bill": bill.number, "day": today.isoformat(), "unpaid": str(unpaid)},
    )
    if not created:
        return 0
    BillEvent.objects.create(bill=bill, kind=BillEventKind.REMINDED, detail={"days": mark})
    notice_send(
        account=account,
        template=REMINDER,
        key=f"billing:{event.key}",
        context={
            "period": f"{bill.period.year}年{bill.period.month}月",
            "amount": yuan(bill.total),
            "due_date": chinese_date(bill.due_date),
            "unpaid": yuan(unpaid),
        },
    )
    return 1


def _reminded_before(bill: Bill, today: dt.date) -> bool:
    days = BillingEvent.objects.filter(
        kind=BillingEventKind.REMINDER, key__startswith=f"reminder:{bill.number}:"
    ).values_list("detail__day", flat=True)
    return any(day and str(day) < today.isoformat() for day in days)


def _notice(
    profile: BillingProfile, oldest: Bill, arrears: Arrears, today: dt.date
) -> tuple[BillingEvent | None, int]:
    """The disconnection notice of the oldest unpaid bill — the one sent before, or sent
    now when due (then 1) — or None while the bill is not yet due for one."""
    account = profile.account
    key = f"notice:{account.number}:{oldest.number}"
    found = BillingEvent.objects.filter(key=key).first()
    if found is not None:
        return found, 0
    if (today - oldest.due_date).days < settings.BILLING_NOTICE_AFTER_DAYS:
        return None, 0
    if profile.supply_state != SupplyState.CONNECTED or not _reminded_before(oldest, today):
        return None, 0
    residential = oldest.tariff_code in residential_codes()
    ahead = (
        settings.BILLING_NOTICE_DAYS_RESIDENTIAL
        if residential
        else settings.BILLING_NOTICE_DAYS_NON_RESIDENTIAL
    )
    planned = today + dt.timedelta(days=ahead)
    event, created = event_record(
        account=account,
        kind=BillingEventKind.DISCONNECTION_NOTICE,
        key=key,
        detail={
            "bill": oldest.number,
            "day": today.isoformat(),
            "planned_date": planned.isoformat(),
            "amount": str(arrears.total),
            "late_fee": str(arrears.late_fee),
            # §3.2: an important customer's notice is also sent to the power authority.
            "report_to_authority": is_important(account),
        },
    )
    if created:
        notice_send(
            account=account,
            template=DISCONNECTION_NOTICE,
            key=f"billing:{event.key}",
            context={
                "today": chinese_date(today),
                "amount": yuan(arrears.total),
                "late_fee": yuan(arrears.late_fee),
                "planned_date": chinese_date(planned),
            },
        )
    return event, int(created)


def arrears_cleared(*, profile: BillingProfile, today: dt.date) -> bool:
    """All arrears paid: no bill past due with anything unpaid, and no late fee or other
    charge the balance does not cover."""
    return arrears_of(account=profile.account, balance=profile.balance, today=today).total <= 0
