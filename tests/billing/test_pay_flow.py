"""The whole path over real HTTP, as the demo runs it: GridCare (the live server) asks
the demo gateway (its own server) for an order through the SDK, the payer confirms on the
gateway's pay page, the gateway posts the signed callback to GridCare's webhook — and,
seconds later, posts it again. The payment is applied once."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from gridcare.billing.choices import BillStatus, CallbackVerdict, LedgerKind, PaymentStatus
from gridcare.billing.models import CallbackRecord, LedgerEntry, Payment
from gridcare.billing.services.payments import payment_create
from gridcare.billing.services.refunds import refund_create
from gridcare.testing.personas import World, build_world
from tests.billing.pay_support import Gateway, balanced, issue_bill, wait_for


@pytest.fixture
def live_world(transactional_db: None) -> World:
    return build_world()


@pytest.fixture
def served(settings, live_server, gateway: Gateway) -> Gateway:  # type: ignore[no-untyped-def]
    settings.PAY_CALLBACK_ORIGIN = live_server.url
    settings.PAY_DEMO_REDELIVER_SECONDS = 1
    return gateway


def _records(out_trade_no: str, verdict: str) -> int:
    return CallbackRecord.objects.filter(out_trade_no=out_trade_no, verdict=verdict).count()


@pytest.mark.parametrize(("provider", "device"), [("wechat", "desktop"), ("alipay", "phone")])
def test_the_payer_confirms_and_the_callback_pays_the_bill_once(
    live_world, served: Gateway, provider: str, device: str
) -> None:  # type: ignore[no-untyped-def]
    bill = issue_bill(live_world.account_a, "73.20")
    payment = payment_create(
        actor=live_world.users["alice"], account=live_world.account_a, provider=provider,
        amount=Decimal("73.20"), bill=bill, device=device,
        return_url="http://127.0.0.1:1/portal/paid/",
    )  # fmt: skip
    page_url = payment.checkout.get("code_url") or payment.checkout["redirect_url"]
    page = httpx.get(page_url)
    assert "¥73.20" in page.text
    confirm = page.text.split('action="', 1)[1].split('"', 1)[0]
    back = httpx.post(confirm, data={"redirect_url": "http://127.0.0.1:1/portal/paid/"})
    assert back.status_code == 303

    assert wait_for(lambda: _records(payment.out_trade_no, CallbackVerdict.APPLIED) == 1)
    assert wait_for(lambda: _records(payment.out_trade_no, CallbackVerdict.DUPLICATE) >= 1)
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert bill.status == BillStatus.PAID
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).count() == 1
    store = served.world.store
    assert wait_for(lambda: len(store.deliveries(payment.out_trade_no)) == 2)
    assert [d["status"] for d in store.deliveries(payment.out_trade_no)] == [200, 200]
    assert balanced(live_world.account_a)


def test_a_wechat_refund_completes_through_the_refund_callback(live_world, served: Gateway) -> None:  # type: ignore[no-untyped-def]
    payment = payment_create(
        actor=live_world.users["alice"], account=live_world.account_a, provider="wechat",
        amount=Decimal("50.00"),
    )  # fmt: skip
    page = httpx.get(payment.checkout["code_url"])
    httpx.post(page.text.split('action="', 1)[1].split('"', 1)[0])
    assert wait_for(lambda: Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID)

    refund = refund_create(
        actor=live_world.users["manager"], payment=payment, amount=Decimal("20.00"),
        reason="多缴退回",
    )  # fmt: skip
    assert refund.status == "pending"  # WeChat answered PROCESSING
    assert wait_for(lambda: Payment.objects.get(pk=payment.pk).refunded == Decimal("20.00"))
    assert LedgerEntry.objects.filter(kind=LedgerKind.REFUND).count() == 1
    assert wait_for(lambda: _records(payment.out_trade_no, CallbackVerdict.DUPLICATE) >= 2)
    assert LedgerEntry.objects.filter(kind=LedgerKind.REFUND).count() == 1
    assert balanced(live_world.account_a)
