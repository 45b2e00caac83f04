"""Refunds by a manager or administrator: through the provider (Alipay answers at once;
WeChat's come by callback or query — see test_pay_flow and test_pay_sweep), cash paid back
at the counter, never more than was paid, a provider's refusal recorded as FAILED."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gridcare.billing.choices import (
    BillStatus,
    LedgerKind,
    PaymentEventKind,
    PaymentStatus,
    RefundStatus,
)
from gridcare.billing.models import LedgerEntry, Payment, Refund
from gridcare.billing.services.payments import (
    payment_create,
    payment_record_counter,
    payment_refresh,
)
from gridcare.billing.services.refunds import refund_create
from gridcare.core.errors import DomainError, PermissionDeniedError
from tests.billing.pay_support import Gateway, balanced, issue_bill, open_order

pytestmark = pytest.mark.django_db


def _paid_alipay(world, gateway: Gateway, amount: str) -> Payment:  # type: ignore[no-untyped-def]
    payment = payment_create(actor=world.users["alice"], account=world.account_a, provider="alipay",
                             amount=Decimal(amount))  # fmt: skip
    store = gateway.world.store
    order = store.order("alipay", gateway.world.keys.alipay_appid, payment.out_trade_no)
    store.order_pay(order, txn_id=f"A{payment.pk:010d}")
    return payment_refresh(actor=None, payment=payment)


def test_an_alipay_refund_succeeds_at_once(world, gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    payment = _paid_alipay(world, gateway, "100.00")
    refund = refund_create(actor=world.users["manager"], payment=payment, amount=Decimal("40.00"),
                           reason="多缴")  # fmt: skip
    assert refund.status == RefundStatus.SUCCEEDED
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert payment.refunded == Decimal("40.00")
    kinds = list(payment.events.values_list("kind", flat=True))
    assert kinds[-2:] == [PaymentEventKind.REFUND_REQUESTED, PaymentEventKind.REFUNDED]
    assert LedgerEntry.objects.get(kind=LedgerKind.REFUND).amount == Decimal("-40.00")
    with pytest.raises(DomainError) as caught:
        refund_create(
            actor=world.users["admin"], payment=payment, amount=Decimal("60.01"), reason="再退"
        )
    assert caught.value.code == "billing.refund.too_much"
    refund_create(
        actor=world.users["admin"], payment=payment, amount=Decimal("60.00"), reason="再退"
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert balanced(world.account_a)


def test_only_managers_and_admins_refund(world) -> None:  # type: ignore[no-untyped-def]
    payment = payment_record_counter(actor=world.users["clerk_s1"], account=world.account_a,
                                     amount=Decimal("10.00"), receipt_number="R-9")  # fmt: skip
    for name in ("clerk_s1", "agent_s1", "alice"):
        with pytest.raises(PermissionDeniedError):
            refund_create(
                actor=world.users[name], payment=payment, amount=Decimal("1.00"), reason="x"
            )
    with pytest.raises(DomainError) as caught:
        refund_create(
            actor=world.users["manager"], payment=payment, amount=Decimal("1.00"), reason=" "
        )
    assert caught.value.code == "billing.refund.reason"
    assert not Refund.objects.exists()


def test_a_cash_refund_reopens_the_bill_it_had_paid(world) -> None:  # type: ignore[no-untyped-def]
    bill = issue_bill(world.account_a, "90.00")
    payment = payment_record_counter(actor=world.users["clerk_s1"], account=world.account_a,
                                     amount=Decimal("100.00"), receipt_number="R-10", bill=bill)  # fmt: skip
    refund = refund_create(actor=world.users["manager"], payment=payment, amount=Decimal("30.00"),
                           reason="收错金额")  # fmt: skip
    assert refund.status == RefundStatus.SUCCEEDED
    bill.refresh_from_db()
    # 10 of the refund was credit; the other 20 reopens the bill.
    assert bill.status == BillStatus.PARTIALLY_PAID
    assert bill.paid == Decimal("70.00")
    assert bill.events.filter(kind="refund").get().detail["amount"] == "20.00"
    assert balanced(world.account_a)


def test_an_unpaid_order_cannot_be_refunded(world, demo_pay) -> None:  # type: ignore[no-untyped-def]
    payment = open_order(world.account_a, "wechat", "10.00")
    with pytest.raises(DomainError) as caught:
        refund_create(
            actor=world.users["manager"], payment=payment, amount=Decimal("1.00"), reason="x"
        )
    assert caught.value.code == "billing.refund.not_paid"


def test_a_refund_the_provider_refuses_is_recorded_failed(world, gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    # Paid here, unknown at the provider: WeChat refuses the refund.
    payment = open_order(world.account_a, "wechat", "10.00")
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.PAID, provider_txn_id="4200X")
    payment.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        refund_create(
            actor=world.users["manager"], payment=payment, amount=Decimal("5.00"), reason="x"
        )
    assert caught.value.code == "billing.payment.provider_refused"
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.FAILED
    assert payment.events.filter(kind=PaymentEventKind.REFUND_FAILED).exists()
    assert not LedgerEntry.objects.filter(kind=LedgerKind.REFUND).exists()
