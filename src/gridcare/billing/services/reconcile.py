"""Reconciliation (manager or administrator, RECONCILE_PAYMENTS): settling the callbacks
that reported money no order explains (UNKNOWN_ORDER, WRONG_AMOUNT).

Staff either apply the money — to the order it named, at the amount that arrived, or to
an account they choose when the order is unknown — or dismiss the record with a note
(refunded in the provider's merchant console, a test payment …). Either way the record is
resolved once (a second attempt is a 409), audited, and the provider's next retry of that
callback is answered as accepted.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.billing.choices import (
    RECONCILE_VERDICTS,
    CallbackResolution,
    CallbackVerdict,
    PaymentEventKind,
    PaymentStatus,
)
from gridcare.billing.models import CallbackRecord, Payment, PaymentEvent
from gridcare.billing.services.pay_apply import payment_lock, payment_settle
from gridcare.billing.services.pay_numbers import payment_number
from gridcare.core.audit import audit_record
from gridcare.core.errors import Conflict, DomainError, NotFound, PermissionDeniedError
from gridcare.core.models import User
from gridcare.core.roles import RECONCILE_PAYMENTS
from gridcare.customers.models import Account
from gridcare.customers.selectors import accounts_visible_to


@transaction.atomic
def callback_resolve(
    *,
    actor: User,
    record: CallbackRecord,
    resolution: str,
    account: Account | None = None,
    note: str = "",
) -> CallbackRecord:
    """Settle a listed callback: `resolution` APPLIED (to its order, or to `account` when
    the order is unknown) or DISMISSED (a `note` is required)."""
    if actor.is_customer or not actor.has_perm(RECONCILE_PAYMENTS):
        raise PermissionDeniedError(
            "billing.reconcile.forbidden", _("You may not reconcile payments")
        )
    locked = CallbackRecord.objects.select_for_update().filter(pk=record.pk).first()
    if locked is None or locked.verdict not in RECONCILE_VERDICTS:
        raise NotFound("billing.callback.not_found", _("No such callback to reconcile"))
    if locked.resolved_at is not None:
        raise Conflict("billing.callback.resolved", _("This callback has already been resolved"))
    note = (note or "").strip()[:200]
    if resolution == CallbackResolution.DISMISSED and not note:
        raise DomainError("billing.reconcile.note", _("Say how it was settled"), field="note")
    if resolution == CallbackResolution.APPLIED:
        locked.payment = _apply(actor=actor, record=locked, account=account)
    elif resolution != CallbackResolution.DISMISSED:
        raise DomainError(
            "billing.reconcile.resolution", _("Unknown resolution"), field="resolution"
        )
    locked.resolution, locked.resolution_note = resolution, note
    locked.resolved_at, locked.resolved_by = timezone.now(), actor
    locked.save(
        update_fields=["payment", "resolution", "resolution_note", "resolved_at", "resolved_by"]
    )
    audit_record(
        actor=actor,
        action="billing.callback.resolve",
        obj=locked,
        data={
            "resolution": resolution,
            "note": note,
            "payment": locked.payment.out_trade_no if locked.payment else "",
        },
    )
    return locked


def _apply(*, actor: User, record: CallbackRecord, account: Account | None) -> Payment:
    if record.out_refund_no:
        raise DomainError(
            "billing.reconcile.refund",
            _("A refund notice cannot be applied as a payment; dismiss it with a note"),
        )
    if record.amount is None or record.amount <= 0 or not record.provider_txn_id:
        raise DomainError(
            "billing.reconcile.no_amount", _("This callback carries no payment to apply")
        )
    payment = payment_lock(record.out_trade_no) if record.out_trade_no else None
    if (
        record.verdict == CallbackVerdict.WRONG_AMOUNT
        and payment is not None
        and not payment.provider_txn_id
    ):
        return _apply_received_amount(actor=actor, record=record, payment=payment)
    if account is None or not accounts_visible_to(actor).filter(pk=account.pk).exists():
        raise DomainError(
            "billing.reconcile.account", _("Choose the account to credit"), field="account"
        )
    try:
        with transaction.atomic():
            created = Payment.objects.create(
                out_trade_no=payment_number("M"),
                account=account,
                provider=record.provider,
                amount=record.amount,
                status=PaymentStatus.PAID,
                provider_txn_id=record.provider_txn_id,
                reference=record.out_trade_no[:64],
                paid_at=timezone.now(),
                created_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(
            "billing.reconcile.txn_used", _("This transaction is already recorded")
        ) from exc
    created.account = account
    _reconciled(actor, created, record)
    return created


def _apply_received_amount(*, actor: User, record: CallbackRecord, payment: Payment) -> Payment:
    """The order exists but other money arrived: the order now stands for what arrived."""
    assert record.amount is not None
    ordered = payment.amount
    try:
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(
                amount=record.amount,
                status=PaymentStatus.PAID,
                provider_txn_id=record.provider_txn_id,
                paid_at=timezone.now(),
                version=F("version") + 1,
            )
    except IntegrityError as exc:
        raise Conflict(
            "billing.reconcile.txn_used", _("This transaction is already recorded")
        ) from exc
    payment.refresh_from_db()
    _reconciled(actor, payment, record, ordered=str(ordered))
    return payment


def _reconciled(actor: User, payment: Payment, record: CallbackRecord, **detail: str) -> None:
    PaymentEvent.objects.create(
        payment=payment,
        kind=PaymentEventKind.RECONCILED,
        actor=actor,
        detail={"callback": record.pk, "received": str(record.amount), **detail},
    )
    payment_settle(
        payment=payment, actor=actor, detail={"via": "reconcile", "txn": record.provider_txn_id}
    )
