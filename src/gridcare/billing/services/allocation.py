"""Which bills an account's money has paid.

The ledger says how much an account owes or holds (its balance); allocation says which
bills that covers, oldest first, with a `BillEvent` per bill touched. One rule keeps the
two in step: after money arrives, the outstanding amount of the account's live bills is
cut to the account's arrears (−balance), paying the named bill first and then the
oldest; money left over stays on the ledger as credit and pays the next bill when the
bill run calls `allocation_apply` again. Late fees and prepaid deductions are ledger
entries too, so they are covered before bills are — the balance already counts them.
When money leaves (a refund), bills that the remaining balance no longer covers are
opened again, newest first, by at most the refund's amount.

Runs inside the caller's transaction, after its `ledger_post` (which holds the account's
profile row lock, so allocations of one account never interleave).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from gridcare.billing.choices import BillEventKind, BillStatus
from gridcare.billing.models import Bill, BillEvent, BillingProfile, Payment
from gridcare.core.models import User
from gridcare.customers.models import Account

ZERO = Decimal("0.00")
_OPEN = (BillStatus.ISSUED, BillStatus.PARTIALLY_PAID)


def _status(bill: Bill) -> str:
    if bill.paid <= 0:
        return BillStatus.ISSUED
    return BillStatus.PAID if bill.paid >= bill.total else BillStatus.PARTIALLY_PAID


def _save(bill: Bill) -> None:
    bill.status = _status(bill)
    bill.version += 1
    bill.save(update_fields=["paid", "status", "version"])


def allocation_apply(
    *,
    account: Account,
    actor: User | None,
    payment: Payment | None = None,
    prefer_id: int | None = None,
    balance: Decimal | None = None,
) -> list[tuple[Bill, Decimal]]:
    """Cover the account's unpaid live bills with what its balance allows (bill
    `prefer_id` first, then the oldest); returns (bill, amount) per bill touched.
    `balance` is the account's balance when the caller has just posted (saves a read)."""
    # No savepoint of its own: it is one step of the caller's use case (and opens a
    # transaction when called alone, for the row locks).
    with transaction.atomic(savepoint=False):
        if balance is None:
            balance = BillingProfile.objects.get(account=account).balance
        bills = list(
            Bill.objects.select_for_update()
            .filter(account=account, status__in=_OPEN)
            .order_by("period", "issued_at", "id")
        )
        owing = [bill for bill in bills if bill.total > bill.paid]
        outstanding = sum((bill.total - bill.paid for bill in owing), ZERO)
        available = min(outstanding, outstanding + balance)
        if prefer_id is not None:
            owing.sort(key=lambda bill: bill.pk != prefer_id)
        touched: list[tuple[Bill, Decimal]] = []
        for bill in owing:
            if available <= 0:
                break
            give = min(available, bill.total - bill.paid)
            bill.paid += give
            available -= give
            _save(bill)
            detail = {"amount": str(give), "payment": payment.out_trade_no if payment else ""}
            BillEvent.objects.create(
                bill=bill, kind=BillEventKind.PAYMENT, actor=actor, detail=detail
            )
            if bill.status == BillStatus.PAID:
                BillEvent.objects.create(bill=bill, kind=BillEventKind.PAID, actor=actor)
            touched.append((bill, give))
        return touched


def allocation_release(
    *, account: Account, actor: User | None, amount: Decimal, payment: Payment | None = None
) -> list[tuple[Bill, Decimal]]:
    """After `amount` left the account: reopen bills its balance no longer covers (newest
    first, at most `amount` in all); returns (bill, amount reopened) per bill."""
    with transaction.atomic(savepoint=False):
        balance = BillingProfile.objects.get(account=account).balance
        bills = list(
            Bill.objects.select_for_update()
            .filter(account=account, status__in=(*_OPEN, BillStatus.PAID))
            .order_by("-period", "-issued_at", "-id")
        )
        outstanding = sum((max(ZERO, bill.total - bill.paid) for bill in bills), ZERO)
        take = min(amount, max(ZERO, -balance - outstanding))
        touched: list[tuple[Bill, Decimal]] = []
        for bill in bills:
            if take <= 0:
                break
            back = min(take, bill.paid)
            if back <= 0:
                continue
            bill.paid -= back
            take -= back
            _save(bill)
            detail = {"amount": str(back), "payment": payment.out_trade_no if payment else ""}
            BillEvent.objects.create(
                bill=bill, kind=BillEventKind.REFUND, actor=actor, detail=detail
            )
            touched.append((bill, back))
        return touched
