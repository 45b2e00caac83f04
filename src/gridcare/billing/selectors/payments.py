"""Payment reads, through the reader's scope (`accounts.billing_accounts_visible_to`):
customers see the payments of their bound accounts, staff with `billing.view_bill` those
of their org unit's subtree. A payment outside the scope is "not found".

The reconciliation list is for staff who reconcile (`billing.change_callbackrecord`): the
provider callbacks that passed the signature check but reported money no order explains
(unknown order, wrong amount) and nobody has resolved yet. A callback naming a
payment is listed to the reconcilers whose scope holds its account; one naming no known
payment cannot be placed, so every reconciler sees it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from gridcare.billing.choices import RECONCILE_VERDICTS, LedgerKind
from gridcare.billing.models import CallbackRecord, LedgerEntry, Payment, PaymentEvent, Refund
from gridcare.billing.selectors.accounts import billing_accounts_visible_to
from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.core.params import EARLIEST_DATE, LATEST_DATE, MAX_INT
from gridcare.core.roles import RECONCILE_PAYMENTS

#: Verdicts of callbacks that were verified but reported money no order explains:
#: someone must settle them (services.reconcile).
NEEDS_ATTENTION = RECONCILE_VERDICTS
_DAY = dt.timedelta(days=1)


def payments_visible_to(user: User) -> QuerySet[Payment]:
    scope = billing_accounts_visible_to(user).values("pk")
    return Payment.objects.filter(account__in=scope).select_related("account", "bill")


@dataclass(frozen=True)
class PaymentFilters:
    """What a payment search narrows by; empty values do not narrow. `number` matches the
    payment number (out_trade_no), the provider's transaction id or the receipt / bank
    reference exactly, or the start of a payment number; `created_from`/`created_to` are
    Beijing days, inclusive."""

    account_number: str = ""
    number: str = ""
    provider: str = ""
    status: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None


def payment_search(*, user: User, filters: PaymentFilters) -> QuerySet[Payment]:
    """The reader's payments matching `filters`, newest first."""
    payments = payments_visible_to(user)
    if filters.account_number:
        payments = payments.filter(account__number=filters.account_number)
    if filters.number:
        payments = payments.filter(
            Q(out_trade_no__startswith=filters.number)
            | Q(provider_txn_id=filters.number)
            | Q(reference=filters.number)
        )
    if filters.provider:
        payments = payments.filter(provider=filters.provider)
    if filters.status:
        payments = payments.filter(status=filters.status)
    if filters.created_from is not None:
        payments = payments.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to is not None:
        payments = payments.filter(created_at__lt=_day_start(filters.created_to) + _DAY)
    return payments.order_by("-created_at", "-pk")


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight in Beijing; days outside the years GridCare holds select like the nearest
    day inside (and keep the arithmetic inside Python's date range)."""
    day = min(max(day, EARLIEST_DATE), LATEST_DATE)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def payment_get_for_user(*, user: User, out_trade_no: str) -> Payment:
    """One payment with its events and refunds (oldest first)."""
    payment = (
        payments_visible_to(user)
        .filter(out_trade_no=out_trade_no)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("events", queryset=PaymentEvent.objects.order_by("at", "pk")),
            Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "pk")),
        )
        .first()
    )
    if payment is None:
        raise NotFound("billing.payment.not_found", "缴费记录不存在")
    return payment


def reconciliation_list(*, user: User, include_resolved: bool = False) -> QuerySet[CallbackRecord]:
    """Callbacks needing attention, newest first (none for a reader who may not reconcile)."""
    if user.is_customer or not user.has_perm(RECONCILE_PAYMENTS):
        return CallbackRecord.objects.none()
    records = CallbackRecord.objects.filter(verdict__in=NEEDS_ATTENTION).select_related(
        "payment", "resolved_by"
    )
    if not include_resolved:
        records = records.filter(resolved_at__isnull=True)
    known = Payment.objects.values("out_trade_no")
    in_scope = payments_visible_to(user).values("out_trade_no")
    return records.filter(Q(out_trade_no__in=in_scope) | ~Q(out_trade_no__in=known)).order_by(
        "-received_at", "-pk"
    )


def reconciliation_get_for_user(*, user: User, record_id: int) -> CallbackRecord:
    # An id no bigint holds is simply not there (the query would fail on PostgreSQL).
    in_range = 0 < record_id <= MAX_INT
    records = reconciliation_list(user=user, include_resolved=True)
    record = records.filter(pk=record_id).first() if in_range else None
    if record is None:
        raise NotFound("billing.callback.not_found", "回调记录不存在")
    return record


def payment_ledger_entry(*, payment: Payment) -> LedgerEntry | None:
    """The ledger entry that credited `payment` (None until it is applied): the receipt
    prints the balance after it."""
    return (
        LedgerEntry.objects.filter(payment=payment, kind=LedgerKind.PAYMENT).order_by("seq").first()
    )


def offline_payment_recorded(
    *, provider: str, reference: str, account_id: int, amount: Decimal
) -> Payment | None:
    """The counter or transfer payment already recorded under `reference` for this account
    and amount (a form submitted twice), if any."""
    return Payment.objects.filter(
        provider=provider, provider_txn_id=reference, account_id=account_id, amount=amount
    ).first()
