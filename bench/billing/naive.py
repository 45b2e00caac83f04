"""The baseline: the same month billed by a plain per-account ORM loop.

Each account is loaded with its own queries (`plans_load` for one account: profile,
assignments, tariffs and versions, meters), priced by the same engine from the same
determinants (read once per date range, as the run does, so the comparison is the database
side), and written row by row in its own transaction: the bill, each line, the event, the
ledger posting through `ledger_post` (which locks the profile), or the hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gridcare.billing.choices import BillEventKind, BillStatus, LedgerKind, PaymentMode
from gridcare.billing.engine.money import ZERO
from gridcare.billing.models import Bill, BillEvent, BillingHold, BillingRun, BillLine, LedgerEntry
from gridcare.billing.services.bills import bill_number
from gridcare.billing.services.ledger import ledger_post
from gridcare.billing.services.run_drafts import BillDraft, draft_or_hold
from gridcare.billing.services.run_plan import plans_load, ranges_wanted
from gridcare.billing.services.run_usage import usage_read
from gridcare.customers.models import Account


def naive_run(*, month: dt.date, account_ids: Sequence[int]) -> BillingRun:
    run = BillingRun.objects.create(period=month)
    everyone = plans_load(month=month, account_ids=account_ids).plans
    readings = usage_read(ranges_wanted(p for p in everyone if p.meters and not p.gaps))
    for account in Account.objects.filter(pk__in=account_ids).order_by("number"):
        with transaction.atomic():
            plans = plans_load(month=month, account_ids=[account.pk])
            if not plans.plans:
                continue
            result = draft_or_hold(
                plans.plans[0], readings, month=month, min_coverage=settings.BILLING_MIN_COVERAGE
            )
            if isinstance(result, BillDraft):
                _issue(account, result, run)
                run.accounts_billed += 1
            elif result is not None:
                BillingHold.objects.create(
                    run=run, account=account, reason=result.reason, detail=result.detail[:300]
                )
                run.accounts_held += 1
    run.status = "done"
    run.save()
    return run


def _issue(account: Account, draft: BillDraft, run: BillingRun) -> None:
    prepaid = draft.payment_mode == PaymentMode.PREPAID
    bill = Bill.objects.create(
        number=bill_number(draft.period, draft.number, 1),
        account=account,
        period=draft.period,
        period_start=draft.start,
        period_end=draft.end,
        run=run,
        tariff_code=draft.tariff_code,
        payment_mode=draft.payment_mode,
        energy_kwh=draft.energy_kwh,
        total=draft.total,
        paid=draft.total if prepaid else ZERO,
        status=BillStatus.PAID if prepaid or draft.total == 0 else BillStatus.ISSUED,
        has_estimates=draft.has_estimates,
        determinants=draft.determinants,
        due_date=timezone.localdate() + dt.timedelta(days=settings.BILLING_DUE_DAYS),
    )
    for position, line in enumerate(draft.lines, start=1):
        BillLine.objects.create(
            bill=bill,
            position=position,
            item=line.item,
            label=line.name,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            amount=line.amount,
            detail=dict(line.detail),
        )
    BillEvent.objects.create(bill=bill, kind=BillEventKind.ISSUED, detail={"run": run.pk})
    if prepaid:
        deducted = -sum(
            (
                e.amount
                for e in LedgerEntry.objects.filter(account=account, kind=LedgerKind.DEDUCTION)
                if e.key.endswith(tuple(f"{draft.period:%Y-%m}-{d:02d}" for d in range(1, 32)))
            ),
            Decimal(0),
        )
        amount = -(draft.total - deducted)
        kind = LedgerKind.DEDUCTION_SETTLED
    else:
        amount, kind = -draft.total, LedgerKind.BILL
    ledger_post(account=account, kind=kind, amount=amount, key=f"bill:{bill.number}", bill=bill)
