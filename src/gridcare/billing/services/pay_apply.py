"""Applying what a provider reports: money arrived, a refund went out, an order closed.

Shared by the callbacks, the provider queries (sweep and "check now"), counter and
transfer receipts and reconciliation, so each fact is applied one way:

1. The payment row is locked (`select_for_update`) before anything is decided, so two
   deliveries of one callback are serialised: the second finds the transaction recorded
   and changes nothing (DUPLICATE). The unique (provider, provider_txn_id) constraint
   backs this up across orders.
2. A payment for an unknown order, or of another amount, is never applied: the caller
   lists it for reconciliation (UNKNOWN_ORDER, WRONG_AMOUNT).
3. Money that arrives for an order we had closed is applied anyway (the payer paid; the
   event row says it came late).
4. Applying a payment: status PAID, a PaymentEvent, the ledger PAYMENT (+amount, key
   `pay:<out_trade_no>`), allocation to bills, then `cycle.after_payment`.
5. Applying a refund: the Refund SUCCEEDED, Payment.refunded and its status, a
   PaymentEvent, the ledger REFUND (−amount, key `refund:<out_refund_no>`), bills the
   balance no longer covers reopened.

Every function here runs inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gridcare.billing.choices import (
    CallbackVerdict,
    LedgerKind,
    PaymentEventKind,
    PaymentStatus,
    RefundStatus,
)
from gridcare.billing.models import Payment, PaymentEvent, Refund
from gridcare.billing.services.allocation import allocation_apply, allocation_release
from gridcare.billing.services.cycle import after_payment
from gridcare.billing.services.ledger import ledger_post
from gridcare.core.models import User

PAID_STATES = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True)
class Outcome:
    verdict: str
    payment: Payment | None = None
    detail: str = ""


def payment_lock(out_trade_no: str) -> Payment | None:
    """The payment, locked for this transaction (its account fetched alongside, unlocked)."""
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(out_trade_no=out_trade_no)
        .first()
    )


def paid_apply(
    *,
    payment: Payment | None,
    provider: str,
    txn_id: str,
    amount: Decimal | None,
    paid_at: datetime | None,
    via: str,
    actor: User | None = None,
) -> Outcome:
    """Record that `payment` (locked) was paid by the provider's transaction `txn_id`."""
    if payment is None or payment.provider != provider:
        return Outcome(CallbackVerdict.UNKNOWN_ORDER, None, "无此订单")
    if payment.provider_txn_id:
        if payment.provider_txn_id == txn_id:
            return Outcome(CallbackVerdict.DUPLICATE, payment)
        return Outcome(CallbackVerdict.UNKNOWN_ORDER, payment, "订单已由另一笔交易支付")
    if amount != payment.amount:
        return Outcome(
            CallbackVerdict.WRONG_AMOUNT, payment, f"订单 {payment.amount}，到账 {amount}"
        )
    late = payment.status == PaymentStatus.CLOSED
    when = paid_at or timezone.now()
    try:
        # A savepoint (two plain statements) rather than a look-up first: the unique
        # (provider, provider_txn_id) constraint refuses a transaction already recorded on
        # another order, and this keeps the refusal answerable.
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(
                status=PaymentStatus.PAID,
                provider_txn_id=txn_id,
                paid_at=when,
                version=F("version") + 1,
            )
    except IntegrityError:
        return Outcome(CallbackVerdict.UNKNOWN_ORDER, payment, "该交易号已记在另一订单上")
    payment.status, payment.provider_txn_id, payment.paid_at = PaymentStatus.PAID, txn_id, when
    payment_settle(payment=payment, actor=actor, detail={"via": via, "txn": txn_id, "late": late})
    return Outcome(CallbackVerdict.APPLIED, payment, "订单关闭后到账" if late else "")


def payment_settle(*, payment: Payment, actor: User | None, detail: dict[str, Any]) -> None:
    """Steps 4: the event, the ledger, the bills, the cycle hook (payment already PAID)."""
    PaymentEvent.objects.create(
        payment=payment, kind=PaymentEventKind.PAID, actor=actor, detail=detail
    )
    entry, _created = ledger_post(
        account=payment.account,
        kind=LedgerKind.PAYMENT,
        amount=payment.amount,
        key=f"pay:{payment.out_trade_no}",
        payment=payment,
        actor=actor,
        memo=f"{payment.get_provider_display()} {payment.provider_txn_id}"[:200],
    )
    allocation_apply(
        account=payment.account,
        actor=actor,
        payment=payment,
        prefer_id=payment.bill_id,
        balance=entry.balance_after,
    )
    after_payment(account=payment.account)


def closed_apply(*, payment: Payment, via: str, actor: User | None = None) -> Outcome:
    """The provider closed the (locked) order unpaid: close ours too, once."""
    if payment.status != PaymentStatus.CREATED:
        return Outcome(CallbackVerdict.DUPLICATE, payment)
    Payment.objects.filter(pk=payment.pk).update(
        status=PaymentStatus.CLOSED, version=F("version") + 1
    )
    payment.status = PaymentStatus.CLOSED
    PaymentEvent.objects.create(
        payment=payment, kind=PaymentEventKind.CLOSED, actor=actor, detail={"via": via}
    )
    return Outcome(CallbackVerdict.APPLIED, payment)


def refund_apply(
    *,
    payment: Payment,
    out_refund_no: str,
    ok: bool,
    via: str,
    refund_id: str = "",
    amount: Decimal | None = None,
    refunded_total: Decimal | None = None,
    actor: User | None = None,
) -> Outcome:
    """Record the provider's word on refund `out_refund_no` of the (locked, paid) payment.
    A refund we did not ask for (made in the provider's merchant console) is recorded too;
    `refunded_total` is the trade's refunded sum when the provider gives only that."""
    refund = Refund.objects.select_for_update().filter(out_refund_no=out_refund_no).first()
    if refund is not None and refund.payment_id != payment.pk:
        return Outcome(CallbackVerdict.UNKNOWN_ORDER, payment, "退款单属于另一订单")
    if refund is None:
        if not ok:
            return Outcome(CallbackVerdict.NOT_SUCCESS, payment, "未知退款单未成功")
        if amount is None and refunded_total is not None:
            amount = refunded_total - payment.refunded
        if amount is None or amount <= 0:
            return Outcome(CallbackVerdict.WRONG_AMOUNT, payment, "退款金额无法确定")
        refund = Refund.objects.create(
            out_refund_no=out_refund_no,
            payment=payment,
            amount=amount,
            reason="在支付平台发起的退款",
            provider_refund_id=refund_id,
        )
    if refund.status == RefundStatus.SUCCEEDED:
        return Outcome(CallbackVerdict.DUPLICATE, payment)
    if not ok:
        return _refund_failed(payment, refund, via, actor)
    if amount is not None and amount != refund.amount:
        return Outcome(
            CallbackVerdict.WRONG_AMOUNT, payment, f"退款 {refund.amount}，通知 {amount}"
        )
    if payment.status not in PAID_STATES or payment.refunded + refund.amount > payment.amount:
        return Outcome(CallbackVerdict.WRONG_AMOUNT, payment, "退款超过已付金额")
    refund_settle(payment=payment, refund=refund, via=via, refund_id=refund_id, actor=actor)
    return Outcome(CallbackVerdict.APPLIED, payment)


def _refund_failed(payment: Payment, refund: Refund, via: str, actor: User | None) -> Outcome:
    if refund.status == RefundStatus.PENDING:
        Refund.objects.filter(pk=refund.pk).update(
            status=RefundStatus.FAILED, completed_at=timezone.now()
        )
        PaymentEvent.objects.create(
            payment=payment,
            kind=PaymentEventKind.REFUND_FAILED,
            actor=actor,
            detail={"refund": refund.out_refund_no, "via": via},
        )
        return Outcome(CallbackVerdict.NOT_SUCCESS, payment, "退款失败")
    return Outcome(CallbackVerdict.DUPLICATE, payment)


def refund_settle(
    *, payment: Payment, refund: Refund, via: str, refund_id: str = "", actor: User | None = None
) -> None:
    """Step 5 for a refund that succeeded (payment locked by the caller)."""
    Refund.objects.filter(pk=refund.pk).update(
        status=RefundStatus.SUCCEEDED,
        completed_at=timezone.now(),
        provider_refund_id=refund_id or refund.provider_refund_id,
    )
    refund.status = RefundStatus.SUCCEEDED
    payment.refunded += refund.amount
    payment.status = (
        PaymentStatus.REFUNDED
        if payment.refunded >= payment.amount
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    payment.version += 1
    payment.save(update_fields=["refunded", "status", "version"])
    PaymentEvent.objects.create(
        payment=payment,
        kind=PaymentEventKind.REFUNDED,
        actor=actor,
        detail={"refund": refund.out_refund_no, "amount": str(refund.amount), "via": via},
    )
    ledger_post(
        account=payment.account,
        kind=LedgerKind.REFUND,
        amount=-refund.amount,
        key=f"refund:{refund.out_refund_no}",
        payment=payment,
        actor=actor,
        memo=refund.reason[:200],
    )
    allocation_release(account=payment.account, actor=actor, amount=refund.amount, payment=payment)
