"""Payments: online orders at WeChat Pay and Alipay, cash at the counter, bank transfers,
and the sweep that settles orders whose callback never came.

An online payment is created in two steps on purpose: the order row (CREATED) commits
before the provider is called, so no database lock is held across the network and a
callback can never arrive for an order we have not stored; the provider's checkout (QR
content or phone redirect) is then saved on it. If the provider refuses or cannot be
reached, the order is closed with the reason. Callbacks are `pay_callbacks`; what applying
a payment does is `pay_apply`. Amounts are yuan, Decimal, to the fen; a payment may be for
a bill (paid first), for less than it (partial), more (the rest is credit), or without
one (a prepaid top-up or any arrears).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from gridcare.billing.choices import (
    ONLINE_PROVIDERS,
    BillStatus,
    PaymentEventKind,
    PaymentStatus,
    Provider,
)
from gridcare.billing.models import Bill, BillingProfile, Payment, PaymentEvent
from gridcare.billing.payments import adapter_for
from gridcare.billing.payments.base import Device, TradeState
from gridcare.billing.services.pay_apply import (
    closed_apply,
    paid_apply,
    payment_lock,
    payment_settle,
)
from gridcare.billing.services.pay_numbers import payment_amount_check, payment_number
from gridcare.billing.services.refunds import refunds_sweep
from gridcare.core.audit import audit_record
from gridcare.core.errors import Conflict, DomainError, NotFound, PermissionDeniedError
from gridcare.core.models import User
from gridcare.core.roles import RECONCILE_PAYMENTS, TAKE_PAYMENT
from gridcare.customers.models import Account
from gridcare.customers.selectors import accounts_visible_to

logger = logging.getLogger("gridcare.billing.payments")


def _payable(*, actor: User, account: Account, bill: Bill | None) -> None:
    if not accounts_visible_to(actor).filter(pk=account.pk).exists():
        raise NotFound("customers.account.not_found", _("No such account"), field="account")
    if not BillingProfile.objects.filter(account=account).exists():
        raise NotFound("billing.profile.not_found", _("This account is not billed yet"))
    if bill is not None and (
        bill.account_id != account.pk
        or bill.status not in (BillStatus.ISSUED, BillStatus.PARTIALLY_PAID)
    ):
        raise DomainError("billing.payment.bill", _("This bill cannot be paid"), field="bill")


def payment_create(
    *,
    actor: User,
    account: Account,
    provider: str,
    amount: Decimal,
    bill: Bill | None = None,
    device: str = Device.DESKTOP,
    client_ip: str = "",
    return_url: str = "",
) -> Payment:
    """An online payment order at WeChat Pay or Alipay; the returned payment's `checkout`
    holds `code_url` (desktop: show it as a QR code) or `redirect_url` (phone: send the
    browser there; `return_url` is where the provider sends it back)."""
    if provider not in ONLINE_PROVIDERS:
        raise DomainError("billing.payment.provider", _("Unknown payment method"), field="provider")
    if device not in Device.__members__.values():
        raise DomainError("billing.payment.device", _("Unknown device"), field="device")
    amount = payment_amount_check(amount)
    _payable(actor=actor, account=account, bill=bill)
    adapter = adapter_for(provider)  # NotConfigured (503) before anything is written
    payment = _payment_open(
        actor=actor, account=account, provider=provider, amount=amount, bill=bill
    )
    with override("zh-hans"):  # what the payer's wallet shows
        subject = _("Electricity, account %(number)s") % {"number": account.number}
    try:
        checkout = adapter.create(
            out_trade_no=payment.out_trade_no,
            amount=amount,
            subject=subject,
            device=Device(device),
            expires_at=payment.expires_at or timezone.now(),
            client_ip=client_ip,
            return_url=return_url,
        )
    except DomainError as exc:
        _payment_close(payment, via="create_failed", detail={"error": exc.code})
        raise
    payment.checkout = {**checkout.to_dict(), "device": device}
    Payment.objects.filter(pk=payment.pk).update(checkout=payment.checkout)
    return payment


@transaction.atomic(durable=True)
def _payment_open(
    *, actor: User, account: Account, provider: str, amount: Decimal, bill: Bill | None
) -> Payment:
    now = timezone.now()
    payment = Payment.objects.create(
        out_trade_no=payment_number("P"),
        account=account,
        bill=bill,
        provider=provider,
        amount=amount,
        created_by=actor,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=settings.PAY_ORDER_MINUTES),
    )
    PaymentEvent.objects.create(
        payment=payment,
        kind=PaymentEventKind.CREATED,
        actor=actor,
        detail={"amount": str(amount), "bill": bill.number if bill else ""},
    )
    return payment


@transaction.atomic
def _payment_close(payment: Payment, *, via: str, detail: dict[str, str] | None = None) -> bool:
    """CREATED → CLOSED once (compare-and-set), with its event."""
    if not Payment.objects.filter(pk=payment.pk, status=PaymentStatus.CREATED).update(
        status=PaymentStatus.CLOSED, version=F("version") + 1
    ):
        return False
    payment.status = PaymentStatus.CLOSED
    PaymentEvent.objects.create(
        payment=payment, kind=PaymentEventKind.CLOSED, detail={"via": via, **(detail or {})}
    )
    return True


def payment_record_counter(
    *, actor: User, account: Account, amount: Decimal, receipt_number: str, bill: Bill | None = None
) -> Payment:
    """Cash taken at the business-hall counter against receipt `receipt_number` (clerk,
    TAKE_PAYMENT). The same receipt again returns the first payment; on another account
    or amount it is a 409."""
    return _record_offline(
        actor=actor,
        account=account,
        amount=amount,
        reference=receipt_number,
        bill=bill,
        provider=Provider.COUNTER_CASH,
        prefix="C",
        permissions=(TAKE_PAYMENT,),
    )


def payment_record_transfer(
    *,
    actor: User,
    account: Account,
    amount: Decimal,
    reference: str,
    received_on: dt.date | None = None,
    bill: Bill | None = None,
) -> Payment:
    """A bank transfer staff found on the statement (`reference`: the bank's serial)."""
    return _record_offline(
        actor=actor,
        account=account,
        amount=amount,
        reference=reference,
        bill=bill,
        provider=Provider.BANK_TRANSFER,
        prefix="T",
        received_on=received_on,
        permissions=(TAKE_PAYMENT, RECONCILE_PAYMENTS),
    )


def _record_offline(
    *,
    actor: User,
    account: Account,
    amount: Decimal,
    reference: str,
    bill: Bill | None,
    provider: str,
    prefix: str,
    permissions: tuple[str, ...],
    received_on: dt.date | None = None,
) -> Payment:
    if actor.is_customer or not any(actor.has_perm(p) for p in permissions):
        raise PermissionDeniedError("billing.payment.forbidden", _("You may not record payments"))
    reference = (reference or "").strip()
    if not reference or len(reference) > 64 or not reference.isprintable():
        raise DomainError(
            "billing.payment.reference", _("Enter the receipt or bank reference"), field="reference"
        )
    amount = payment_amount_check(amount)
    _payable(actor=actor, account=account, bill=bill)
    try:
        written = _offline_write(
            actor=actor,
            account=account,
            amount=amount,
            reference=reference,
            bill=bill,
            provider=provider,
            prefix=prefix,
            received_on=received_on,
        )
    except IntegrityError:
        written = None  # the same reference recorded by a concurrent request
    if written is not None:
        return written
    return _offline_repeat(account=account, amount=amount, reference=reference, provider=provider)


def _offline_repeat(*, account: Account, amount: Decimal, reference: str, provider: str) -> Payment:
    found = Payment.objects.get(provider=provider, provider_txn_id=reference)
    if found.account_id != account.pk or found.amount != amount:
        raise Conflict(
            "billing.payment.reference_used",
            _("This reference is already recorded for another payment"),
            field="reference",
        )
    return found


@transaction.atomic
def _offline_write(
    *,
    actor: User,
    account: Account,
    amount: Decimal,
    reference: str,
    bill: Bill | None,
    provider: str,
    prefix: str,
    received_on: dt.date | None,
) -> Payment | None:
    """The payment, or None when `reference` is already recorded."""
    if Payment.objects.filter(provider=provider, provider_txn_id=reference).exists():
        return None
    now = timezone.now()
    payment = Payment.objects.create(
        out_trade_no=payment_number(prefix),
        account=account,
        bill=bill,
        provider=provider,
        amount=amount,
        status=PaymentStatus.PAID,
        provider_txn_id=reference,
        reference=reference,
        paid_at=now,
        created_by=actor,
    )
    detail = {"via": provider, "reference": reference}
    if received_on:
        detail["received_on"] = received_on.isoformat()
    payment_settle(payment=payment, actor=actor, detail=detail)
    audit_record(actor=actor, action=f"billing.payment.{provider}", obj=payment, data=detail)
    return payment


def payment_refresh(*, actor: User | None, payment: Payment) -> Payment:
    """Ask the provider about an unpaid online order now ("I have paid" on the portal, a
    console check); applies it if paid. The caller has checked `actor` may see it."""
    if payment.provider in ONLINE_PROVIDERS and payment.status in (
        PaymentStatus.CREATED,
        PaymentStatus.CLOSED,
    ):
        _settle(payment, actor=actor, now=timezone.now(), record_query=True)
        payment.refresh_from_db()
    return payment


def _settle(
    payment: Payment, *, actor: User | None, now: dt.datetime, record_query: bool = False
) -> str:
    """Query one open order; apply it if paid, close it if expired (at the provider first:
    a close refused because the payer just paid is followed by applying the payment)."""
    adapter = adapter_for(payment.provider)
    trade = adapter.query(out_trade_no=payment.out_trade_no)
    expired = payment.expires_at is not None and payment.expires_at <= now
    open_there = trade.state in (TradeState.NOTPAY, TradeState.MISSING)
    if open_there and expired and not adapter.close(out_trade_no=payment.out_trade_no):
        trade = adapter.query(out_trade_no=payment.out_trade_no)
    with transaction.atomic(durable=True):
        locked = payment_lock(payment.out_trade_no)
        assert locked is not None
        if record_query:
            PaymentEvent.objects.create(
                payment=locked,
                kind=PaymentEventKind.QUERIED,
                actor=actor,
                detail={"state": str(trade.state)},
            )
        if trade.state == TradeState.PAID:
            outcome = paid_apply(
                payment=locked,
                provider=locked.provider,
                txn_id=trade.txn_id,
                amount=trade.amount,
                paid_at=trade.paid_at,
                via="query",
                actor=actor,
            )
            if outcome.detail:
                logger.warning("query of %s: %s", payment.out_trade_no, outcome.detail)
            return str(outcome.verdict)
        if trade.state == TradeState.CLOSED or expired:
            closed_apply(
                payment=locked, via="query" if trade.state == TradeState.CLOSED else "expired"
            )
            return "closed"
    return "open"


def payments_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job: settle online orders that got no callback (queried from
    PAY_QUERY_AFTER_SECONDS after creation, once per that interval; each claimed by
    compare-and-set so parallel workers never query one order twice in a round), close
    expired ones, then settle pending refunds."""
    now = now or timezone.now()
    after = dt.timedelta(seconds=settings.PAY_QUERY_AFTER_SECONDS)
    due = list(
        Payment.objects.filter(
            status=PaymentStatus.CREATED, provider__in=ONLINE_PROVIDERS, created_at__lte=now - after
        )
        .filter(Q(last_queried_at__isnull=True) | Q(last_queried_at__lte=now - after))
        .order_by("created_at")[: settings.PAY_SWEEP_BATCH]
    )
    counts: dict[str, int] = {}
    for payment in due:
        if not Payment.objects.filter(
            pk=payment.pk, status=PaymentStatus.CREATED, last_queried_at=payment.last_queried_at
        ).update(last_queried_at=now):
            continue
        try:
            result = _settle(payment, actor=None, now=now)
        except DomainError as exc:
            logger.warning("settling %s: %s %s", payment.out_trade_no, exc.code, exc.message)
            result = "failed"
        counts[result] = counts.get(result, 0) + 1
    for result, n in refunds_sweep(now=now).items():
        counts[f"refund_{result}"] = n
    return counts
