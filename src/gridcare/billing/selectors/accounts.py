"""Billing reads per account, always through the reader's scope.

Scope rule (the customers app's, applied to money): a customer reads the accounts bound
to their login; staff holding `billing.view_bill` read the accounts of their org unit's
subtree; anyone else reads nothing. Outside the scope is "not found" (404), the same
answer as a number that does not exist, so a bill or ledger never confirms an account.

- `bills_*`: bills with their lines (API; the portal has its own reads for customers);
- `ledger_*`, `account_balance`: the account's ledger (newest first, each entry with the
  running balance after it) and where the account stands now;
- `arrears_*`: post-paid accounts with bills unpaid past their due date, per account:
  how much, since when, how many days overdue;
- `low_balance_*`: prepaid (费控) accounts whose balance is below a threshold, with the
  day the balance went negative (the grace period before disconnection counts from it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.utils import timezone

from gridcare.billing.choices import BillStatus, PaymentMode
from gridcare.billing.models import Bill, BillingProfile, BillLine, LedgerEntry
from gridcare.core.choices import OrgUnitKind
from gridcare.core.errors import NotFound
from gridcare.core.models import OrgUnit, User
from gridcare.core.roles import VIEW_BILLING
from gridcare.core.selectors import org_units_in_scope
from gridcare.customers.models import Account
from gridcare.customers.selectors import accounts_visible_to

#: Bills still owed (in whole or in part).
UNPAID = (BillStatus.ISSUED, BillStatus.PARTIALLY_PAID)
_MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
_OWED = ExpressionWrapper(F("total") - F("paid"), output_field=_MONEY)


def billing_accounts_visible_to(user: User) -> QuerySet[Account]:
    """The accounts whose bills, ledger and payments `user` may read."""
    if user.is_authenticated and not user.is_customer and not user.has_perm(VIEW_BILLING):
        return Account.objects.none()
    return accounts_visible_to(user)


def billing_account_get_for_user(*, user: User, number: str) -> Account:
    account = billing_accounts_visible_to(user).filter(number=number).first()
    if account is None:
        raise NotFound("billing.account.not_found", "户号不存在")
    return account


# --- Bills ---


def bills_visible_to(user: User) -> QuerySet[Bill]:
    scope = billing_accounts_visible_to(user).values("pk")
    return Bill.objects.filter(account__in=scope).select_related("account", "replaces")


def bill_search(
    *, user: User, account_number: str = "", period: dt.date | None = None, status: str = ""
) -> QuerySet[Bill]:
    """The reader's bills, newest period first; each filter narrows (empty: any)."""
    bills = bills_visible_to(user)
    if account_number:
        bills = bills.filter(account__number=account_number)
    if period is not None:
        bills = bills.filter(period=period)
    if status:
        bills = bills.filter(status=status)
    return bills.order_by("-period", "-issued_at", "-pk")


def bill_get_for_user(*, user: User, number: str, account_number: str = "") -> Bill:
    """One bill with its lines in order (and the bill that replaced it, if any); with
    `account_number`, only a bill of that account."""
    bills = bills_visible_to(user)
    if account_number:
        bills = bills.filter(account__number=account_number)
    bill = (
        bills.filter(number=number)
        .prefetch_related(
            Prefetch("lines", queryset=BillLine.objects.order_by("position")),
            Prefetch("replaced_by"),
        )
        .first()
    )
    if bill is None:
        raise NotFound("billing.bill.not_found", "账单不存在")
    return bill


def bill_replacement(bill: Bill) -> Bill | None:
    """The corrected bill that replaced `bill` (cancel-and-rebill), if any."""
    try:
        return bill.replaced_by
    except Bill.DoesNotExist:
        return None


# --- Ledger and balance ---


def ledger_for_user(*, user: User, number: str) -> QuerySet[LedgerEntry]:
    """The account's ledger, newest first; `balance_after` is the running balance."""
    account = billing_account_get_for_user(user=user, number=number)
    return ledger_of(account=account)


def ledger_of(*, account: Account) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(account=account)
        .select_related("bill", "payment", "actor")
        .order_by("-seq")
    )


@dataclass(frozen=True)
class Balance:
    """Where an account stands. `balance` is the ledger's sum (+ in the customer's favour:
    a prepaid account's credit; negative: owed); `outstanding` what its unpaid bills still
    ask for, `overdue` the part past its due date."""

    account: Account
    profile: BillingProfile | None
    balance: Decimal
    outstanding: Decimal
    overdue: Decimal
    unpaid_bills: int
    oldest_due_date: dt.date | None
    as_of: dt.date

    @property
    def days_overdue(self) -> int:
        if self.oldest_due_date is None or self.oldest_due_date >= self.as_of:
            return 0
        return (self.as_of - self.oldest_due_date).days


def account_balance(*, user: User, number: str, today: dt.date) -> Balance:
    account = billing_account_get_for_user(user=user, number=number)
    return balance_of(account=account, today=today)


def balance_of(*, account: Account, today: dt.date) -> Balance:
    profile = BillingProfile.objects.filter(account=account).select_related("tariff").first()
    unpaid = Bill.objects.filter(account=account, status__in=UNPAID)
    totals = unpaid.aggregate(owed=Sum(_OWED), bills=Count("pk"))
    overdue = unpaid.filter(due_date__lt=today).aggregate(owed=Sum(_OWED), oldest=Min("due_date"))
    return Balance(
        account=account,
        profile=profile,
        balance=profile.balance if profile else Decimal("0.00"),
        outstanding=totals["owed"] or Decimal("0.00"),
        overdue=overdue["owed"] or Decimal("0.00"),
        unpaid_bills=totals["bills"],
        oldest_due_date=overdue["oldest"],
        as_of=today,
    )


def unpaid_bills_of(*, account: Account) -> QuerySet[Bill]:
    """The account's bills still owed, oldest first (what a payment settles first), each
    with `outstanding` (what it still asks for)."""
    return (
        Bill.objects.filter(account=account, status__in=UNPAID)
        .annotate(outstanding=_OWED)
        .order_by("period", "pk")
    )


# --- Arrears and low balances (console lists, staff only) ---

#: Sort keys of the lists: (name shown in the URL) → ORDER BY; the account number breaks ties.
ARREARS_SORTS: dict[str, tuple[str, ...]] = {
    "-days": ("oldest_due", "number"),
    "days": ("-oldest_due", "number"),
    "-amount": ("-overdue_amount", "number"),
    "amount": ("overdue_amount", "number"),
    "number": ("number",),
    "-number": ("-number",),
}
LOW_BALANCE_SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "balance": ("billing_profile__balance", "number"),
    "-balance": ("-billing_profile__balance", "number"),
    "-days": (F("negative_since").asc(nulls_last=True), "number"),
    "days": (F("negative_since").desc(nulls_first=True), "number"),
    "number": ("number",),
    "-number": ("-number",),
}
_LIST_RELATED = ("customer", "premise", "supply_unit", "billing_profile__tariff")


def _in_unit(accounts: QuerySet[Account], unit_path: str) -> QuerySet[Account]:
    return accounts.filter(supply_unit__path__startswith=unit_path) if unit_path else accounts


def arrears_accounts(
    *, user: User, today: dt.date, sort: str = "-days", unit_path: str = ""
) -> QuerySet[Account]:
    """Accounts in the reader's scope with bills unpaid past their due date, each annotated
    with `overdue_amount` (what those bills still ask for), `overdue_bills` and
    `oldest_due` (the earliest due date missed; days overdue count from it). `unit_path`
    narrows to one org unit's subtree (an `OrgUnit.path` inside the scope)."""
    accounts = _in_unit(billing_accounts_visible_to(user), unit_path)
    return (
        accounts.filter(bills__status__in=UNPAID, bills__due_date__lt=today)
        .annotate(
            overdue_amount=Sum(
                ExpressionWrapper(F("bills__total") - F("bills__paid"), output_field=_MONEY)
            ),
            overdue_bills=Count("bills"),
            oldest_due=Min("bills__due_date"),
        )
        .select_related(*_LIST_RELATED)
        .order_by(*ARREARS_SORTS.get(sort, ARREARS_SORTS["-days"]))
    )


def low_balance_accounts(
    *, user: User, below: Decimal, sort: str = "balance", unit_path: str = ""
) -> QuerySet[Account]:
    """Prepaid (费控) accounts in the reader's scope whose balance is below `below`, each
    annotated with `negative_since`: when the balance last went under zero and stayed
    there (None while it is not negative) — the grace days before a disconnection order
    count from that moment."""
    last_not_negative = (
        LedgerEntry.objects.filter(account=OuterRef("account"), balance_after__gte=0)
        .order_by("-seq")
        .values("seq")[:1]
    )
    first_negative = (
        LedgerEntry.objects.filter(
            account=OuterRef("pk"),
            balance_after__lt=0,
            seq__gt=Coalesce(Subquery(last_not_negative), 0),
        )
        .order_by("seq")
        .values("at")[:1]
    )
    accounts = _in_unit(billing_accounts_visible_to(user), unit_path)
    return (
        accounts.filter(
            billing_profile__payment_mode=PaymentMode.PREPAID,
            billing_profile__balance__lt=below,
        )
        .annotate(negative_since=Subquery(first_negative))
        .select_related(*_LIST_RELATED)
        .order_by(*LOW_BALANCE_SORTS.get(sort, LOW_BALANCE_SORTS["balance"]))
    )


def days_between(start: dt.date | dt.datetime | None, today: dt.date) -> int | None:
    """Whole days from `start` (a due date, or the Beijing day of a moment) to `today`."""
    if start is None:
        return None
    day = timezone.localdate(start) if isinstance(start, dt.datetime) else start
    return max((today - day).days, 0)


def billing_units_of(user: User) -> QuerySet[OrgUnit]:
    """The bureaus and stations of the reader's scope (the lists' unit filter)."""
    return org_units_in_scope(user).exclude(kind=OrgUnitKind.TEAM).order_by("path")
