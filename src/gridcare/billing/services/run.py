"""The monthly billing run: every account with a billing profile billed for one month.

    plans_load (a few queries)  →  usage_read (one read per distinct date range)
      →  draft_or_hold per account (the engine, in memory)
      →  bills_write per chunk of accounts (one transaction each: lock, compare, insert)
      →  holds listed on the run

Rerunning a month gives the same bills: an account whose live bill has the same lines is
left alone (`accounts_unchanged`); one whose lines changed (late readings) is cancelled and
rebilled. A run never edits an issued bill. Accounts it cannot bill are held with the
reason (`BillingHold`, `gridcare billing holds`), never billed silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.billing.choices import HoldReason, RunStatus
from gridcare.billing.models import BillingHold, BillingRun
from gridcare.billing.services.bills import BATCH, bills_write_atomic
from gridcare.billing.services.run_drafts import BillDraft, Hold, draft_or_hold
from gridcare.billing.services.run_plan import Plans, month_end, plans_load, ranges_wanted
from gridcare.billing.services.run_usage import UsageSource, usage_read
from gridcare.core.errors import Conflict, DomainError
from gridcare.core.models import User

Progress = Callable[[str, int, int], None]

#: Accounts per transaction: big enough for bulk inserts to pay, small enough that a
#: chunk's locks are held briefly (payments on those accounts wait at most that long).
CHUNK = 2000
#: A run still RUNNING after this long died (killed process); another may start.
STALE_AFTER = dt.timedelta(hours=1)

REASON_READINGS = "determinants changed"


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _run_start(month: dt.date, actor: User | None) -> BillingRun:
    with transaction.atomic(durable=True):
        running = BillingRun.objects.select_for_update().filter(
            period=month, status=RunStatus.RUNNING
        )
        for other in running:
            if other.started_at > timezone.now() - STALE_AFTER:
                raise Conflict(
                    "billing.run.running",
                    _("A billing run for this month is already running"),
                    run=other.pk,
                )
            other.status = RunStatus.FAILED
            other.finished_at = timezone.now()
            other.save(update_fields=["status", "finished_at"])
        return BillingRun.objects.create(period=month, started_by=actor)


def _check_period(period: dt.date) -> dt.date:
    if period.day != 1:
        raise DomainError("billing.run.period", _("A billing period is a month"), field="period")
    if month_end(period) >= timezone.localdate():
        raise DomainError(
            "billing.run.period_open",
            _("The month has not ended yet; it can be billed from the 1st of the next"),
            field="period",
        )
    return period


def _price(
    plans: Plans, usage: UsageSource | None, report: Progress
) -> tuple[list[BillDraft], list[Hold]]:
    billable = [p for p in plans.plans if p.meters and not p.gaps]
    readings = usage_read(ranges_wanted(billable), source=usage)
    report("Readings", 1, 1)
    holds = [Hold(a, n, HoldReason.NO_TARIFF, "no billing profile") for a, n in plans.no_tariff]
    drafts: list[BillDraft] = []
    total = len(plans.plans)
    for done, plan in enumerate(plans.plans, start=1):
        result = draft_or_hold(
            plan, readings, month=plans.month, min_coverage=settings.BILLING_MIN_COVERAGE
        )
        if isinstance(result, BillDraft):
            drafts.append(result)
        elif result is not None:
            holds.append(result)
        if done % CHUNK == 0 or done == total:
            report("Pricing", done, total)
    return drafts, holds


def billing_run(
    *,
    period: dt.date,
    actor: User | None = None,
    progress: Progress | None = None,
    usage: UsageSource | None = None,
) -> BillingRun:
    """Bill `period` (the month's first day) for every account with a billing profile.

    `usage` replaces metering's reader (tests and the benchmark's determinants)."""
    month = _check_period(period)
    report = progress or _noop
    run = _run_start(month, actor)
    try:
        plans = plans_load(month=month)
        report("Accounts", len(plans.plans), len(plans.plans))
        drafts, holds = _price(plans, usage, report)
        for start in range(0, len(drafts), CHUNK):
            written = bills_write_atomic(
                drafts[start : start + CHUNK], run=run, actor=actor, reason=REASON_READINGS
            )
            run.accounts_billed += len(written.numbers)
            run.accounts_unchanged += written.unchanged
            run.total += written.total
            report("Bills", min(start + CHUNK, len(drafts)), len(drafts))
        _holds_save(run, holds)
    except BaseException:
        BillingRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now()
        )
        raise
    run.accounts_held = len(holds)
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.save()
    return run


def _holds_save(run: BillingRun, holds: Sequence[Hold]) -> None:
    BillingHold.objects.bulk_create(
        [
            BillingHold(run=run, account_id=h.account_id, reason=h.reason, detail=h.detail[:300])
            for h in holds
        ],
        batch_size=BATCH,
    )
