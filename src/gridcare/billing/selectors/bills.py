"""Bill reads for the reader's own accounts: bills with their lines, this month against last
month and the same month last year, payments, the prepaid balance, what is due.

Scope: every read starts from `customers.selectors.accounts_visible_to(user)` (a customer's
bound accounts; staff: their org unit's subtree). Anything outside it raises `NotFound`,
the same as a number that does not exist, so a page never confirms that someone else's
bill or payment is there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.billing.choices import BillStatus, LedgerKind, PaymentMode, PaymentStatus
from gridcare.billing.labels import tou_windows
from gridcare.billing.models import (
    Bill,
    BillingProfile,
    BillLine,
    LedgerEntry,
    Payment,
    Tariff,
)
from gridcare.billing.selectors.cycle import arrears_of, bill_fee_live, residential_codes
from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.customers.models import Account
from gridcare.customers.selectors import accounts_visible_to
from gridcare.metering.stats import tou_calendar_default

ZERO = Decimal("0")
OPEN_STATUSES = (BillStatus.ISSUED, BillStatus.PARTIALLY_PAID)
#: Payments a customer sees in the history: money that moved (not abandoned checkouts).
SETTLED_PAYMENTS = (
    PaymentStatus.PAID,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)
TOU_ITEMS = frozenset({"energy.sharp", "energy.peak", "energy.flat", "energy.valley"})


def month_shift(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (negative: before) `month`."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# ------------------------------------------------------------------ accounts


@dataclass(frozen=True)
class BillingAccount:
    """An account as billing sees it: its profile (None before one is set)."""

    account: Account
    profile: BillingProfile | None

    @property
    def number(self) -> str:
        return self.account.number

    @property
    def is_prepaid(self) -> bool:
        return self.profile is not None and self.profile.payment_mode == PaymentMode.PREPAID

    @property
    def balance(self) -> Decimal:
        return self.profile.balance if self.profile is not None else ZERO

    @property
    def amount_due(self) -> Decimal:
        """What the ledger says is owed (bills, late fees, less payments), never < 0."""
        return max(ZERO, -self.balance)


def _profile_of(account: Account) -> BillingProfile | None:
    try:
        return account.billing_profile
    except BillingProfile.DoesNotExist:
        return None


def billing_accounts(*, user: User) -> list[BillingAccount]:
    """The reader's accounts with their billing profiles, by number."""
    accounts = accounts_visible_to(user).select_related("billing_profile__tariff")
    return [BillingAccount(a, _profile_of(a)) for a in accounts.order_by("number")]


def billing_account_get(*, user: User, number: str) -> BillingAccount:
    account = (
        accounts_visible_to(user)
        .select_related("billing_profile__tariff")
        .filter(number=number)
        .first()
    )
    if account is None:
        raise NotFound("customers.account.not_found", _("No such account"))
    return BillingAccount(account, _profile_of(account))


# ------------------------------------------------------------------ bills


@dataclass(frozen=True)
class BillRow:
    bill: Bill
    outstanding: Decimal
    overdue: bool
    #: The late-payment fee (违约金) if the bill were paid in full today, not yet posted.
    late_fee: Decimal = ZERO

    @property
    def to_pay(self) -> Decimal:
        return self.outstanding + self.late_fee


def _rows(bills: Iterable[Bill], today: dt.date) -> list[BillRow]:
    """Rows of `bills`; an overdue post-paid bill carries its live late fee (the cycle's
    rule, `selectors.cycle.bill_fee_live`)."""
    rows, codes = [], None
    for bill in bills:
        open_ = bill.status in OPEN_STATUSES
        outstanding = bill.total - bill.paid if open_ else ZERO
        overdue = open_ and bill.due_date < today
        fee = ZERO
        if overdue and outstanding > 0 and bill.payment_mode == PaymentMode.POSTPAID:
            codes = residential_codes() if codes is None else codes
            live = bill_fee_live(bill, today=today, residential=codes)
            fee = max(ZERO, live - bill.late_fee_posted)
        rows.append(BillRow(bill, outstanding, overdue, fee))
    return rows


def _row(bill: Bill, today: dt.date) -> BillRow:
    return _rows([bill], today)[0]


def bills_of_account(*, user: User, number: str, limit: int = 36) -> list[BillRow]:
    """The account's bills, newest month first (cancelled ones too: they link to their
    correction)."""
    account = billing_account_get(user=user, number=number).account
    today = timezone.localdate()
    bills = Bill.objects.filter(account=account).select_related("replaced_by")
    return _rows(bills.order_by("-period", "-issued_at")[:limit], today)


@dataclass(frozen=True)
class MonthFigure:
    month: dt.date
    kwh: Decimal | None
    amount: Decimal | None


@dataclass(frozen=True)
class Comparison:
    this_month: MonthFigure
    last_month: MonthFigure
    last_year: MonthFigure

    @staticmethod
    def change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
        """Percent change, None without both figures or from zero."""
        if now is None or not before:
            return None
        return ((now - before) * 100 / before).quantize(Decimal("1"))

    @property
    def kwh_vs_last_month(self) -> Decimal | None:
        return self.change(self.this_month.kwh, self.last_month.kwh)

    @property
    def kwh_vs_last_year(self) -> Decimal | None:
        return self.change(self.this_month.kwh, self.last_year.kwh)


def _comparison(bill: Bill) -> Comparison:
    before, year_ago = month_shift(bill.period, -1), month_shift(bill.period, -12)
    others = {
        b.period: b
        for b in Bill.objects.filter(account_id=bill.account_id, period__in=[before, year_ago])
        .exclude(status=BillStatus.CANCELLED)
        .only("period", "energy_kwh", "total")
    }

    def figure(month: dt.date, found: Bill | None) -> MonthFigure:
        return MonthFigure(
            month, found.energy_kwh if found else None, found.total if found else None
        )

    return Comparison(
        this_month=figure(bill.period, bill),
        last_month=figure(before, others.get(before)),
        last_year=figure(year_ago, others.get(year_ago)),
    )


@dataclass(frozen=True)
class BillDetail:
    row: BillRow
    lines: list[BillLine]
    comparison: Comparison
    replaced_by: Bill | None  # the correction of a cancelled bill
    replaces: Bill | None  # the bill a correction replaced
    payments: list[Payment]
    tariff_name: str = ""
    #: Clock ranges per time-of-use bucket in the bill's month (only for TOU bills).
    windows: dict[str, list[str]] = field(default_factory=dict)

    @property
    def bill(self) -> Bill:
        return self.row.bill

    @property
    def estimated_kwh(self) -> Decimal | None:
        """kWh from estimated readings, summed over the month's periods (docs/data-formats.md
        "Bill determinants"); None when the determinants do not say."""
        if not self.bill.has_estimates:
            return None
        periods = self.bill.determinants.get("periods")
        try:
            found = [
                Decimal(str(p["estimated_kwh"])) for p in periods or [] if "estimated_kwh" in p
            ]
        except (ArithmeticError, TypeError):
            return None
        return sum(found, ZERO) if found else None


def _bill_get(*, user: User, number: str) -> Bill:
    bill = (
        Bill.objects.filter(number=number, account__in=accounts_visible_to(user))
        .select_related("account", "replaces")
        .first()
    )
    if bill is None:
        raise NotFound("billing.bill.not_found", _("No such bill"))
    return bill


def bill_detail(*, user: User, number: str) -> BillDetail:
    """A bill of the reader's with its lines, comparison, correction links and payments."""
    bill = _bill_get(user=user, number=number)
    lines = list(BillLine.objects.filter(bill=bill).order_by("position"))
    replaced_by = Bill.objects.filter(replaces=bill).first()
    payments = list(
        Payment.objects.filter(bill=bill, status__in=SETTLED_PAYMENTS).order_by("paid_at", "pk")
    )
    windows = month_tou_windows(month=bill.period, items={line.item for line in lines})
    return BillDetail(
        row=_row(bill, timezone.localdate()),
        lines=lines,
        comparison=_comparison(bill),
        replaced_by=replaced_by,
        replaces=bill.replaces,
        payments=payments,
        tariff_name=Tariff.objects.filter(code=bill.tariff_code)
        .values_list("name", flat=True)
        .first()
        or "",
        windows=windows,
    )


# ------------------------------------------------------------------ what is due


@dataclass(frozen=True)
class Dues:
    """What an account owes today: its open bills (oldest first) and, for a post-paid
    account, the late-payment fees (posted and unpaid, or accrued on overdue bills)."""

    account: BillingAccount
    open_bills: list[BillRow]
    late_fee: Decimal = ZERO

    @property
    def bills_outstanding(self) -> Decimal:
        return sum((row.outstanding for row in self.open_bills), ZERO)

    @property
    def amount_due(self) -> Decimal:
        if self.account.is_prepaid:
            return self.account.amount_due
        return self.bills_outstanding + self.late_fee


def account_dues(*, user: User, number: str) -> Dues:
    """What the account owes, the open bills that make it up, and the late fee."""
    account = billing_account_get(user=user, number=number)
    today = timezone.localdate()
    bills = Bill.objects.filter(account=account.account, status__in=OPEN_STATUSES)
    rows = _rows(bills.order_by("period", "issued_at"), today)
    if account.is_prepaid or account.profile is None:
        return Dues(account, rows)
    arrears = arrears_of(account=account.account, balance=account.balance, today=today)
    return Dues(account, rows, arrears.late_fee)


def open_bill_get(*, user: User, account_number: str, number: str) -> BillRow:
    """An open bill of the reader's account (NotFound for any other bill)."""
    bill = _bill_get(user=user, number=number)
    if bill.account.number != account_number or bill.status not in OPEN_STATUSES:
        raise NotFound("billing.bill.not_open", _("This bill has nothing left to pay"))
    return _row(bill, timezone.localdate())


# ------------------------------------------------------------------ payments and balance


def payments_of_account(*, user: User, number: str, limit: int = 60) -> list[Payment]:
    """The account's payments that moved money, newest first."""
    account = billing_account_get(user=user, number=number).account
    payments = Payment.objects.filter(account=account, status__in=SETTLED_PAYMENTS)
    return list(payments.select_related("bill").order_by("-paid_at", "-pk")[:limit])


def payment_get_for_user(*, user: User, out_trade_no: str) -> Payment:
    payment = (
        Payment.objects.filter(out_trade_no=out_trade_no, account__in=accounts_visible_to(user))
        .select_related("account", "bill")
        .first()
    )
    if payment is None:
        raise NotFound("billing.payment.not_found", _("No such payment"))
    return payment


@dataclass(frozen=True)
class PrepaidSummary:
    account: BillingAccount
    deductions: list[LedgerEntry]  # newest first
    days: int

    @property
    def daily_average(self) -> Decimal | None:
        """The average daily deduction over the days that had one."""
        if not self.deductions:
            return None
        spent = -sum((entry.amount for entry in self.deductions), ZERO)
        return (spent / len(self.deductions)).quantize(Decimal("0.01"))

    @property
    def days_left(self) -> int | None:
        """Whole days the balance lasts at the average deduction (None if it cannot say)."""
        average = self.daily_average
        if not average or average <= 0 or self.account.balance <= 0:
            return None
        return int(self.account.balance / average)


def prepaid_summary(*, user: User, number: str, days: int = 30) -> PrepaidSummary:
    """The balance and the daily deductions of the last `days` days."""
    account = billing_account_get(user=user, number=number)
    since = timezone.now() - dt.timedelta(days=days)
    deductions = LedgerEntry.objects.filter(
        account=account.account, kind=LedgerKind.DEDUCTION, at__gte=since
    ).order_by("-at", "-seq")
    return PrepaidSummary(account, list(deductions[:days]), days)


# ------------------------------------------------------------------ tariffs for the quote


def quote_tariffs() -> list[Tariff]:
    """Tariffs a customer can price usage on (every tariff with a version)."""
    return list(Tariff.objects.filter(versions__isnull=False).distinct().order_by("code"))


def month_tou_windows(*, month: dt.date, items: set[str]) -> dict[str, list[str]]:
    """The clock ranges of each time-of-use period of `month` (the metering calendar) when
    `items` (line codes) price by time of use; none otherwise. Buckets are not folded: the
    engine gives a folded bucket its own line (residential 尖峰 kWh at the peak price), so
    each line keeps its own hours."""
    if not items & TOU_ITEMS:
        return {}
    return tou_windows(tou_calendar_default(), month=month)
