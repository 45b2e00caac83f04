"""The arrears and prepaid cycle: what other code calls.

- `after_payment(account=)`: payments call it inside their transaction once a payment is
  applied (ledger row posted, bills' `paid` updated by the allocation). It posts the late
  fee of what was just paid (arrears.late_fees_settle) and, when the account's supply is
  cut or ordered cut and everything owed is now paid, asks for reconnection
  (RECONNECT_REQUESTED, which the service app turns into a reconnection order with its
  committed time limit, or into the cancellation of a disconnection order not yet done).
- `cycle_run(today=)`: the daily job (periodic in `gridcare worker`, `gridcare billing
  cycle` by hand): prepaid deductions for the days whose readings are in, low-balance
  notices and the grace days, then the arrears steps of post-paid accounts. Every write is
  keyed, so running it again (or in two workers) changes nothing.
- For the service app: `requests_pending`, `request_mark_handled`, `supply_state_record`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gridcare.billing.choices import PaymentMode
from gridcare.billing.services.arrears import (
    ArrearsTally,
    arrears_cleared,
    arrears_run,
    late_fees_settle,
)
from gridcare.billing.services.prepaid import (
    PrepaidTally,
    UsageReader,
    prepaid_deduct,
    prepaid_watch,
    usage_read,
)
from gridcare.billing.services.supply import (
    CUT_STATES,
    profile_lock,
    reconnect_request,
    request_mark_handled,
    requests_pending,
    supply_state_record,
)
from gridcare.customers.models import Account

__all__ = [
    "CycleSummary",
    "after_payment",
    "cycle_periodic",
    "cycle_run",
    "request_mark_handled",
    "requests_pending",
    "supply_state_record",
]

logger = logging.getLogger("gridcare.worker")


def after_payment(*, account: Account) -> None:
    """Called inside the payment's transaction after it is applied to the ledger and the
    bills (see the module docstring)."""
    with transaction.atomic():
        profile = profile_lock(account_id=account.pk)
        today = timezone.localdate()
        late_fees_settle(account=profile.account, today=today)
        profile.refresh_from_db(fields=["balance", "ledger_version"])
        if profile.supply_state not in CUT_STATES:
            return
        if profile.payment_mode == PaymentMode.PREPAID:
            cleared = profile.balance >= 0
        else:
            cleared = arrears_cleared(profile=profile, today=today)
        if cleared:
            reconnect_request(
                profile=profile,
                detail={"day": today.isoformat(), "balance": str(profile.balance)},
            )


@dataclass
class CycleSummary:
    """What one run did: numbers of accounts (`waiting_for_readings`: account-days whose
    readings are not in yet) and the ¥ deducted."""

    today: dt.date
    deducted: int = 0
    deducted_amount: Decimal = Decimal("0")
    waiting_for_readings: int = 0
    low_balance_notices: int = 0
    reminders: int = 0
    disconnection_notices: int = 0
    disconnect_requests: int = 0
    held_important: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        data["deducted_amount"] = str(self.deducted_amount)
        return data


def cycle_run(*, today: dt.date, reader: UsageReader = usage_read) -> CycleSummary:
    """The day's cycle (idempotent). Prepaid deductions for the past
    `BILLING_PREPAID_CATCHUP_DAYS` days (each posted once, when its readings are in), then
    the low-balance and grace checks, then the post-paid arrears steps."""
    prepaid = PrepaidTally()
    for back in range(settings.BILLING_PREPAID_CATCHUP_DAYS, 0, -1):
        prepaid_deduct(day=today - dt.timedelta(days=back), reader=reader, tally=prepaid)
    prepaid_watch(today=today, tally=prepaid)
    arrears: ArrearsTally = arrears_run(today=today)
    return CycleSummary(
        today=today,
        deducted=prepaid.deducted,
        deducted_amount=prepaid.deducted_amount,
        waiting_for_readings=prepaid.waiting_for_readings,
        low_balance_notices=prepaid.low_balance,
        reminders=arrears.reminders,
        disconnection_notices=arrears.notices,
        disconnect_requests=prepaid.disconnect_requests + arrears.disconnect_requests,
        held_important=prepaid.held + arrears.held,
    )


def cycle_periodic() -> None:
    """What `gridcare worker` runs every hour (core.periodic): today's cycle, in-process."""
    summary = cycle_run(today=timezone.localdate())
    changed = {k: v for k, v in summary.to_dict().items() if v not in (0, "0", "0.00")}
    if len(changed) > 1:
        logger.info("Billing cycle: %s", changed)
