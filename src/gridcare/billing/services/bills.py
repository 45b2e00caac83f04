"""Issuing bills: new ones, unchanged ones left alone, changed ones cancelled and rebilled.

An issued bill is never edited. When a month is billed again (a rerun after late
readings, a manual correction) and its lines differ, the live bill is CANCELLED with a
REPLACED event and a REBILL bill takes its place, linked by `replaces`; on the ledger the
original's posting is reversed (BILL_CANCELLED) and the new one posted, so the pair nets
to the difference. Money already paid stays on the ledger: the rebill counts the original's
`paid` up to its own total, and anything beyond is a credit on the balance.

Postings (key `bill:<number>`, reversal `cancel:<number>`):

- post-paid: BILL, −total;
- prepaid (费控): the month's readings were already deducted day by day (DEDUCTION rows,
  key `deduct:<account>:<YYYY-MM-DD>`, posted on or after that day), so the bill is a
  statement and posts only the true-up, DEDUCTION_SETTLED = −(total − deducted); the
  statement is settled from the balance (status PAID). A negative balance is the
  prepaid cycle's business, not the bill's.

Bills are written in bulk: the accounts' billing profiles and the month's bills are
locked first (one query each, in id order), then bills, lines, events and ledger entries
are inserted in batches and the profiles' running balances updated in memory.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.billing.choices import BillEventKind, BillKind, BillStatus, LedgerKind, PaymentMode
from gridcare.billing.engine.money import ZERO
from gridcare.billing.engine.tariff import Line
from gridcare.billing.models import (
    Bill,
    BillEvent,
    BillingProfile,
    BillingRun,
    BillLine,
    LedgerEntry,
)
from gridcare.billing.services.bill_rows import profiles_update, rows_insert
from gridcare.billing.services.run_drafts import BillDraft, draft_or_hold
from gridcare.billing.services.run_plan import plans_load, ranges_wanted
from gridcare.billing.services.run_usage import UsageSource, usage_read
from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError
from gridcare.core.models import User

BATCH = 2000


def bill_number(period: dt.date, account_number: str, sequence: int) -> str:
    """B + yyyymm + the 13-digit account number + the month's sequence (01 the first bill,
    02… its rebills): B202611310000000000101."""
    return f"B{period:%Y%m}{account_number}{sequence:02d}"


def _line_key(line: Line) -> tuple[Any, ...]:
    return (
        line.item,
        line.name,
        line.quantity,
        line.unit,
        line.unit_price,
        line.amount,
        dict(line.detail),
    )


@dataclass
class Written:
    """What a write did: bills issued (new and rebills) by number, accounts left alone."""

    numbers: list[str] = field(default_factory=list)
    total: Decimal = ZERO
    rebilled: int = 0
    unchanged: int = 0


@dataclass
class _Live:
    pk: int
    number: str
    status: str
    total: Decimal
    paid: Decimal
    lines: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class _Issue:
    """A bill to insert: the draft, its number and payment state, the bill it replaces."""

    draft: BillDraft
    number: str
    status: str
    paid: Decimal
    old: _Live | None
    pk: int = 0


def _lock(
    drafts: Sequence[BillDraft],
) -> tuple[dict[int, list[Any]], dict[int, _Live], dict[int, int]]:
    """Lock the profiles and the month's bills of the drafts' accounts; return balances
    (profile pk, balance, ledger_version), the live bills with their lines, and how many
    bills each account already has this month."""
    ids = [d.account_id for d in drafts]
    month = drafts[0].period
    profiles = {
        account: [pk, balance, version]
        for pk, account, balance, version in BillingProfile.objects.select_for_update()
        .filter(account_id__in=ids)
        .order_by("pk")
        .values_list("pk", "account_id", "balance", "ledger_version")
    }
    live: dict[int, _Live] = {}
    counts: dict[int, int] = defaultdict(int)
    for pk, account, number, status, total, paid in (
        Bill.objects.select_for_update()
        .filter(account_id__in=ids, period=month)
        .order_by("pk")
        .values_list("pk", "account_id", "number", "status", "total", "paid")
    ):
        counts[account] += 1
        if status != BillStatus.CANCELLED:
            live[account] = _Live(pk, number, status, total, paid)
    by_pk = {b.pk: b for b in live.values()}
    for row in (
        BillLine.objects.filter(bill_id__in=list(by_pk))
        .order_by("bill_id", "position")
        .values_list(
            "bill_id", "item", "label", "quantity", "unit", "unit_price", "amount", "detail"
        )
    ):
        by_pk[row[0]].lines.append((*row[1:-1], dict(row[-1] or {})))
    return profiles, live, counts


def _deducted(drafts: Sequence[BillDraft]) -> dict[int, Decimal]:
    """The month's prepaid daily deductions per account (a positive sum)."""
    prepaid = [d.account_id for d in drafts if d.payment_mode == PaymentMode.PREPAID]
    if not prepaid:
        return {}
    month = drafts[0].period
    since = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    result: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for account, key, amount in LedgerEntry.objects.filter(
        account_id__in=prepaid, kind=LedgerKind.DEDUCTION, at__gte=since
    ).values_list("account_id", "key", "amount"):
        day = key.rsplit(":", 1)[-1]
        if day[:7] == f"{month:%Y-%m}":
            result[account] -= amount
    return result


def _issue(draft: BillDraft, *, sequence: int, old: _Live | None) -> _Issue:
    if draft.payment_mode == PaymentMode.PREPAID:
        paid = draft.total  # a statement, settled from the prepaid balance
    else:
        paid = min(old.paid, draft.total) if old else ZERO
    if paid >= draft.total:
        status = BillStatus.PAID
    else:
        status = BillStatus.PARTIALLY_PAID if paid > 0 else BillStatus.ISSUED
    number = bill_number(draft.period, draft.number, sequence)
    return _Issue(draft=draft, number=number, status=status, paid=paid, old=old)


BILL_FIELDS = (
    "number", "account", "period", "period_start", "period_end", "kind", "status", "run",
    "replaces", "tariff_code", "payment_mode", "energy_kwh", "total", "paid", "has_estimates",
    "determinants", "issued_at", "due_date", "version",
)  # fmt: skip
LINE_FIELDS = (
    "bill", "position", "item", "label", "quantity", "unit", "unit_price", "amount", "detail",
)  # fmt: skip


def _bill_row(i: _Issue, run_id: int | None, now: dt.datetime, due: dt.date) -> tuple[Any, ...]:
    d = i.draft
    kind = BillKind.REBILL if i.old else BillKind.REGULAR
    replaces = i.old.pk if i.old else None
    return (
        i.number, d.account_id, d.period, d.start, d.end, kind, i.status, run_id, replaces,
        d.tariff_code, d.payment_mode, d.energy_kwh, d.total, i.paid, d.has_estimates,
        d.determinants, now, due, 0,
    )  # fmt: skip


def _line_rows(i: _Issue) -> list[tuple[Any, ...]]:
    return [
        (
            i.pk,
            position,
            line.item,
            line.name,
            line.quantity,
            line.unit,
            line.unit_price,
            line.amount,
            dict(line.detail),
        )
        for position, line in enumerate(i.draft.lines, start=1)
    ]


def _insert_bills(issues: Sequence[_Issue], run: BillingRun | None) -> None:
    now = timezone.now()
    due = timezone.localdate() + dt.timedelta(days=settings.BILLING_DUE_DAYS)
    run_id = run.pk if run else None
    rows_insert(Bill, BILL_FIELDS, [_bill_row(i, run_id, now, due) for i in issues])
    numbers = [i.number for i in issues]
    ids = dict(Bill.objects.filter(number__in=numbers).values_list("number", "pk"))
    for issue in issues:
        issue.pk = ids[issue.number]
    rows_insert(BillLine, LINE_FIELDS, [row for i in issues for row in _line_rows(i)])


def bills_write(
    drafts: Sequence[BillDraft],
    *,
    run: BillingRun | None,
    actor: User | None,
    reason: str,
) -> Written:
    """Issue the drafts of one month (inside the caller's transaction)."""
    written = Written()
    if not drafts:
        return written
    profiles, live, counts = _lock(drafts)
    issues: list[_Issue] = []
    for draft in drafts:
        old = live.get(draft.account_id)
        if old is not None and old.lines == [_line_key(line) for line in draft.lines]:
            written.unchanged += 1
            continue
        issues.append(_issue(draft, sequence=counts[draft.account_id] + 1, old=old))
    if not issues:
        return written
    olds = [i.old for i in issues if i.old is not None]
    # The one-live-bill constraint: the original is cancelled before its rebill exists.
    Bill.objects.filter(pk__in=[o.pk for o in olds]).update(
        status=BillStatus.CANCELLED, version=F("version") + 1
    )
    _insert_bills(issues, run)
    _events(issues, run=run, actor=actor, reason=reason)
    _post(issues, profiles=profiles, actor=actor)
    written.numbers = [i.number for i in issues]
    written.total = sum((i.draft.total for i in issues), ZERO)
    written.rebilled = len(olds)
    return written


def _events(
    issues: Sequence[_Issue], *, run: BillingRun | None, actor: User | None, reason: str
) -> None:
    now = timezone.now()
    actor_id = actor.pk if actor else None
    rows = []
    for issue in issues:
        detail: dict[str, Any] = {"run": run.pk} if run else {}
        old = issue.old
        if old is not None:
            detail.update(replaces=old.number, reason=reason)
            replaced = {"by": issue.number, "reason": reason, "status": old.status}
            rows.append((old.pk, BillEventKind.REPLACED, now, actor_id, replaced))
        rows.append((issue.pk, BillEventKind.ISSUED, now, actor_id, detail))
    rows_insert(BillEvent, ("bill", "kind", "at", "actor", "detail"), rows)


def _post(issues: Sequence[_Issue], *, profiles: dict[int, list[Any]], actor: User | None) -> None:
    """Ledger rows of the issued bills, with each account's running balance."""
    deducted = _deducted([i.draft for i in issues])
    olds = [i.old for i in issues if i.old is not None]
    posted = dict(
        LedgerEntry.objects.filter(key__in=[f"bill:{o.number}" for o in olds]).values_list(
            "key", "amount"
        )
    )
    now = timezone.now()
    actor_id = actor.pk if actor else None
    rows: list[tuple[Any, ...]] = []
    touched: dict[int, list[Any]] = {}

    def add(account: int, kind: LedgerKind, amount: Decimal, key: str, bill_id: int) -> None:
        state = profiles[account]
        state[1] += amount
        state[2] += 1
        rows.append((account, state[2], now, kind, amount, state[1], key, bill_id, "", actor_id))
        touched[account] = state

    for issue in issues:
        account, draft, old = issue.draft.account_id, issue.draft, issue.old
        if old is not None:
            original = posted.get(f"bill:{old.number}", -old.total)
            add(account, LedgerKind.BILL_CANCELLED, -original, f"cancel:{old.number}", old.pk)
        if draft.payment_mode == PaymentMode.PREPAID:
            amount = -(draft.total - deducted.get(account, ZERO))
            add(account, LedgerKind.DEDUCTION_SETTLED, amount, f"bill:{issue.number}", issue.pk)
        else:
            add(account, LedgerKind.BILL, -draft.total, f"bill:{issue.number}", issue.pk)
    fields = (
        "account", "seq", "at", "kind", "amount", "balance_after", "key", "bill", "memo", "actor",
    )  # fmt: skip
    rows_insert(LedgerEntry, fields, rows)
    profiles_update((pk, balance, version) for pk, balance, version in touched.values())


def bills_write_atomic(
    drafts: Sequence[BillDraft], *, run: BillingRun | None, actor: User | None, reason: str
) -> Written:
    """`bills_write` in its own transaction (one chunk of a run)."""
    with transaction.atomic(durable=True):
        return bills_write(drafts, run=run, actor=actor, reason=reason)


def bill_correct(
    *, actor: User | None, bill: Bill, reason: str, usage: UsageSource | None = None
) -> Bill:
    """Recompute `bill`'s month from today's determinants and tariffs and, when the lines
    differ, cancel it and issue the rebill (a manual correction, audited)."""
    reason = reason.strip()
    if not reason:
        raise DomainError(
            "billing.bill.reason_required", _("Say why the bill is corrected"), field="reason"
        )
    if bill.status == BillStatus.CANCELLED:
        raise DomainError("billing.bill.cancelled", _("A cancelled bill cannot be corrected"))
    plans = plans_load(month=bill.period, account_ids=[bill.account_id]).plans
    if not plans:
        raise DomainError("billing.bill.no_profile", _("The account has no billing profile"))
    readings = usage_read(ranges_wanted(plans), source=usage)
    draft = draft_or_hold(
        plans[0], readings, month=bill.period, min_coverage=settings.BILLING_MIN_COVERAGE
    )
    if not isinstance(draft, BillDraft):
        detail = draft.detail if draft else _("no readings")
        raise DomainError(
            "billing.bill.held",
            _("The bill cannot be recomputed: %(detail)s") % {"detail": detail},
            reason=str(draft.reason) if draft else "",
        )
    with transaction.atomic(durable=True):
        written = bills_write([draft], run=None, actor=actor, reason=reason)
        if not written.numbers:
            raise DomainError(
                "billing.bill.unchanged", _("The recomputed bill is the same; nothing to correct")
            )
        new = Bill.objects.get(number=written.numbers[0])
        audit_record(
            actor=actor,
            action="billing.bill_correct",
            obj=new,
            data={"replaces": bill.number, "total": str(new.total), "reason": reason},
        )
    return new
