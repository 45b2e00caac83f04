"""Paying and topping up: the form (amount due, partial, top-up, every bad value a 400 with
the reason), the checkout (QR code on a computer, the provider's page on a phone, polled
until paid) and the result."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import httpx
import pytest
import segno
from django.utils import timezone

from gridcare.billing.choices import BillStatus, PaymentStatus
from gridcare.billing.models import Payment
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World
from tests.billing.pay_support import Gateway, balanced
from tests.portal.billing_factory import THIS_MONTH, alice_bills, checkout, make_bill, pay
from tests.portal.test_billing_pages import text

PAY_A = f"/portal/billing/accounts/{ACCOUNT_A}/pay/"
PAY_B = f"/portal/billing/accounts/{ACCOUNT_B}/pay/"


def test_the_pay_page_offers_the_amount_due_with_both_providers(world: World, client_for) -> None:
    alice_bills(world)
    html = client_for("alice").get(PAY_A).content.decode()
    assert 'value="289.98"' in html
    assert 'data-testid="provider-wechat"' in html
    assert 'data-testid="provider-alipay"' in html
    page = text(html)
    assert "应缴金额 ¥289.98" in page
    assert "可修改金额，部分缴费" in page


def test_paying_one_bill_offers_what_is_left_of_it(world: World, client_for) -> None:
    bills = alice_bills(world)
    bill = bills["this_month"]
    pay(world.account_a, "100.00", bill=bill)
    html = client_for("alice").get(PAY_A, {"bill": bill.number}).content.decode()
    assert 'value="189.98"' in html
    assert f'name="bill" value="{bill.number}"' in html


@pytest.mark.parametrize("amount", ["100.00", "１００", " 100 "])
def test_a_valid_amount_opens_an_order_at_the_provider(
    world: World, client_for, gateway: Gateway, amount: str
) -> None:
    # Full-width digits (a Chinese keyboard's) are the same number.
    alice_bills(world)
    response = client_for("alice").post(
        PAY_A, {"provider": "alipay", "amount": amount, "device": "desktop"}
    )
    payment = Payment.objects.get(status=PaymentStatus.CREATED)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/billing/payments/{payment.out_trade_no}/"
    assert payment.amount == Decimal("100.00")
    assert payment.provider == "alipay"
    assert payment.created_by == world.users["alice"]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("289.99", "本次最多可付 ¥289.98。"),
        ("1000000000", "9 个数字"),
        ("0", "0.01"),
        ("-5", "0.01"),
        ("abc", "请输入金额（元），如 100 或 88.50。"),
        ("NaN", "请输入金额（元），如 100 或 88.50。"),
        ("Infinity", "请输入金额（元），如 100 或 88.50。"),
        ("1e30", "9"),
        ("12.345", "2"),
        ("", "这个字段是必填项。"),
    ],
)
def test_an_amount_that_cannot_be_paid_is_a_400_with_the_reason(
    world: World, client_for, amount: str, message: str
) -> None:
    alice_bills(world)
    response = client_for("alice").post(PAY_A, {"provider": "wechat", "amount": amount})
    assert response.status_code == 400
    error = re.search(r'data-testid="amount-error">([^<]+)<', response.content.decode())
    assert error is not None
    assert message in error.group(1)


@pytest.mark.parametrize(
    "fields",
    [
        {"provider": "paypal", "amount": "10"},
        {"provider": ["wechat", "alipay\x01"], "amount": "10"},
        {"provider": "wechat", "amount": "10", "device": "tablet"},
        {"amount": "10"},
    ],
)
def test_a_wrong_provider_or_device_is_a_400(world: World, client_for, fields: dict) -> None:
    alice_bills(world)
    assert client_for("alice").post(PAY_A, fields).status_code == 400


def test_a_prepaid_account_tops_up_any_amount_up_to_the_limit(
    world: World, client_for, gateway: Gateway
) -> None:
    client = client_for("bob")
    html = client.get(PAY_B).content.decode()
    assert 'data-testid="topup-choices"' in html
    assert 'name="amount" id="id_amount" value=""' in html
    too_much = client.post(PAY_B, {"provider": "wechat", "amount": "50000.01"})
    assert too_much.status_code == 400
    assert "本次最多可付 ¥50,000.00。" in too_much.content.decode()
    assert client.post(PAY_B, {"provider": "wechat", "amount": "50"}).status_code == 302
    assert Payment.objects.get(status=PaymentStatus.CREATED).bill is None


def test_nothing_due_is_said_and_a_payment_refused(world: World, client_for) -> None:
    make_bill(world.account_a, THIS_MONTH, 100, status=BillStatus.PAID)
    client = client_for("alice")
    assert "该户号当前无需缴费。" in client.get(PAY_A).content.decode()
    response = client.post(PAY_A, {"provider": "wechat", "amount": "1"})
    assert response.status_code == 400
    assert "该户号当前无需缴费。" in response.content.decode()


def test_someone_elses_bill_or_a_paid_bill_cannot_be_paid_here(world: World, client_for) -> None:
    bills = alice_bills(world)
    other_bill = make_bill(world.account_c, THIS_MONTH, {"peak": 5, "flat": 10, "valley": 5})
    client = client_for("alice")
    assert client.get(PAY_A, {"bill": other_bill.number}).status_code == 404
    assert client.get(PAY_A, {"bill": bills["last_month"].number}).status_code == 404
    assert client.get(PAY_A, {"bill": "B" * 40}).status_code == 400
    posted = client.post(PAY_A, {"provider": "wechat", "amount": "1", "bill": other_bill.number})
    assert posted.status_code == 404
    assert client_for("bob").get(PAY_A).status_code == 404


def test_a_computer_checkout_shows_the_providers_qr_code_and_polls(
    world: World, client_for, gateway: Gateway
) -> None:
    bills = alice_bills(world)
    payment = checkout(world.account_a, "289.98", bill=bills["this_month"])
    html = (
        client_for("alice")
        .get(f"/portal/billing/payments/{payment.out_trade_no}/")
        .content.decode()
    )
    qr = html.split('data-testid="pay-qr">')[1].split("</div>")[0].strip()
    expected = segno.make(payment.checkout["code_url"], error="m")
    assert qr == expected.svg_inline(scale=5, border=2, dark="#000", light="#fff")
    assert f'hx-get="/portal/billing/payments/{payment.out_trade_no}/status/"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "¥289.98" in text(html)


def test_a_phone_checkout_links_to_the_providers_page(
    world: World, client_for, gateway: Gateway
) -> None:
    alice_bills(world)
    payment = checkout(world.account_a, "50.00", device="phone")
    html = (
        client_for("alice")
        .get(f"/portal/billing/payments/{payment.out_trade_no}/")
        .content.decode()
    )
    assert f'href="{payment.checkout["redirect_url"]}"' in html
    assert 'data-testid="pay-qr"' not in html


def test_a_checkout_with_a_script_url_gets_no_link(
    world: World, client_for, gateway: Gateway
) -> None:
    payment = checkout(world.account_a, "5.00", device="phone")
    Payment.objects.filter(pk=payment.pk).update(checkout={"redirect_url": "javascript:alert(1)"})
    html = (
        client_for("alice")
        .get(f"/portal/billing/payments/{payment.out_trade_no}/")
        .content.decode()
    )
    assert "javascript:" not in html


def test_the_status_poll_waits_then_sends_the_page_to_the_result(
    world: World, client_for, gateway: Gateway
) -> None:
    bills = alice_bills(world)
    payment = checkout(world.account_a, "289.98", bill=bills["this_month"])
    client = client_for("alice")
    status = f"/portal/billing/payments/{payment.out_trade_no}/status/"
    waiting = client.get(status, headers={"HX-Request": "true"})
    assert waiting.status_code == 200
    assert 'data-testid="pay-waiting"' in waiting.content.decode()
    _confirm_at_the_gateway(payment.checkout["code_url"])
    client.post(f"/portal/billing/payments/{payment.out_trade_no}/refresh/")
    done = client.get(status, headers={"HX-Request": "true"})
    assert done["HX-Redirect"] == f"/portal/billing/payments/{payment.out_trade_no}/"
    assert client.get(status).status_code == 302
    result = text(client.get(done["HX-Redirect"]).content.decode())
    assert "支付成功" in result
    assert "¥289.98" in result


def test_an_expired_checkout_offers_to_pay_again(
    world: World, client_for, gateway: Gateway
) -> None:
    bills = alice_bills(world)
    payment = checkout(world.account_a, "289.98", bill=bills["this_month"])
    Payment.objects.filter(pk=payment.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    html = (
        client_for("alice")
        .get(f"/portal/billing/payments/{payment.out_trade_no}/")
        .content.decode()
    )
    assert "支付已超时" in text(html)
    assert f'href="{PAY_A}?bill={bills["this_month"].number}" data-testid="pay-again"' in html
    assert 'data-testid="pay-qr"' not in html


def test_another_customers_payment_is_404(world: World, client_for, gateway: Gateway) -> None:
    payment = checkout(world.account_b, "20.00")
    client = client_for("alice")
    assert client.get(f"/portal/billing/payments/{payment.out_trade_no}/").status_code == 404
    assert client.get(f"/portal/billing/payments/{payment.out_trade_no}/status/").status_code == 404
    assert Decimal(payment.amount) == Decimal("20.00")


def _confirm_at_the_gateway(page_url: str, back_to: str = "") -> httpx.Response:
    """The payer on the demo gateway's page: pay (the gateway answers with its redirect)."""
    page = httpx.get(page_url)
    confirm = page.text.split('action="', 1)[1].split('"', 1)[0]
    return httpx.post(confirm, data={"redirect_url": back_to} if back_to else {})


def test_paying_by_qr_code_on_a_computer_end_to_end(
    world: World, client_for, gateway: Gateway
) -> None:
    bills = alice_bills(world)
    client = client_for("alice")
    response = client.post(PAY_A, {"provider": "wechat", "amount": "289.98", "device": "desktop"})
    payment = Payment.objects.get(status=PaymentStatus.CREATED)
    html = client.get(response["Location"]).content.decode()
    qr = html.split('data-testid="pay-qr">')[1].split("</div>")[0].strip()
    expected = segno.make(payment.checkout["code_url"], error="m")
    assert qr == expected.svg_inline(scale=5, border=2, dark="#000", light="#fff")

    _confirm_at_the_gateway(payment.checkout["code_url"])
    # The callback goes nowhere in this test: "I have paid" asks the provider instead.
    done = client.post(f"/portal/billing/payments/{payment.out_trade_no}/refresh/")
    assert done["Location"] == f"/portal/billing/payments/{payment.out_trade_no}/"
    result = text(client.get(done["Location"]).content.decode())
    assert "支付成功" in result
    bills["this_month"].refresh_from_db()
    assert bills["this_month"].status == BillStatus.PAID
    assert balanced(world.account_a)
    assert "无需缴费" in text(client.get("/portal/billing/").content.decode())


def test_paying_on_a_phone_goes_to_the_provider_and_comes_back(
    world: World, client_for, gateway: Gateway
) -> None:
    bills = alice_bills(world)
    client = client_for("alice")
    client.post(
        PAY_A,
        {
            "provider": "alipay",
            "amount": "100.00",
            "device": "phone",
            "bill": bills["this_month"].number,
        },
    )
    payment = Payment.objects.get(status=PaymentStatus.CREATED)
    html = client.get(f"/portal/billing/payments/{payment.out_trade_no}/").content.decode()
    redirect_url = payment.checkout["redirect_url"]
    assert f'href="{redirect_url}"' in html.replace("&amp;", "&")
    back = _confirm_at_the_gateway(
        redirect_url, "http://testserver/portal/billing/payments/return/"
    )
    assert back.status_code == 303
    assert back.headers["location"].startswith("http://testserver/portal/billing/payments/return/")
    returned = client.get(back.headers["location"].removeprefix("http://testserver"))
    assert returned["Location"] == f"/portal/billing/payments/{payment.out_trade_no}/"
    client.post(f"/portal/billing/payments/{payment.out_trade_no}/refresh/")
    bills["this_month"].refresh_from_db()
    assert bills["this_month"].status == BillStatus.PARTIALLY_PAID
    assert bills["this_month"].paid == Decimal("100.00")


def test_the_way_back_finds_only_the_logins_own_payment(
    world: World, client_for, gateway: Gateway
) -> None:
    client = client_for("alice")
    assert client.get("/portal/billing/payments/return/")["Location"] == "/portal/billing/"
    other = checkout(world.account_b, "20.00", device="phone")
    named = client.get("/portal/billing/payments/return/", {"out_trade_no": other.out_trade_no})
    assert named.status_code == 404


def test_an_overdue_bill_is_paid_with_its_late_fee(world: World, client_for) -> None:
    # 450 kWh = ¥289.98, 20 days overdue at the residential 1‰ a day: ¥5.80.
    bill = make_bill(
        world.account_a, THIS_MONTH, 450, due_date=timezone.localdate() - dt.timedelta(days=20)
    )
    client = client_for("alice")
    listing = text(client.get("/portal/billing/").content.decode())
    assert "应缴金额 ¥295.78 含违约金 ¥5.80" in listing
    page = text(client.get(f"/portal/billing/bills/{bill.number}/").content.decode())
    assert "违约金 ¥5.80" in page
    assert "缴纳 ¥295.78" in page
    html = client.get(PAY_A, {"bill": bill.number}).content.decode()
    assert 'value="295.78"' in html
    assert (
        client.post(
            PAY_A, {"provider": "wechat", "amount": "295.79", "bill": bill.number}
        ).status_code
        == 400
    )


def test_only_the_providers_this_installation_takes_are_offered(
    world: World, client_for, settings
) -> None:
    settings.PAY_PROVIDERS = ["wechat"]
    alice_bills(world)
    client = client_for("alice")
    html = client.get(PAY_A).content.decode()
    assert 'data-testid="provider-alipay"' not in html
    assert client.post(PAY_A, {"provider": "alipay", "amount": "1"}).status_code == 400
