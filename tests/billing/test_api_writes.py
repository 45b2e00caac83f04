"""/api/v1/billing writes: online payments, counter payments, refunds and the quote.

Input is refused at the edge with a coded Chinese 400 before any use case runs; the use
cases (`billing.wiring` → services.payments, refunds, quote) are exercised through the API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from gridcare.billing.models import Payment, Refund
from gridcare.testing.personas import ACCOUNT_A, World
from tests.api.conftest import assert_chinese_error, validate_response
from tests.billing.factory import make_bill, make_payment

API = "/api/v1/billing"


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, json.dumps(body), content_type="application/json")


COUNTER = {
    "account_number": ACCOUNT_A,
    "amount": "50.00",
    "provider": "counter_cash",
    "receipt_number": "R-0001",
}


@pytest.mark.parametrize(
    "amount", ["12.345", "0", "0.00", "-5", "1,000", "1e3", " 5", "１００", "1000000.01", "2000000"]
)
def test_a_counter_amount_that_is_not_yuan_and_fen_is_a_coded_400(
    world: World, client_for: Callable[[str], Client], amount: str
) -> None:
    response = post(client_for("clerk_s1"), "/payments/counter", {**COUNTER, "amount": amount})

    assert response.status_code == 400, response.content.decode()
    body = validate_response(response)
    assert_chinese_error(body, "billing.amount.invalid")
    assert body["field"] == "amount"
    assert not Payment.objects.exists()


def test_an_amount_sent_as_a_json_number_is_refused_as_the_wrong_type(
    world: World, client_for: Callable[[str], Client]
) -> None:
    response = post(client_for("clerk_s1"), "/payments/counter", {**COUNTER, "amount": 50})

    assert response.status_code == 422
    assert validate_response(response)["field"] == "amount"


def test_a_top_up_without_an_amount_is_refused(
    world: World, client_for: Callable[[str], Client]
) -> None:
    body = {"account_number": ACCOUNT_A, "provider": "wechat"}

    response = post(client_for("alice"), "/payments", body)

    assert response.status_code == 400
    assert_chinese_error(validate_response(response), "billing.payment.amount_required")


@pytest.mark.parametrize(
    "usage",
    [{}, {"kwh": 100, "peak": 10}, {"peak": 10, "flat": 20}, {"kwh": 100, "critical": 1}],
)
def test_a_quote_needs_the_total_or_the_time_of_use_split_not_both(
    world: World, client_for: Callable[[str], Client], usage: dict[str, Any]
) -> None:
    body = {"tariff_code": "GZ-RES-TIER", "month": "2026-07", **usage}

    response = post(client_for("alice"), "/quote", body)

    assert response.status_code == 400
    assert_chinese_error(validate_response(response), "billing.quote.usage")


def test_a_refund_needs_a_reason(world: World, client_for: Callable[[str], Client]) -> None:
    payment = make_payment(world.account_a, amount="80.00")

    response = post(
        client_for("manager"),
        f"/payments/{payment.out_trade_no}/refunds",
        {"amount": "10.00", "reason": "   "},
    )

    assert response.status_code == 400
    assert_chinese_error(validate_response(response), "billing.refund.reason_required")
    assert not Refund.objects.exists()


# --- What the use cases do, seen through the API ---


def test_the_same_receipt_number_twice_is_one_payment(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("clerk_s1")

    first = post(client, "/payments/counter", COUNTER)
    again = post(client, "/payments/counter", COUNTER)

    assert first.status_code == again.status_code == 201
    assert validate_response(first)["out_trade_no"] == validate_response(again)["out_trade_no"]
    assert Payment.objects.count() == 1
    assert validate_response(first)["status"] == "paid"


def test_a_receipt_for_a_bill_sent_twice_is_one_payment_though_the_bill_is_paid(
    world: World, client_for: Callable[[str], Client]
) -> None:
    bill = make_bill(world.account_a, total="50.00")
    body = {**COUNTER, "bill_number": bill.number}
    client = client_for("clerk_s1")

    first = post(client, "/payments/counter", body)
    again = post(client, "/payments/counter", body)

    assert first.status_code == again.status_code == 201, again.content.decode()
    assert Payment.objects.count() == 1
    bill.refresh_from_db()
    assert bill.status == "paid"


def test_the_same_receipt_number_for_another_amount_is_a_conflict(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("clerk_s1")
    post(client, "/payments/counter", COUNTER)

    response = post(client, "/payments/counter", {**COUNTER, "amount": "60.00"})

    assert response.status_code == 409
    assert_chinese_error(validate_response(response), "billing.payment.reference_used")
    assert Payment.objects.count() == 1


def test_a_customer_paying_a_bill_gets_the_checkout_for_the_outstanding_amount(
    world: World, client_for: Callable[[str], Client], gateway: Any
) -> None:
    bill = make_bill(world.account_a, total="128.50")
    body = {"account_number": ACCOUNT_A, "bill_number": bill.number, "provider": "alipay"}

    response = post(client_for("alice"), "/payments", {**body, "device": "phone"})

    assert response.status_code == 201, response.content.decode()
    created = validate_response(response)
    assert (created["amount"], created["bill_number"], created["status"]) == (
        "128.50",
        bill.number,
        "created",
    )
    assert created["checkout"]


def test_a_bill_of_another_account_cannot_be_named(
    world: World, client_for: Callable[[str], Client]
) -> None:
    other = make_bill(world.account_b)
    body = {"account_number": ACCOUNT_A, "bill_number": other.number, "provider": "wechat"}

    response = post(client_for("alice"), "/payments", body)

    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_the_quote_prices_a_summer_month_on_the_tiered_tariff(
    world: World, client_for: Callable[[str], Client]
) -> None:
    body = {"tariff_code": "GZ-RES-TIER", "month": "2026-07", "kwh": 300}

    response = post(client_for("alice"), "/quote", body)

    assert response.status_code == 200, response.content.decode()
    quote = validate_response(response)
    # Summer: 260 kWh at 0.58886875, 40 kWh at 0.63886875 (domain-facts §4).
    assert quote["total"] == "178.66"
    assert [line["name"] for line in quote["lines"]][:2] == ["第一档电量", "第二档电量"]
    assert sum(float(line["amount"]) for line in quote["lines"]) == pytest.approx(178.66)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"tariff_code": "GZ-RES-TOU", "month": "2026-07", "kwh": 300},
            409,
            "billing.quote.tou_needed",
        ),
        (
            {"tariff_code": "TWO-PART-35KV", "month": "2026-07", "peak": 1, "flat": 1, "valley": 1},
            409,
            "billing.quote.demand_needed",
        ),
        (
            {"tariff_code": "GZ-RES-TIER", "month": "2000-01", "kwh": 300},
            404,
            "billing.quote.no_version",
        ),
        ({"tariff_code": "NO-SUCH", "month": "2026-07", "kwh": 300}, 404, "billing.quote.tariff"),
    ],
)
def test_what_the_stored_tariff_cannot_price_is_a_conflict_or_not_found(
    world: World, client_for: Callable[[str], Client], body: dict[str, Any], status: int, code: str
) -> None:
    response = post(client_for("agent_s1"), "/quote", body)

    assert response.status_code == status, response.content.decode()
    assert_chinese_error(validate_response(response), code)


def test_the_quote_prices_the_time_of_use_split(
    world: World, client_for: Callable[[str], Client]
) -> None:
    body = {"tariff_code": "GZ-RES-TOU", "month": "2026-11", "peak": 50, "flat": 80, "valley": 40}

    response = post(client_for("bob"), "/quote", body)

    assert response.status_code == 200, response.content.decode()
    quote = validate_response(response)
    lines = {line["item"]: line for line in quote["lines"]}
    assert lines["energy.peak"]["unit_price"] == "0.9660"
    assert lines["energy.peak"]["amount"] == "48.30"  # 50 × 0.9660
    assert sum(Decimal(line["amount"]) for line in quote["lines"]) == Decimal(quote["total"])
