"""Console billing pages: the permission matrix (every page × every persona), the ledger
with its running balance (reached from the customer 360), payment search and the printable
receipt, and hostile query values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.billing.choices import Provider
from gridcare.console.templatetags.console_billing import yuan, yuan_in_words
from gridcare.testing.personas import ACCOUNT_A, World
from tests.billing.factory import make_bill, make_payment
from tests.console.test_hostile_query_values import _sweep

STAFF = ["agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin"]
BILLING_READERS = {"agent_s1", "agent_s2", "clerk_s1", "analyst", "manager", "admin"}
#: page → the staff personas that get 200; every other staff persona gets 403.
MATRIX = {
    "/console/billing/payments/": BILLING_READERS,
    "/console/billing/arrears/": BILLING_READERS,
    "/console/billing/low-balance/": BILLING_READERS,
    "/console/billing/counter/": {"clerk_s1", "admin"},
    "/console/billing/reconciliation/": {"manager", "admin"},
}
#: Pages of account A's records (station S1): readers outside S1 get 404.
A_PAGES = [
    "/console/billing/accounts/{account}/ledger/",
    "/console/billing/payments/{payment}/receipt/",
]
A_READERS = {"agent_s1", "clerk_s1", "analyst", "manager", "admin"}


def a_records(world: World) -> dict[str, str]:
    bill = make_bill(world.account_a, total="128.50")
    payment = make_payment(world.account_a, amount="100.00", bill=bill)
    return {"account": ACCOUNT_A, "payment": payment.out_trade_no}


@pytest.mark.parametrize("path", [*MATRIX, *A_PAGES])
def test_anonymous_visitors_are_sent_to_the_staff_login(world: World, path: str) -> None:
    response = Client().get(path.format(**a_records(world)))
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


@pytest.mark.parametrize("path", [*MATRIX, *A_PAGES])
def test_a_customer_is_sent_back_to_the_portal(world: World, client_for, path: str) -> None:
    response = client_for("alice").get(path.format(**a_records(world)))
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


@pytest.mark.parametrize("persona", STAFF)
@pytest.mark.parametrize("path", list(MATRIX))
def test_each_page_answers_each_role_with_200_or_403(
    world: World, client_for, persona: str, path: str
) -> None:
    expected = 200 if persona in MATRIX[path] else 403
    assert client_for(persona).get(path).status_code == expected


@pytest.mark.parametrize("persona", STAFF)
@pytest.mark.parametrize("path", A_PAGES)
def test_account_a_pages_are_readable_in_s1_and_above_and_not_found_elsewhere(
    world: World, client_for, persona: str, path: str
) -> None:
    response = client_for(persona).get(path.format(**a_records(world)))
    body = response.content.decode()
    if persona in A_READERS:
        assert response.status_code == 200
        assert "张*丰" in body
        assert "¥100.00" in body
    elif persona in BILLING_READERS:  # agent_s2: another station
        assert response.status_code == 404
        assert "张*丰" not in body
        assert "¥100.00" not in body
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("persona", STAFF)
def test_the_billing_nav_link_shows_only_for_roles_that_read_bills(
    world: World, client_for, persona: str
) -> None:
    page = client_for(persona).get("/console/").content.decode()
    assert ('data-testid="nav-billing"' in page) == (persona in BILLING_READERS)


def test_the_ledger_shows_each_movement_with_the_balance_after_it(world: World, client_for) -> None:
    bill = make_bill(world.account_a, total="1280.50", period=dt.date(2026, 10, 1))
    make_payment(world.account_a, amount="1000.00", bill=bill)

    page = (
        client_for("agent_s1")
        .get(f"/console/billing/accounts/{ACCOUNT_A}/ledger/")
        .content.decode()
    )

    table = page.split('data-testid="ledger-table"')[1]
    assert table.index("+¥1,000.00") < table.index("-¥1,280.50")  # newest first
    assert "-¥280.50" in table  # balance after the payment
    assert "2026年10月" in table  # the bill's month, Chinese style
    summary = page.split('data-testid="ledger-summary"')[1]
    assert "张*丰" in summary
    assert "张三丰" not in page
    assert 'data-testid="ledger-balance">-¥280.50' in summary


def test_the_customer_360_links_each_account_to_its_ledger(world: World, client_for) -> None:
    agent = client_for("agent_s1").get(f"/console/customers/{world.customer_alice.pk}/")
    clerk = client_for("clerk_s1").get(f"/console/customers/{world.customer_alice.pk}/")
    dispatcher = client_for("dispatcher").get(f"/console/customers/{world.customer_alice.pk}/")

    assert f"/console/billing/accounts/{ACCOUNT_A}/ledger/" in agent.content.decode()
    assert 'data-testid="counter-payment-link"' not in agent.content.decode()
    assert f"/console/billing/counter/?account={ACCOUNT_A}" in clerk.content.decode()
    assert "/console/billing/accounts/" not in dispatcher.content.decode()


def test_payment_search_finds_by_receipt_reference_within_scope(world: World, client_for) -> None:
    cash = make_payment(
        world.account_a, amount="20.00", provider=Provider.COUNTER_CASH, reference="R-0042"
    )
    make_payment(world.account_b, amount="30.00")

    found = client_for("manager").get("/console/billing/payments/?number=R-0042").content.decode()
    other_station = client_for("agent_s2").get("/console/billing/payments/").content.decode()

    rows = found.split('data-testid="payments-table"')[1]
    assert rows.count('data-testid="payment-row"') == 1
    assert cash.out_trade_no in rows
    assert "¥20.00" in rows
    assert cash.out_trade_no not in other_station
    assert other_station.count('data-testid="payment-row"') == 1


def test_the_receipt_prints_the_amount_in_words_and_the_balance_after(
    world: World, client_for
) -> None:
    bill = make_bill(world.account_a, total="128.50")
    payment = make_payment(world.account_a, amount="128.50", bill=bill)

    page = client_for("clerk_s1").get(f"/console/billing/payments/{payment.out_trade_no}/receipt/")

    body = page.content.decode()
    assert 'data-testid="receipt-amount">¥128.50' in body
    assert 'data-testid="receipt-words">壹佰贰拾捌元伍角整' in body
    assert 'data-testid="receipt-balance">¥0.00' in body
    assert '<style media="print">' in body
    assert "window.print()" in body


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.05", "伍分"),
        ("10.05", "壹拾元零伍分"),
        ("1005.30", "壹仟零伍元叁角整"),
        ("100005", "壹拾万零伍元整"),
        ("1000000.00", "壹佰万元整"),
        ("0", "零元整"),
        ("98765.43", "玖万捌仟柒佰陆拾伍元肆角叁分"),
    ],
)
def test_amounts_in_chinese_capitals_follow_the_receipt_rules(amount: str, words: str) -> None:
    assert yuan_in_words(Decimal(amount)) == words


def test_money_is_shown_with_the_yuan_sign_and_thousands() -> None:
    assert (yuan(Decimal("1234.5")), yuan(Decimal("-0.5")), yuan(None)) == (
        "¥1,234.50",
        "-¥0.50",
        "",
    )


CONSOLE_BILLING_PAGES = {
    "/console/billing/payments/": ["account", "number", "provider", "status", "from", "to", "page"],
    "/console/billing/arrears/": ["unit", "sort", "page"],
    "/console/billing/low-balance/": ["unit", "sort", "below", "page"],
    "/console/billing/counter/": ["account"],
    "/console/billing/reconciliation/": ["show", "page"],
    "/console/billing/accounts/{account}/ledger/": ["page"],
    "/console/billing/payments/{payment}/receipt/": ["x"],
}


def test_billing_pages_never_fail_on_hostile_query_values(world: World, client_for) -> None:
    ids = a_records(world)
    assert _sweep(client_for("admin"), CONSOLE_BILLING_PAGES, ids) == []


@pytest.mark.parametrize(
    "path",
    [
        "/console/billing/accounts/" + "9" * 5000 + "/ledger/",
        "/console/billing/accounts/%E2%80%AE/ledger/",
        "/console/billing/payments/" + "P" * 5000 + "/receipt/",
    ],
)
def test_hostile_billing_paths_are_not_found(world: World, client_for, path: str) -> None:
    assert client_for("admin").get(path).status_code == 404


def test_resolving_a_callback_id_no_database_holds_is_not_found(world: World, client_for) -> None:
    path = "/console/billing/reconciliation/99999999999999999999999/resolve/"
    assert client_for("admin").post(path, {"note": "x"}).status_code == 404


def test_the_receipt_of_a_payment_made_today_shows_todays_date(world: World, client_for) -> None:
    payment = make_payment(world.account_a, amount="5.00")
    today = timezone.localdate()

    body = client_for("admin").get(f"/console/billing/payments/{payment.out_trade_no}/receipt/")

    assert f"{today.year}年{today.month}月{today.day}日" in body.content.decode()


def test_ledger_and_payment_pages_use_a_bounded_number_of_queries(
    world: World, client_for, django_assert_max_num_queries
) -> None:
    for month in range(1, 13):
        bill = make_bill(world.account_a, period=dt.date(2026, month, 1), total="50.00")
        make_payment(world.account_a, amount="50.00", bill=bill)
    client = client_for("manager")

    for path in (f"/console/billing/accounts/{ACCOUNT_A}/ledger/", "/console/billing/payments/"):
        with django_assert_max_num_queries(16):
            response = client.get(path)
        assert response.status_code == 200
        assert response.content.decode().count('-row"') >= 12
