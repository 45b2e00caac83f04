"""Alipay notifies at POST /webhooks/pay/alipay/: RSA2-verified, `app_id` checked,
TRADE_SUCCESS / TRADE_FINISHED applied once with `total_amount` checked, answered with the
body `success`; anything refused gets another body, which makes Alipay retry."""

from __future__ import annotations

import time
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
import time_machine

from gridcare.billing.choices import BillStatus, CallbackVerdict, LedgerKind, PaymentStatus
from gridcare.billing.models import CallbackRecord, LedgerEntry, Payment
from gridcare.billing.payments.demo import callbacks
from gridcare.core.models import AuditLog
from tests.billing.pay_support import alipay_paid, balanced, issue_bill, open_order, post_callback

pytestmark = pytest.mark.django_db


def _payments_posted() -> int:
    return LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count()


def test_a_genuine_notify_is_applied_once_and_answered_success(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    bill = issue_bill(world.account_a, "66.00")
    payment = open_order(world.account_a, "alipay", "66.00", bill=bill)
    first = post_callback(client, "alipay", alipay_paid(demo_pay, payment, txn="2026T1"))
    assert first.status_code == 200
    assert first.content == b"success"
    # TRADE_FINISHED follows TRADE_SUCCESS for the same trade: a duplicate, still `success`.
    finished = post_callback(
        client, "alipay", alipay_paid(demo_pay, payment, txn="2026T1", status="TRADE_FINISHED")
    )
    assert finished.content == b"success"
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert bill.status == BillStatus.PAID
    assert _payments_posted() == 1
    assert list(CallbackRecord.objects.order_by("id").values_list("verdict", flat=True)) == [
        CallbackVerdict.APPLIED,
        CallbackVerdict.DUPLICATE,
    ]
    assert balanced(world.account_a)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda params: {**params, "total_amount": "0.01"},  # changed after signing
        lambda params: {**params, "sign": params["sign"][:-8] + "AAAAAAA="},
        lambda params: {**params, "sign_type": "RSA"},
        lambda params: {k: v for k, v in params.items() if k != "sign"},
    ],
    ids=["amount", "signature", "sign_type", "unsigned"],
)
def test_a_tampered_or_unsigned_notify_is_refused_and_audited(
    world, demo_pay, client, tamper
) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "alipay", "66.00")
    headers, body = alipay_paid(demo_pay, payment)
    params = tamper(dict(parse_qsl(body.decode())))
    response = post_callback(client, "alipay", (headers, urlencode(params).encode()))
    assert response.status_code == 401
    assert response.content != b"success"
    record = CallbackRecord.objects.get()
    assert record.verdict == CallbackVerdict.BAD_SIGNATURE
    assert AuditLog.objects.filter(
        action="billing.callback.refused", object_id=str(record.pk)
    ).exists()
    assert _payments_posted() == 0


def test_a_stale_or_replayed_notify_is_refused(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "alipay", "66.00")
    stale = post_callback(client, "alipay", alipay_paid(demo_pay, payment, now=time.time() - 400))
    assert stale.status_code == 401
    captured = alipay_paid(demo_pay, payment)
    assert post_callback(client, "alipay", (dict(captured[0]), captured[1])).content == b"success"
    with time_machine.travel(time.time() + 6 * 60):
        assert post_callback(client, "alipay", captured).status_code == 401
    assert CallbackRecord.objects.filter(verdict=CallbackVerdict.STALE).count() == 2
    assert AuditLog.objects.filter(action="billing.callback.refused").count() == 2
    assert _payments_posted() == 1
    assert balanced(world.account_a)


def test_another_apps_notify_is_refused(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "alipay", "66.00")
    fields = callbacks.alipay_trade(out_trade_no=payment.out_trade_no, txn_id="T9", total="66.00")
    # Genuinely signed by Alipay, but for another app.
    signed = callbacks.alipay_notify(demo_pay, {**fields, "app_id": "2021000000000009"})
    assert post_callback(client, "alipay", signed).status_code == 400
    assert CallbackRecord.objects.get().verdict == CallbackVerdict.MALFORMED
    assert _payments_posted() == 0


def test_unknown_order_and_wrong_amount_are_refused_and_listed(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    ghost = Payment(out_trade_no="P20260101000000000009", amount=Decimal("12.00"), pk=7)
    assert (
        post_callback(client, "alipay", alipay_paid(demo_pay, ghost, txn="T-ghost")).status_code
        == 404
    )
    payment = open_order(world.account_a, "alipay", "66.00")
    wrong = post_callback(client, "alipay", alipay_paid(demo_pay, payment, total="60.00"))
    assert wrong.status_code == 409
    assert wrong.content == b"fail"
    listed = {r.verdict: r for r in CallbackRecord.objects.all()}
    assert listed[CallbackVerdict.UNKNOWN_ORDER].amount == Decimal("12.00")
    assert listed[CallbackVerdict.WRONG_AMOUNT].amount == Decimal("60.00")
    assert _payments_posted() == 0


def test_a_closed_trade_closes_the_order_and_a_later_payment_still_counts(
    world, demo_pay, client
) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "alipay", "20.00")
    closed = post_callback(client, "alipay", alipay_paid(demo_pay, payment, status="TRADE_CLOSED"))
    assert closed.content == b"success"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CLOSED
    late = post_callback(client, "alipay", alipay_paid(demo_pay, payment, txn="T-late"))
    assert late.content == b"success"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert balanced(world.account_a)


def test_a_refund_notify_before_the_payment_notify(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "alipay", "40.00")
    refund = alipay_paid(demo_pay, payment, txn="T-r", out_biz_no="RMANUAL", refund_fee="15.00",
                         gmt_refund="2026-12-01 10:00:00")  # fmt: skip
    assert post_callback(client, "alipay", refund).content == b"success"
    assert (
        post_callback(client, "alipay", alipay_paid(demo_pay, payment, txn="T-r")).content
        == b"success"
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert payment.refunded == Decimal("15.00")
    profile = world.account_a.billing_profile.__class__.objects.get(account=world.account_a)
    assert profile.balance == Decimal("25.00")
    assert balanced(world.account_a)
