"""Provider callbacks: verified by the adapter, applied once, recorded, answered.

Every callback leaves one `CallbackRecord` (its body only as a SHA-256):

- refused before anything is trusted — bad or probe signature, unknown key serial,
  timestamp more than five minutes off (a replay), undecryptable — is recorded with an
  audit entry and answered as a failure; nothing is applied;
- a payment or refund that names an unknown order or another amount is refused and
  listed for reconciliation; the provider keeps retrying, which counts `deliveries` on
  the same record instead of listing it again, and once staff have resolved it the retry
  is answered as accepted (DUPLICATE);
- a refund notice for an order we have not seen paid yet (out of order) first applies the
  payment it proves (it carries the transaction and the order's total), then the refund;
- anything else is applied at most once (`pay_apply`) and answered as accepted, a
  repeat included (DUPLICATE), so the provider stops retrying.

The record and the effects commit together in one transaction before the answer goes out.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from gridcare.billing.choices import (
    RECONCILE_VERDICTS,
    CallbackVerdict,
    PaymentStatus,
)
from gridcare.billing.models import CallbackRecord
from gridcare.billing.payments import adapter_for
from gridcare.billing.payments.base import CallbackRejected, NotConfigured, Notice, NoticeKind
from gridcare.billing.services.pay_apply import (
    Outcome,
    closed_apply,
    paid_apply,
    payment_lock,
    refund_apply,
)
from gridcare.core.audit import audit_record

logger = logging.getLogger("gridcare.billing.callbacks")
_ACCEPTED = {CallbackVerdict.APPLIED, CallbackVerdict.DUPLICATE, CallbackVerdict.NOT_SUCCESS}
_STATUS: dict[str, int] = {
    CallbackVerdict.BAD_SIGNATURE: 401,
    CallbackVerdict.STALE: 401,
    CallbackVerdict.MALFORMED: 400,
    CallbackVerdict.UNKNOWN_ORDER: 404,
    CallbackVerdict.WRONG_AMOUNT: 409,
}


@dataclass(frozen=True)
class CallbackAnswer:
    """What to tell the provider: accepted (it stops retrying) or not (HTTP `status`)."""

    accepted: bool
    verdict: str
    message: str = ""
    status: int = 200


def payment_callback_receive(
    *,
    provider: str,
    headers: Mapping[str, str],
    body: bytes,
    remote_addr: str = "",
    now: float | None = None,
) -> CallbackAnswer:
    """Verify, apply and record one callback of `provider` (wechat or alipay). A database
    that cannot be reached is answered 503, which the provider retries."""
    try:
        return _verify_and_apply(provider, headers, body, remote_addr, now)
    except DatabaseError:
        logger.exception("%s callback: database error", provider)
        return CallbackAnswer(False, "unavailable", "暂时无法处理，请重试", 503)


def _verify_and_apply(
    provider: str, headers: Mapping[str, str], body: bytes, remote_addr: str, now: float | None
) -> CallbackAnswer:
    digest = hashlib.sha256(body).hexdigest()
    try:
        adapter = adapter_for(provider)
    except NotConfigured as exc:
        return CallbackAnswer(False, CallbackVerdict.MALFORMED, exc.message, 503)
    try:
        notice = adapter.parse_callback(headers=headers, body=body, now=now or time.time())
    except CallbackRejected as rejected:
        _refused(provider, rejected, digest, remote_addr)
        return CallbackAnswer(False, rejected.verdict, rejected.message, _STATUS[rejected.verdict])
    return _receive(provider, notice, digest)


@transaction.atomic(durable=True)
def _refused(provider: str, rejected: CallbackRejected, digest: str, remote_addr: str) -> None:
    record = CallbackRecord.objects.create(
        provider=provider,
        verdict=rejected.verdict,
        detail=rejected.message[:300],
        body_sha256=digest,
    )
    audit_record(
        actor=None,
        action="billing.callback.refused",
        obj=record,
        ip=remote_addr or None,
        data={"provider": provider, "verdict": str(rejected.verdict), "reason": rejected.message},
    )
    logger.warning("%s callback refused (%s): %s", provider, rejected.verdict, rejected.message)


@transaction.atomic(durable=True)
def _receive(provider: str, notice: Notice, digest: str) -> CallbackAnswer:
    if connection.vendor == "postgresql":
        # WeChat waits 5 s for the answer: a row held longer by someone else (a billing
        # run on the account) ends in a quick 503, which the provider retries, not a hang.
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL lock_timeout = %s", [f"{settings.PAY_CALLBACK_LOCK_TIMEOUT_MS}ms"]
            )
    outcome = _apply(provider, notice)
    verdict = outcome.verdict
    if verdict in RECONCILE_VERDICTS:
        listed = _listed(provider, notice, verdict)
        if listed is not None and listed.resolved_at is None:
            CallbackRecord.objects.filter(pk=listed.pk).update(deliveries=F("deliveries") + 1)
            return CallbackAnswer(False, verdict, outcome.detail, _STATUS[verdict])
        if listed is not None:  # staff settled it: stop the provider's retries
            verdict = CallbackVerdict.DUPLICATE
    CallbackRecord.objects.create(
        provider=provider,
        verdict=verdict,
        out_trade_no=notice.out_trade_no,
        provider_txn_id=notice.txn_id,
        amount=notice.refund_amount or notice.amount,
        detail=outcome.detail[:300],
        body_sha256=digest,
        event=notice.event,
        out_refund_no=notice.out_refund_no,
        payment=outcome.payment,
    )
    if verdict in _ACCEPTED:
        return CallbackAnswer(True, verdict, outcome.detail)
    return CallbackAnswer(False, verdict, outcome.detail, _STATUS[verdict])


def _listed(provider: str, notice: Notice, verdict: str) -> CallbackRecord | None:
    """The record this callback was listed under before (the provider retries), if any."""
    return (
        CallbackRecord.objects.filter(
            provider=provider,
            provider_txn_id=notice.txn_id,
            out_trade_no=notice.out_trade_no,
            out_refund_no=notice.out_refund_no,
            verdict=verdict,
        )
        .order_by("-resolved_at", "-received_at")
        .first()
    )


def _apply(provider: str, notice: Notice) -> Outcome:
    payment = payment_lock(notice.out_trade_no)
    if notice.kind == NoticeKind.PAID:
        return paid_apply(
            payment=payment,
            provider=provider,
            txn_id=notice.txn_id,
            amount=notice.amount,
            paid_at=notice.paid_at,
            via="callback",
        )
    if payment is None or payment.provider != provider:
        return Outcome(CallbackVerdict.UNKNOWN_ORDER, None, "无此订单")
    if notice.kind == NoticeKind.CLOSED:
        return closed_apply(payment=payment, via="callback")
    if notice.kind != NoticeKind.REFUND:
        return Outcome(CallbackVerdict.NOT_SUCCESS, payment, notice.event)
    if payment.status in (PaymentStatus.CREATED, PaymentStatus.CLOSED) and notice.refund_ok:
        # Out of order: the refund notice came first; it proves the payment.
        first = paid_apply(
            payment=payment,
            provider=provider,
            txn_id=notice.txn_id,
            amount=notice.amount,
            paid_at=None,
            via="refund_notice",
        )
        if first.verdict != CallbackVerdict.APPLIED:
            return first
    return refund_apply(
        payment=payment,
        out_refund_no=notice.out_refund_no,
        ok=notice.refund_ok,
        via="callback",
        refund_id=notice.refund_id,
        amount=notice.refund_amount,
        refunded_total=notice.refund_total,
    )
