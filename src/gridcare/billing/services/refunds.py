"""Refunds (manager or administrator, REFUND_PAYMENT): money back to the payer.

Like an order, a refund is written before the provider is called (PENDING, with its event,
committed), so the provider's REFUND notice always finds it, then the provider is asked:
success is applied at once (`pay_apply.refund_settle`), "processing" waits for the notice
or the sweep's query, a refusal marks it FAILED. A cash or transfer payment is refunded by
staff handing the money back, so it succeeds on the spot. At most what was paid and not
yet refunded (or pending) can be refunded.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.billing.choices import (
    ONLINE_PROVIDERS,
    PaymentEventKind,
    PaymentStatus,
    RefundStatus,
)
from gridcare.billing.models import Payment, PaymentEvent, Refund
from gridcare.billing.payments import adapter_for
from gridcare.billing.payments.base import ProviderRefused, RefundResult, RefundState
from gridcare.billing.services.pay_apply import payment_lock, refund_apply, refund_settle
from gridcare.billing.services.pay_numbers import payment_amount_check, payment_number
from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError, NotFound, PermissionDeniedError, Unavailable
from gridcare.core.models import User
from gridcare.core.roles import REFUND_PAYMENT
from gridcare.customers.selectors import accounts_visible_to

logger = logging.getLogger("gridcare.billing.payments")


def refund_create(*, actor: User, payment: Payment, amount: Decimal, reason: str) -> Refund:
    """Refund `amount` of `payment`; returns the refund (SUCCEEDED, PENDING or FAILED —
    a provider's refusal is also raised, after the FAILED row is stored)."""
    if actor.is_customer or not actor.has_perm(REFUND_PAYMENT):
        raise PermissionDeniedError("billing.refund.forbidden", _("You may not refund payments"))
    if not accounts_visible_to(actor).filter(pk=payment.account_id).exists():
        raise NotFound("billing.payment.not_found", _("No such payment"))
    amount = payment_amount_check(amount)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise DomainError(
            "billing.refund.reason", _("Give the reason for the refund"), field="reason"
        )
    refund = _refund_open(
        actor=actor, payment=payment, amount=amount, reason=reason, number=payment_number("R")
    )
    if payment.provider not in ONLINE_PROVIDERS:
        return refund
    try:
        result = adapter_for(payment.provider).refund(
            out_trade_no=payment.out_trade_no,
            out_refund_no=refund.out_refund_no,
            amount=amount,
            total=payment.amount,
            reason=reason,
        )
    except ProviderRefused as exc:
        _refund_result(refund, RefundResult(RefundState.FAILED, detail=exc.provider_code), actor)
        raise
    except Unavailable:
        return refund  # unknown whether it reached the provider: the sweep's query decides
    _refund_result(refund, result, actor)
    refund.refresh_from_db()
    return refund


@transaction.atomic(durable=True)
def _refund_open(
    *, actor: User, payment: Payment, amount: Decimal, reason: str, number: str
) -> Refund:
    locked = payment_lock(payment.out_trade_no)
    assert locked is not None
    if locked.status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        raise DomainError("billing.refund.not_paid", _("Only a paid payment can be refunded"))
    pending = Refund.objects.filter(payment=locked, status=RefundStatus.PENDING).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    if locked.refunded + pending + amount > locked.amount:
        raise DomainError(
            "billing.refund.too_much",
            _("At most ¥%(left)s of this payment can still be refunded")
            % {"left": f"{locked.amount - locked.refunded - pending:,.2f}"},
            field="amount",
        )
    refund = Refund.objects.create(
        out_refund_no=number, payment=locked, amount=amount, reason=reason, created_by=actor
    )
    PaymentEvent.objects.create(
        payment=locked,
        kind=PaymentEventKind.REFUND_REQUESTED,
        actor=actor,
        detail={"refund": number, "amount": str(amount), "reason": reason},
    )
    audit_record(
        actor=actor,
        action="billing.refund.create",
        obj=refund,
        data={"payment": locked.out_trade_no, "amount": str(amount)},
    )
    if locked.provider not in ONLINE_PROVIDERS:
        # Cash or transfer: staff pay it back in person, so it is done now.
        refund_settle(payment=locked, refund=refund, via=locked.provider, actor=actor)
        refund.status = RefundStatus.SUCCEEDED
    return refund


def _refund_result(refund: Refund, result: RefundResult, actor: User | None) -> None:
    """Apply what the provider said about `refund` (PENDING: nothing to do yet)."""
    if result.state == RefundState.PENDING:
        return
    with transaction.atomic(durable=True):
        payment = payment_lock(refund.payment.out_trade_no)
        assert payment is not None
        refund_apply(
            payment=payment,
            out_refund_no=refund.out_refund_no,
            ok=result.state == RefundState.SUCCEEDED,
            via="api",
            refund_id=result.refund_id,
            amount=refund.amount,
            actor=actor,
        )


def refunds_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Ask the provider about refunds still PENDING (claimed by compare-and-set)."""
    now = now or timezone.now()
    after = dt.timedelta(seconds=settings.PAY_QUERY_AFTER_SECONDS)
    due = list(
        Refund.objects.select_related("payment")
        .filter(status=RefundStatus.PENDING, created_at__lte=now - after)
        .filter(Q(last_queried_at__isnull=True) | Q(last_queried_at__lte=now - after))
        .order_by("created_at")[: settings.PAY_SWEEP_BATCH]
    )
    counts: dict[str, int] = {}
    for refund in due:
        if not Refund.objects.filter(
            pk=refund.pk, status=RefundStatus.PENDING, last_queried_at=refund.last_queried_at
        ).update(last_queried_at=now):
            continue
        try:
            result = adapter_for(refund.payment.provider).query_refund(
                out_trade_no=refund.payment.out_trade_no, out_refund_no=refund.out_refund_no
            )
            _refund_result(refund, result, None)
            key = str(result.state)
        except DomainError as exc:
            logger.warning("refund %s: %s %s", refund.out_refund_no, exc.code, exc.message)
            key = "failed_query"
        counts[key] = counts.get(key, 0) + 1
    return counts
