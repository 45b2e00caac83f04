"""Online payment orders: created at the provider over the real protocol (the demo
gateway on 127.0.0.1 speaking WeChat Pay v3 and Alipay through the SDKs), refused with a
clear 4xx for bad input, closed with the reason when the provider cannot be reached."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gridcare.billing.choices import PaymentEventKind, PaymentStatus
from gridcare.billing.models import Payment
from gridcare.billing.payments.base import ProviderUnavailable
from gridcare.billing.services.payments import payment_create
from gridcare.core.errors import DomainError, NotFound
from tests.billing.pay_support import Gateway, issue_bill

pytestmark = pytest.mark.django_db


def test_a_desktop_wechat_order_gets_a_qr_code_from_the_provider(world, gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    alice = world.users["alice"]
    payment = payment_create(
        actor=alice, account=world.account_a, provider="wechat", amount=Decimal("88.80")
    )
    assert payment.status == PaymentStatus.CREATED
    assert payment.checkout["code_url"].startswith(f"{gateway.url}/pay/")
    order = gateway.world.store.order(
        "wechat", gateway.world.keys.wechat_mchid, payment.out_trade_no
    )
    assert order is not None
    assert order.amount_fen == 8880
    assert order.trade_type == "NATIVE"
    assert order.notify_url.endswith("/webhooks/pay/wechat/")
    assert [e.kind for e in payment.events.all()] == [PaymentEventKind.CREATED]


def test_a_phone_wechat_order_redirects_and_comes_back(world, gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    payment = payment_create(
        actor=world.users["alice"], account=world.account_a, provider="wechat",
        amount=Decimal("10.00"), device="phone", return_url="http://127.0.0.1:8000/portal/x/",
    )  # fmt: skip
    url = payment.checkout["redirect_url"]
    assert parse_qs(urlsplit(url).query)["redirect_url"] == ["http://127.0.0.1:8000/portal/x/"]
    page = httpx.get(url)
    assert page.status_code == 200
    assert "¥10.00" in page.text


def test_alipay_orders_qr_on_desktop_and_a_signed_redirect_on_a_phone(
    world, gateway: Gateway
) -> None:  # type: ignore[no-untyped-def]
    alice = world.users["alice"]
    qr = payment_create(
        actor=alice, account=world.account_a, provider="alipay", amount=Decimal("5.50")
    )
    assert qr.checkout["code_url"].startswith(f"{gateway.url}/pay/")
    phone = payment_create(
        actor=alice,
        account=world.account_a,
        provider="alipay",
        amount=Decimal("6.60"),
        device="phone",
    )
    redirect = phone.checkout["redirect_url"]
    assert redirect.startswith(f"{gateway.url}/alipay/gateway.do?")
    # The phone follows the redirect: the gateway checks the app's signature and shows
    # the cashier page for the order it now holds.
    page = httpx.get(redirect)
    assert page.status_code == 200
    assert "¥6.60" in page.text
    tampered = httpx.get(redirect.replace("6.60", "0.01"))
    assert "¥0.01" not in tampered.text


@pytest.mark.parametrize("amount", ["0", "-1", "0.001", "1000000.01", "NaN"])
def test_a_bad_amount_is_a_400(world, gateway: Gateway, amount: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        payment_create(actor=world.users["alice"], account=world.account_a, provider="wechat",
                       amount=Decimal(amount))  # fmt: skip
    assert caught.value.status == 400
    assert caught.value.code == "billing.payment.amount"
    assert not Payment.objects.exists()


def test_bad_provider_device_bill_and_account_are_refused(world, gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    alice, bob_bill = world.users["alice"], issue_bill(world.account_b, "20.00")
    cases = [
        ({"provider": "paypal"}, "billing.payment.provider"),
        ({"device": "watch"}, "billing.payment.device"),
        ({"bill": bob_bill}, "billing.payment.bill"),
    ]
    for extra, code in cases:
        kwargs = {"provider": "wechat", "amount": Decimal("1.00"), **extra}
        with pytest.raises(DomainError) as caught:
            payment_create(actor=alice, account=world.account_a, **kwargs)
        assert caught.value.code == code
    with pytest.raises(NotFound):  # alice is not bound to Bob's account
        payment_create(
            actor=alice, account=world.account_b, provider="wechat", amount=Decimal("1.00")
        )
    assert not Payment.objects.exists()


def test_a_provider_that_cannot_be_reached_closes_the_order_with_the_reason(
    world, gateway: Gateway, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PAY_WECHAT_GATEWAY = "http://127.0.0.1:9/v3"  # nothing listens there
    with pytest.raises(ProviderUnavailable) as caught:
        payment_create(actor=world.users["alice"], account=world.account_a, provider="wechat",
                       amount=Decimal("3.00"))  # fmt: skip
    assert caught.value.status == 503
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.CLOSED
    closed = payment.events.get(kind=PaymentEventKind.CLOSED)
    assert closed.detail == {
        "via": "create_failed",
        "error": "billing.payment.provider_unavailable",
    }


def test_the_gateway_refuses_a_request_not_signed_by_the_merchant(
    world, gateway: Gateway, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from gridcare.billing.payments.demo_keys import demo_keys_ensure

    other = demo_keys_ensure(tmp_path / "other-keys")
    settings.PAY_WECHAT_PRIVATE_KEY = str(other.private("wechat-merchant"))
    with pytest.raises(DomainError) as caught:
        payment_create(actor=world.users["alice"], account=world.account_a, provider="wechat",
                       amount=Decimal("3.00"))  # fmt: skip
    assert caught.value.code == "billing.payment.provider_refused"
    assert caught.value.data["provider_code"] == "SIGN_ERROR"
