"""/api/v1/billing reads: bills with their lines, the ledger with its running balance, the
balance, payment search and detail, tariffs; each through the reader's scope, each answer
checked against the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.billing.choices import BillKind, BillStatus, PaymentStatus, Provider
from gridcare.billing.models import Bill
from gridcare.billing.services.ledger import ledger_check
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, World
from tests.api.conftest import assert_chinese_error, validate_response
from tests.billing.factory import make_bill, make_payment

API = "/api/v1/billing"
Get = Callable[[str, str], Any]


@pytest.fixture
def get(client_for: Callable[[str], Client]) -> Get:
    """`get("alice", "/bills")` → the validated JSON body of a 200."""

    def fetch(persona: str, path: str) -> Any:
        response = client_for(persona).get(API + path)
        assert response.status_code == 200, response.content.decode()
        return validate_response(response)

    return fetch


def test_customers_list_only_the_bills_of_their_bound_accounts(world: World, get: Get) -> None:
    mine = make_bill(world.account_a, period=dt.date(2026, 10, 1))
    make_bill(world.account_b, period=dt.date(2026, 10, 1))

    page = get("alice", "/bills")

    assert [item["number"] for item in page["items"]] == [mine.number]
    assert page["items"][0]["account_number"] == ACCOUNT_A


def test_staff_list_the_bills_of_their_station_only(world: World, get: Get) -> None:
    make_bill(world.account_a)
    b = make_bill(world.account_b)
    c = make_bill(world.account_c)

    numbers = {item["number"] for item in get("agent_s2", "/bills")["items"]}

    assert numbers == {b.number, c.number}
    assert get("manager", "/bills")["count"] == 3


def test_bill_filters_narrow_by_account_month_and_status(world: World, get: Get) -> None:
    october = make_bill(world.account_a, period=dt.date(2026, 10, 1))
    november = make_bill(world.account_a, period=dt.date(2026, 11, 1))
    make_payment(world.account_a, amount=october.total, bill=october)
    make_bill(world.account_c, period=dt.date(2026, 11, 1))

    by_month = get("manager", f"/bills?account={ACCOUNT_A}&period=2026-11")
    paid = get("manager", "/bills?status=paid")

    assert [item["number"] for item in by_month["items"]] == [november.number]
    assert by_month["items"][0]["period"] == "2026-11"
    assert [item["number"] for item in paid["items"]] == [october.number]
    assert paid["items"][0]["outstanding"] == "0.00"


def test_a_bill_shows_its_lines_adding_up_to_the_total(world: World, get: Get) -> None:
    bill = make_bill(
        world.account_a,
        total="152.21",
        kwh="250",
        lines=[
            ("energy.tier1", "第一档电量电费", "200", "0.58886875", "117.77"),
            ("energy.tier2", "第二档电量电费", "50", "0.63886875", "31.94"),
            ("fund.renewable", "可再生能源附加", "250", "0.01", "2.50"),
        ],
    )

    detail = get("alice", f"/bills/{bill.number}")

    assert [line["item"] for line in detail["lines"]] == [
        "energy.tier1",
        "energy.tier2",
        "fund.renewable",
    ]
    assert detail["lines"][1] == {
        "position": 2,
        "item": "energy.tier2",
        "label": "第二档电量电费",
        "quantity": "50.000",
        "unit": "kWh",
        "unit_price": "0.63886875",
        "amount": "31.94",
    }
    assert sum(Decimal(line["amount"]) for line in detail["lines"]) == Decimal(detail["total"])
    assert (detail["total"], detail["outstanding"], detail["status"]) == (
        "152.21",
        "152.21",
        "issued",
    )
    assert detail["replaced_by"] is None


def test_a_corrected_bill_links_both_ways(world: World, get: Get) -> None:
    original = make_bill(world.account_a, total="200.00")
    Bill.objects.filter(pk=original.pk).update(status=BillStatus.CANCELLED)
    rebill = make_bill(world.account_a, total="180.00")
    Bill.objects.filter(pk=rebill.pk).update(replaces=original, kind=BillKind.REBILL)

    assert get("alice", f"/bills/{original.number}")["replaced_by"] == rebill.number
    corrected = get("alice", f"/bills/{rebill.number}")
    assert (corrected["replaces"], corrected["kind"]) == (original.number, "rebill")


def test_the_ledger_lists_movements_newest_first_with_the_running_balance(
    world: World, get: Get
) -> None:
    bill = make_bill(world.account_a, total="128.50")
    payment = make_payment(world.account_a, amount="100.00", bill=bill)

    page = get("agent_s1", f"/accounts/{ACCOUNT_A}/ledger")

    rows = [(e["seq"], e["kind"], e["amount"], e["balance_after"]) for e in page["items"]]
    assert rows == [(2, "payment", "100.00", "-28.50"), (1, "bill", "-128.50", "-128.50")]
    assert page["items"][0]["payment_number"] == payment.out_trade_no
    assert page["items"][1]["bill_number"] == bill.number
    assert ledger_check(account=world.account_a)


def test_the_balance_says_what_is_owed_and_how_long_overdue(world: World, get: Get) -> None:
    today = timezone.localdate()
    late = make_bill(
        world.account_a,
        period=dt.date(2026, 9, 1),
        total="90.00",
        due_date=today - dt.timedelta(days=12),
    )
    make_bill(
        world.account_a,
        period=dt.date(2026, 10, 1),
        total="60.00",
        due_date=today + dt.timedelta(days=3),
    )
    make_payment(world.account_a, amount="40.00", bill=late)

    balance = get("alice", f"/accounts/{ACCOUNT_A}/balance")

    assert balance == {
        "account_number": ACCOUNT_A,
        "tariff_code": "GZ-RES-TIER",
        "payment_mode": "postpaid",
        "supply_state": "connected",
        "balance": "-110.00",
        "outstanding": "110.00",
        "overdue": "50.00",
        "unpaid_bills": 2,
        "oldest_due_date": (today - dt.timedelta(days=12)).isoformat(),
        "days_overdue": 12,
        "as_of": today.isoformat(),
    }


def test_a_prepaid_account_with_credit_owes_nothing(world: World, get: Get) -> None:
    make_payment(world.account_b, amount="200.00")

    balance = get("bob", f"/accounts/{ACCOUNT_B}/balance")

    assert (balance["payment_mode"], balance["balance"], balance["outstanding"]) == (
        "prepaid",
        "200.00",
        "0.00",
    )
    assert (balance["days_overdue"], balance["oldest_due_date"]) == (0, None)


def test_payment_search_by_number_reference_provider_status_and_day(world: World, get: Get) -> None:
    day = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))
    wechat = make_payment(world.account_a, amount="10.00", at=day, out_trade_no="WX2026112001")
    cash = make_payment(
        world.account_a,
        amount="20.00",
        provider=Provider.COUNTER_CASH,
        reference="R-0042",
        at=day + dt.timedelta(days=1),
    )
    open_order = make_payment(world.account_c, amount="30.00", status=PaymentStatus.CREATED, at=day)

    def numbers(query: str) -> list[str]:
        return [item["out_trade_no"] for item in get("manager", f"/payments?{query}")["items"]]

    assert numbers("number=WX2026") == [wechat.out_trade_no]
    assert numbers("number=R-0042") == [cash.out_trade_no]
    assert numbers(f"number={wechat.provider_txn_id}") == [wechat.out_trade_no]
    assert numbers("provider=counter_cash") == [cash.out_trade_no]
    assert numbers("status=created") == [open_order.out_trade_no]
    assert numbers("created_from=2026-11-21&created_to=2026-11-21") == [cash.out_trade_no]
    assert numbers(f"account={ACCOUNT_C}") == [open_order.out_trade_no]
    # Newest first; the same moment: the later payment first.
    assert numbers("") == [cash.out_trade_no, open_order.out_trade_no, wechat.out_trade_no]
    assert [i["out_trade_no"] for i in get("alice", "/payments")["items"]] == [
        cash.out_trade_no,
        wechat.out_trade_no,
    ]


def test_a_payment_shows_its_events(world: World, get: Get) -> None:
    payment = make_payment(world.account_a, amount="66.60")

    detail = get("alice", f"/payments/{payment.out_trade_no}")

    assert [event["kind"] for event in detail["events"]] == ["created", "paid"]
    assert (detail["amount"], detail["status"], detail["refunds"]) == ("66.60", "paid", [])


def test_tariffs_say_which_need_the_time_of_use_split(world: World, get: Get) -> None:
    tariffs = {t["code"]: t for t in get("alice", "/tariffs")}

    assert tariffs["GZ-RES-TIER"]["time_of_use"] is False
    assert tariffs["GZ-RES-TIER"]["ladder"] == "monthly"
    assert tariffs["GZ-RES-TIER"]["energy"] == {"all": "0.58886875"}
    assert tariffs["GZ-RES-TOU"]["time_of_use"] is True
    assert set(tariffs["GZ-RES-TOU"]["energy"]) == {"peak", "flat", "valley"}
    assert tariffs["TWO-PART-35KV"]["basic_charge"] is True
    assert tariffs["GZ-RES-TIER"]["current"]["effective_from"] == "2017-07-01"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/bills?period=2026-13", "billing.month.invalid"),
        ("/bills?account=123", "customers.account.number_invalid"),
        ("/bills/B%20X", "billing.bill.number_invalid"),
        ("/payments/" + "P" * 33, "billing.payment.number_invalid"),
        ("/accounts/31000/ledger", "customers.account.number_invalid"),
    ],
)
def test_malformed_values_are_a_coded_chinese_400(
    world: World, client_for: Callable[[str], Client], path: str, code: str
) -> None:
    response = client_for("manager").get(API + path)

    assert response.status_code == 400, response.content.decode()
    assert_chinese_error(validate_response(response), code)


@pytest.mark.parametrize(
    "path", ["/bills/B202610999999", f"/accounts/{ACCOUNT_B}/ledger", "/payments/P0000"]
)
def test_a_missing_record_and_another_customers_get_the_same_404(
    world: World, client_for: Callable[[str], Client], path: str
) -> None:
    foreign = make_bill(world.account_b).number
    client = client_for("alice")

    missing = client.get(API + path)
    other = client.get(f"{API}/bills/{foreign}")

    assert missing.status_code == other.status_code == 404
    assert_chinese_error(validate_response(missing))


def test_bill_and_payment_lists_use_a_bounded_number_of_queries(
    world: World, client_for: Callable[[str], Client], django_assert_max_num_queries: Any
) -> None:
    for month in range(1, 13):
        bill = make_bill(world.account_a, period=dt.date(2026, month, 1))
        make_payment(world.account_a, amount="5.00", bill=bill)
    client = client_for("manager")

    for path in ("/bills", "/payments", f"/accounts/{ACCOUNT_A}/ledger"):
        with django_assert_max_num_queries(8):
            response = client.get(API + path)
        assert response.status_code == 200
        assert len(response.json()["items"]) >= 12


def test_a_bill_downloads_as_a_pdf_for_a_reader_in_scope(
    world: World, client_for: Callable[[str], Client]
) -> None:
    bill = make_bill(world.account_a, total="128.50")

    response = client_for("clerk_s1").get(f"{API}/bills/{bill.number}.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="gridcare-bill-{bill.number}.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    validate_response(response)
