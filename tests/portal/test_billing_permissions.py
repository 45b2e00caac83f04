"""Every billing page × every persona (anonymous → login, staff → console, the owner → 200,
another customer → 404), and an attacker's values (other ids, invalid ids, huge numbers,
NUL, wrong types): 400 or 404, never a server error."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from gridcare.testing.personas import ACCOUNT_A, World
from tests.billing.pay_support import Gateway
from tests.console.test_hostile_query_values import HOSTILE, _sweep
from tests.portal.billing_factory import alice_bills, checkout

STAFF = ["agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin"]

#: page → whether it holds one account's data (another customer gets 404) or only the
#: login's own (another customer gets its own, empty, page: 200).
PAGES = {
    "/portal/billing/": "own",
    "/portal/billing/history/": "own",
    "/portal/billing/balance/": "own",
    "/portal/billing/quote/": "own",
    "/portal/billing/bills/{bill}/": "account",
    "/portal/billing/bills/{bill}/pdf/": "account",
    "/portal/billing/accounts/{account}/pay/": "account",
    "/portal/billing/payments/{payment}/": "account",
    "/portal/billing/payments/{payment}/status/": "account",
}


@pytest.fixture
def ids(world: World, gateway: Gateway) -> dict[str, str]:
    bills = alice_bills(world)
    payment = checkout(world.account_a, "289.98", bill=bills["this_month"])
    return {
        "bill": bills["this_month"].number,
        "account": ACCOUNT_A,
        "payment": payment.out_trade_no,
    }


@pytest.fixture(autouse=True)
def _warehouse(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_the_customer_login(ids: dict, page: str) -> None:
    path = page.format(**ids)
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/login/?next={path}"


@pytest.mark.parametrize("persona", STAFF)
def test_staff_are_sent_to_the_console_from_every_page(client_for, ids: dict, persona: str) -> None:
    client = client_for(persona)
    for page in PAGES:
        response = client.get(page.format(**ids))
        assert response.status_code == 302, page
        assert response["Location"] == "/console/", page


@pytest.mark.parametrize("page", PAGES)
def test_the_owner_opens_every_page(client_for, ids: dict, page: str) -> None:
    assert client_for("alice").get(page.format(**ids)).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_another_customer_gets_404_for_alices_data(client_for, ids: dict, page: str) -> None:
    response = client_for("bob").get(page.format(**ids))
    if PAGES[page] == "own":
        assert response.status_code == 200
        assert ids["bill"] not in response.content.decode()
        assert ACCOUNT_A not in response.content.decode()
    else:
        assert response.status_code == 404
        assert ACCOUNT_A not in response.content.decode().split("<main")[1]


@pytest.mark.parametrize(
    ("page", "owner_goes_to"),
    [
        ("/portal/billing/payments/{payment}/refresh/", "/portal/billing/payments/{payment}/"),
        (
            "/portal/billing/payments/return/?out_trade_no={payment}",
            "/portal/billing/payments/{payment}/",
        ),
    ],
)
def test_the_payment_redirects_are_the_owners_only(
    client_for, ids: dict, page: str, owner_goes_to: str
) -> None:
    path = page.format(**ids)
    assert Client().get(path)["Location"].startswith("/portal/login/?next=")
    assert client_for("admin").get(path)["Location"] == "/console/"
    assert client_for("alice").get(path)["Location"] == owner_goes_to.format(**ids)
    assert client_for("bob").get(path).status_code == 404
    assert client_for("bob").post(path).status_code == 404


def test_naming_alices_account_in_a_query_is_404_for_bob(client_for, ids: dict) -> None:
    client = client_for("bob")
    for page in ("/portal/billing/", "/portal/billing/history/", "/portal/billing/balance/"):
        assert client.get(page, {"account": ACCOUNT_A}).status_code == 404, page
    response = client.post(
        f"/portal/billing/accounts/{ACCOUNT_A}/pay/", {"provider": "wechat", "amount": "1"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/portal/billing/bills/NOPE/",
        "/portal/billing/bills/" + "9" * 5000 + "/",
        "/portal/billing/bills/%E2%80%AE/pdf/",
        "/portal/billing/bills/%00/",
        "/portal/billing/accounts/9999999999999/pay/",
        "/portal/billing/accounts/-1/pay/",
        "/portal/billing/payments/P0/",
        "/portal/billing/payments/" + "x" * 5000 + "/status/",
    ],
)
def test_invalid_ids_are_404_or_400(client_for, ids: dict, path: str) -> None:
    assert client_for("alice").get(path).status_code in (400, 404)


def test_hostile_query_values_never_make_a_server_error(client_for, ids: dict) -> None:
    pages = {
        "/portal/billing/": ["account", "x"],
        "/portal/billing/history/": ["account"],
        "/portal/billing/balance/": ["account"],
        "/portal/billing/bills/{bill}/": ["x"],
        "/portal/billing/accounts/{account}/pay/": ["bill"],
        "/portal/billing/payments/{payment}/": ["x"],
        "/portal/billing/payments/return/": ["out_trade_no"],
        "/portal/billing/quote/": ["tariff", "month", "mode", "kwh", "peak", "max_demand_kw"],
    }
    assert _sweep(client_for("alice"), pages, ids) == []


def test_hostile_form_values_on_the_pay_page_are_400(client_for, ids: dict) -> None:
    client = client_for("alice")
    path = f"/portal/billing/accounts/{ACCOUNT_A}/pay/"
    wrong = []
    for field in ("provider", "amount", "device", "bill"):
        for value in HOSTILE:
            data = {"provider": "wechat", "amount": "1.00", field: value}
            status = client.post(path, data).status_code
            if status not in (400, 404):
                wrong.append(f"{field}={value[:20]!r} → {status}")
    assert wrong == []
