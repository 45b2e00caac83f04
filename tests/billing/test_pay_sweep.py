"""Orders whose callback never came are settled by asking the provider on a schedule
(`payments_sweep`, registered with the worker's periodic jobs): paid ones are applied,
expired ones closed at the provider and here, pending refunds settled by their query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gridcare.billing.choices import LedgerKind, PaymentEventKind, PaymentStatus, RefundStatus
from gridcare.billing.models import LedgerEntry, Payment
from gridcare.billing.payments.demo.store import CLOSED
from gridcare.billing.services.payments import payment_create, payment_refresh, payments_sweep
from gridcare.billing.services.refunds import refund_create
from gridcare.core.periodic import periodic_jobs
from tests.billing.pay_support import Gateway, balanced

pytestmark = pytest.mark.django_db
MERCHANT = {"wechat": "wechat_mchid", "alipay": "alipay_appid"}


def _order(gateway: Gateway, payment: Payment):  # type: ignore[no-untyped-def]
    merchant = getattr(gateway.world.keys, MERCHANT[payment.provider])
    return gateway.world.store.order(payment.provider, merchant, payment.out_trade_no)


def _pay_at_provider(gateway: Gateway, payment: Payment) -> None:
    """The payer paid, but the callback is lost (nothing is sent)."""
    order = _order(gateway, payment)
    assert gateway.world.store.order_pay(order, txn_id=f"T{payment.pk:012d}")


def test_the_sweep_is_a_periodic_job() -> None:
    assert "billing.payments_sweep" in periodic_jobs()


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_a_paid_order_without_callback_is_settled_by_the_query(
    world, gateway: Gateway, provider: str
) -> None:  # type: ignore[no-untyped-def]
    payment = payment_create(actor=world.users["alice"], account=world.account_a, provider=provider,
                             amount=Decimal("42.00"))  # fmt: skip
    _pay_at_provider(gateway, payment)
    assert payments_sweep(now=payment.created_at + dt.timedelta(seconds=30)) == {}  # too early
    assert payments_sweep(now=payment.created_at + dt.timedelta(seconds=61)) == {"applied": 1}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.provider_txn_id == f"T{payment.pk:012d}"
    assert payment.events.get(kind=PaymentEventKind.PAID).detail["via"] == "query"
    assert LedgerEntry.objects.get(kind=LedgerKind.PAYMENT).amount == Decimal("42.00")
    assert balanced(world.account_a)


def test_an_unpaid_order_is_asked_about_once_per_interval(world, gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    payment = payment_create(actor=world.users["alice"], account=world.account_a, provider="wechat",
                             amount=Decimal("1.00"))  # fmt: skip
    at = payment.created_at + dt.timedelta(seconds=61)
    assert payments_sweep(now=at) == {"open": 1}
    assert payments_sweep(now=at) == {}  # claimed: no second query in the same round
    assert payments_sweep(now=at + dt.timedelta(seconds=61)) == {"open": 1}


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_an_expired_order_is_closed_at_the_provider_and_here(
    world, gateway: Gateway, provider: str
) -> None:  # type: ignore[no-untyped-def]
    payment = payment_create(actor=world.users["alice"], account=world.account_a, provider=provider,
                             amount=Decimal("9.00"))  # fmt: skip
    assert payments_sweep(now=payment.expires_at + dt.timedelta(seconds=1)) == {"closed": 1}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CLOSED
    assert payment.events.get(kind=PaymentEventKind.CLOSED).detail == {"via": "expired"}
    assert _order(gateway, payment).state == CLOSED
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).exists()


def test_an_order_paid_just_as_it_expires_is_applied_not_closed(world, gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    payment = payment_create(actor=world.users["alice"], account=world.account_a, provider="wechat",
                             amount=Decimal("9.00"))  # fmt: skip
    _pay_at_provider(gateway, payment)
    assert payments_sweep(now=payment.expires_at + dt.timedelta(seconds=1)) == {"applied": 1}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_checking_now_applies_money_that_arrived_after_we_closed(world, gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    payment = payment_create(actor=world.users["alice"], account=world.account_a, provider="alipay",
                             amount=Decimal("7.00"))  # fmt: skip
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CLOSED)
    _pay_at_provider(gateway, payment)
    refreshed = payment_refresh(actor=world.users["alice"], payment=payment)
    assert refreshed.status == PaymentStatus.PAID
    kinds = list(refreshed.events.values_list("kind", flat=True))
    assert kinds == [PaymentEventKind.CREATED, PaymentEventKind.QUERIED, PaymentEventKind.PAID]
    assert refreshed.events.get(kind=PaymentEventKind.PAID).detail["late"] is True
    assert balanced(world.account_a)


def test_a_refund_whose_callback_is_lost_is_settled_by_the_query(world, gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    payment = payment_create(actor=world.users["alice"], account=world.account_a, provider="wechat",
                             amount=Decimal("30.00"))  # fmt: skip
    _pay_at_provider(gateway, payment)
    payment_refresh(actor=None, payment=payment)
    refund = refund_create(actor=world.users["manager"], payment=payment, amount=Decimal("30.00"),
                           reason="重复缴费")  # fmt: skip
    assert refund.status == RefundStatus.PENDING
    later = refund.created_at + dt.timedelta(seconds=61)
    assert payments_sweep(now=later)["refund_succeeded"] == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert LedgerEntry.objects.get(kind=LedgerKind.REFUND).amount == Decimal("-30.00")
    assert balanced(world.account_a)
