"""The account ledger: the one way money moves on an account.

Every posting locks the account's billing profile row, so postings on one account are
serialised and `balance_after` is the running sum; `key` makes a posting idempotent (the
same key again returns the first entry and changes nothing).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from gridcare.billing.choices import LedgerKind
from gridcare.billing.models import Bill, BillingProfile, LedgerEntry, Payment
from gridcare.core.models import User
from gridcare.customers.models import Account


def ledger_post(
    *,
    account: Account,
    kind: LedgerKind,
    amount: Decimal,
    key: str,
    bill: Bill | None = None,
    payment: Payment | None = None,
    memo: str = "",
    actor: User | None = None,
) -> tuple[LedgerEntry, bool]:
    """Post `amount` (+ in the customer's favour) once per `key`; returns (entry, created)."""
    with transaction.atomic():
        existing = LedgerEntry.objects.filter(key=key).first()
        if existing is not None:
            return existing, False
        profile = BillingProfile.objects.select_for_update().get(account=account)
        balance = profile.balance + amount
        seq = profile.ledger_version + 1
        try:
            with transaction.atomic():
                entry = LedgerEntry.objects.create(
                    account=account,
                    seq=seq,
                    kind=kind,
                    amount=amount,
                    balance_after=balance,
                    key=key,
                    bill=bill,
                    payment=payment,
                    memo=memo,
                    actor=actor,
                )
        except IntegrityError:
            # The same key posted by a concurrent transaction that committed first.
            return LedgerEntry.objects.get(key=key), False
        BillingProfile.objects.filter(pk=profile.pk).update(balance=balance, ledger_version=seq)
        return entry, True


def ledger_check(*, account: Account) -> bool:
    """True when the profile's balance equals the sum of the ledger and every entry's
    `balance_after` is the running sum in `seq` order (the invariant the tests prove)."""
    profile = BillingProfile.objects.get(account=account)
    running = Decimal("0")
    expected_seq = 0
    for entry in LedgerEntry.objects.filter(account=account).order_by("seq"):
        expected_seq += 1
        running += entry.amount
        if entry.seq != expected_seq or entry.balance_after != running:
            return False
    return running == profile.balance and expected_seq == profile.ledger_version
