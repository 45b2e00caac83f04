"""WeChat Pay v3 callbacks at POST /webhooks/pay/wechat/: a genuine one is applied once
and answered {"code": "SUCCESS"}; forged, probing, stale or replayed ones are refused with
{"code": "FAIL"} (4xx, WeChat retries), audited, and change nothing; unknown orders and
wrong amounts are refused and listed for reconciliation."""

from __future__ import annotations

import base64
import json
import time
from decimal import Decimal

import pytest
import time_machine

from gridcare.billing.choices import BillStatus, CallbackVerdict, LedgerKind, PaymentStatus
from gridcare.billing.models import CallbackRecord, LedgerEntry, Payment
from gridcare.billing.payments.demo import callbacks
from gridcare.billing.payments.demo.world import sign
from gridcare.core.models import AuditLog
from tests.billing.pay_support import (
    balanced,
    issue_bill,
    open_order,
    post_callback,
    refund_notice,
    wechat_paid,
)

pytestmark = pytest.mark.django_db


def _nothing_applied(payment: Payment) -> bool:
    payment.refresh_from_db()
    return (
        payment.status == PaymentStatus.CREATED
        and not LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).exists()
    )


def _refused_and_audited(response, verdict: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401
    assert response.json()["code"] == "FAIL"
    record = CallbackRecord.objects.get(verdict=verdict)
    audit = AuditLog.objects.get(action="billing.callback.refused", object_id=str(record.pk))
    assert audit.data["verdict"] == verdict


def test_a_genuine_callback_pays_the_bill_once(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    bill = issue_bill(world.account_a, "120.50")
    payment = open_order(world.account_a, "wechat", "120.50", bill=bill)
    signed = wechat_paid(demo_pay, payment, txn="4200000001")
    first = post_callback(client, "wechat", signed)
    assert first.status_code == 200
    assert first.json() == {"code": "SUCCESS", "message": "成功"}
    again = post_callback(client, "wechat", wechat_paid(demo_pay, payment, txn="4200000001"))
    assert again.json()["code"] == "SUCCESS"
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.provider_txn_id == "4200000001"
    assert bill.status == BillStatus.PAID
    assert bill.paid == Decimal("120.50")
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count() == 1
    verdicts = list(CallbackRecord.objects.order_by("id").values_list("verdict", flat=True))
    assert verdicts == [CallbackVerdict.APPLIED, CallbackVerdict.DUPLICATE]
    assert balanced(world.account_a)


def test_a_tampered_body_is_refused(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "50.00")
    headers, body = wechat_paid(demo_pay, payment)
    tampered = body.replace("支付成功".encode(), "支付失败".encode())
    assert tampered != body
    response = post_callback(client, "wechat", (headers, tampered))
    _refused_and_audited(response, CallbackVerdict.BAD_SIGNATURE)
    assert _nothing_applied(payment)
    assert balanced(world.account_a)


def test_a_signature_by_another_key_is_refused(world, demo_pay, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gridcare.billing.payments.demo.world import _world

    other = _world(str(tmp_path / "other"), str(tmp_path / "gw.sqlite3"), "http://x", 0)
    payment = open_order(world.account_a, "wechat", "50.00")
    headers, body = wechat_paid(demo_pay, payment)
    stamp, nonce = headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"]
    headers["Wechatpay-Signature"] = sign(
        other.wechat_platform, f"{stamp}\n{nonce}\n{body.decode()}\n"
    )
    _refused_and_audited(
        post_callback(client, "wechat", (headers, body)), CallbackVerdict.BAD_SIGNATURE
    )
    assert _nothing_applied(payment)


def test_a_signature_probe_fails_verification(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "50.00")
    headers, body = wechat_paid(demo_pay, payment)
    headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    response = post_callback(client, "wechat", (headers, body))
    _refused_and_audited(response, CallbackVerdict.BAD_SIGNATURE)
    assert "探测" in response.json()["message"]
    assert _nothing_applied(payment)


def test_an_unknown_platform_serial_is_refused_without_calling_out(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "50.00")
    headers, body = wechat_paid(demo_pay, payment)
    headers["Wechatpay-Serial"] = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    _refused_and_audited(
        post_callback(client, "wechat", (headers, body)), CallbackVerdict.BAD_SIGNATURE
    )


def test_a_timestamp_more_than_five_minutes_off_is_refused(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "50.00")
    for skew in (-301, 301):
        signed = wechat_paid(demo_pay, payment, now=time.time() + skew)
        response = post_callback(client, "wechat", signed)
        assert response.status_code == 401
    assert CallbackRecord.objects.filter(verdict=CallbackVerdict.STALE).count() == 2
    assert AuditLog.objects.filter(action="billing.callback.refused").count() == 2
    assert _nothing_applied(payment)


def test_a_replayed_callback_is_refused_once_it_is_old(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "50.00")
    captured = wechat_paid(demo_pay, payment)
    assert post_callback(client, "wechat", (dict(captured[0]), captured[1])).status_code == 200
    with time_machine.travel(time.time() + 6 * 60):
        replay = post_callback(client, "wechat", captured)
    _refused_and_audited(replay, CallbackVerdict.STALE)
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count() == 1
    assert balanced(world.account_a)


def test_a_resource_that_does_not_decrypt_is_refused(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "50.00")
    _headers, body = wechat_paid(demo_pay, payment)
    data = json.loads(body)
    data["resource"]["ciphertext"] = base64.b64encode(b"x" * 40).decode()
    text = json.dumps(data)
    headers = callbacks.wechat_signed_headers(demo_pay, text)
    response = post_callback(client, "wechat", (headers, text.encode()))
    assert response.status_code == 400
    assert CallbackRecord.objects.get().verdict == CallbackVerdict.MALFORMED
    assert _nothing_applied(payment)


def test_another_merchants_notice_is_refused(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "50.00")
    resource = callbacks.wechat_transaction(
        demo_pay, out_trade_no=payment.out_trade_no, txn_id="42001", total_fen=5000
    )
    resource["mchid"] = "1900009999"
    signed = callbacks.wechat_callback(
        demo_pay, event_type="TRANSACTION.SUCCESS", resource=resource
    )
    assert post_callback(client, "wechat", signed).status_code == 400
    assert _nothing_applied(payment)


def test_an_unknown_order_is_refused_and_listed_once_however_often_it_comes(
    world, demo_pay, client
) -> None:  # type: ignore[no-untyped-def]
    ghost = Payment(out_trade_no="P20261201000000000000", amount=Decimal("9.99"), pk=999)
    for _ in range(3):
        response = post_callback(client, "wechat", wechat_paid(demo_pay, ghost, txn="4200999"))
        assert response.status_code == 404
        assert response.json()["code"] == "FAIL"
    record = CallbackRecord.objects.get()
    assert record.verdict == CallbackVerdict.UNKNOWN_ORDER
    assert record.deliveries == 3
    assert record.amount == Decimal("9.99")
    assert record.provider_txn_id == "4200999"
    assert not LedgerEntry.objects.exists()


def test_a_wrong_amount_is_refused_and_listed(world, demo_pay, client) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "50.00")
    response = post_callback(client, "wechat", wechat_paid(demo_pay, payment, fen=4999))
    assert response.status_code == 409
    record = CallbackRecord.objects.get()
    assert record.verdict == CallbackVerdict.WRONG_AMOUNT
    assert record.amount == Decimal("49.99")
    assert record.payment == payment
    assert _nothing_applied(payment)


def test_money_arriving_after_the_order_was_closed_is_still_applied(
    world, demo_pay, client
) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "30.00")
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CLOSED)
    response = post_callback(client, "wechat", wechat_paid(demo_pay, payment))
    assert response.json()["code"] == "SUCCESS"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.events.get(kind="paid").detail["late"] is True
    assert world.account_a.billing_profile.__class__.objects.get(
        account=world.account_a
    ).balance == Decimal("30.00")
    assert balanced(world.account_a)


def test_a_refund_notice_before_the_payment_notice_applies_both_in_order(
    world, demo_pay, client
) -> None:  # type: ignore[no-untyped-def]
    bill = issue_bill(world.account_a, "80.00")
    payment = open_order(world.account_a, "wechat", "80.00", bill=bill)
    refund = refund_notice(demo_pay, payment, out_refund_no="RCONSOLE1", fen=3000, txn="42007")
    assert post_callback(client, "wechat", refund).json()["code"] == "SUCCESS"
    late_pay = post_callback(client, "wechat", wechat_paid(demo_pay, payment, txn="42007"))
    assert late_pay.json()["code"] == "SUCCESS"
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert payment.refunded == Decimal("30.00")
    assert payment.refunds.get().out_refund_no == "RCONSOLE1"
    # 80 paid then 30 refunded: the bill is open again for 30.
    assert bill.paid == Decimal("50.00")
    assert bill.status == BillStatus.PARTIALLY_PAID
    kinds = list(
        LedgerEntry.objects.filter(account=world.account_a)
        .order_by("seq")
        .values_list("kind", flat=True)
    )
    assert kinds == [LedgerKind.BILL, LedgerKind.PAYMENT, LedgerKind.REFUND]
    verdicts = list(CallbackRecord.objects.order_by("id").values_list("verdict", flat=True))
    assert verdicts == [CallbackVerdict.APPLIED, CallbackVerdict.DUPLICATE]
    assert balanced(world.account_a)


def test_a_get_or_an_oversized_body_gets_the_failure_format(
    world, demo_pay, client, settings
) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/webhooks/pay/wechat/").json()["code"] == "FAIL"
    settings.PAY_CALLBACK_MAX_BYTES = 100
    response = client.post(
        "/webhooks/pay/wechat/", data=b"{" + b" " * 200 + b"}", content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "FAIL"
