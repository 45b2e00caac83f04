"""Who may call what on /api/v1/billing: every persona against every endpoint (the API
permission matrix of tests/api, for billing). Anonymous → 401, a role without the
permission → 403, outside the reader's accounts or org scope → 404 (the same as missing),
the right role → success; a refused call changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from gridcare.billing.choices import Provider
from gridcare.billing.models import Payment, Refund
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World
from tests.api.test_permission_matrix import PERSONAS, SUCCESS, assert_cell, call, each, table
from tests.billing.factory import make_bill, make_payment

API = "/api/v1/billing"
CUSTOMERS = ("alice", "bob")
#: Staff without `billing.view_bill`.
NO_BILLING = ("dispatcher", "crew")
#: Account A's records: alice's, station S1.
A_READERS = table(200, bob=404, agent_s2=404, **each(NO_BILLING, 403))
STAFF_ONLY = each(("alice", "bob"), 403)

Prepared = tuple[str, dict[str, Any] | None]


@dataclass(frozen=True)
class Case:
    key: str
    method: str
    route: str
    expect: dict[str, int]
    prepare: Callable[[World], Prepared]
    effect: Callable[[], int] | None = None
    #: Talks to a payment provider: the demo gateway is served on 127.0.0.1.
    gateway: bool = False


def _bill_a(world: World) -> str:
    return make_bill(world.account_a).number


def _payment_a(world: World) -> str:
    return make_payment(world.account_a, amount="80.00").out_trade_no


def _cash_payment_a(world: World) -> str:
    """Refunded in person, so the refund needs no provider."""
    return make_payment(
        world.account_a, amount="80.00", provider=Provider.COUNTER_CASH, reference="R-9"
    ).out_trade_no


def fixed(path: str, body: dict[str, Any] | None = None) -> Callable[[World], Prepared]:
    return lambda world: (API + path, body)


def payments() -> int:
    return Payment.objects.count()


def refunds() -> int:
    return Refund.objects.count()


CASES = [
    Case("GET /bills", "GET", "/bills", table(200, **each(NO_BILLING, 403)), fixed("/bills")),
    Case(
        "GET /bills/{A}",
        "GET",
        "/bills/{number}",
        A_READERS,
        lambda world: (f"{API}/bills/{_bill_a(world)}", None),
    ),
    Case(
        "GET /bills/{A}.pdf",
        "GET",
        "/bills/{number}.pdf",
        A_READERS,
        lambda world: (f"{API}/bills/{_bill_a(world)}.pdf", None),
    ),
    Case(
        "GET /accounts/{A}/ledger",
        "GET",
        "/accounts/{number}/ledger",
        A_READERS,
        fixed(f"/accounts/{ACCOUNT_A}/ledger"),
    ),
    Case(
        "GET /accounts/{A}/balance",
        "GET",
        "/accounts/{number}/balance",
        A_READERS,
        fixed(f"/accounts/{ACCOUNT_A}/balance"),
    ),
    Case(
        "GET /payments", "GET", "/payments", table(200, **each(NO_BILLING, 403)), fixed("/payments")
    ),
    Case(
        "GET /payments/{A}",
        "GET",
        "/payments/{out_trade_no}",
        A_READERS,
        lambda world: (f"{API}/payments/{_payment_a(world)}", None),
    ),
    Case(
        "POST /payments {A}",
        "POST",
        "/payments",
        table(403, alice=201, bob=404),
        lambda world: (
            f"{API}/payments",
            {"account_number": ACCOUNT_A, "bill_number": _bill_a(world), "provider": "wechat"},
        ),
        effect=payments,
        gateway=True,
    ),
    Case(
        "POST /payments/counter {A}",
        "POST",
        "/payments/counter",
        table(403, clerk_s1=201, admin=201),
        fixed(
            "/payments/counter",
            {
                "account_number": ACCOUNT_A,
                "amount": "50.00",
                "provider": "counter_cash",
                "receipt_number": "R-0001",
            },
        ),
        effect=payments,
    ),
    Case(
        "POST /payments/counter {B}",
        "POST",
        "/payments/counter",
        table(403, clerk_s1=404, admin=201),
        fixed(
            "/payments/counter",
            {
                "account_number": ACCOUNT_B,
                "amount": "50.00",
                "provider": "bank_transfer",
                "receipt_number": "BANK-77",
            },
        ),
        effect=payments,
    ),
    Case(
        "POST /payments/{A}/refunds",
        "POST",
        "/payments/{out_trade_no}/refunds",
        table(403, manager=201, admin=201),
        lambda world: (
            f"{API}/payments/{_cash_payment_a(world)}/refunds",
            {"amount": "10.00", "reason": "重复缴费"},
        ),
        effect=refunds,
    ),
    Case(
        "POST /quote",
        "POST",
        "/quote",
        table(200),
        fixed("/quote", {"tariff_code": "GZ-RES-TIER", "month": "2026-07", "kwh": 300}),
    ),
    Case("GET /tariffs", "GET", "/tariffs", table(200), fixed("/tariffs")),
]


def _cells() -> list[Any]:
    cells = []
    for case in CASES:
        assert set(case.expect) == set(PERSONAS), case.key
        for persona in PERSONAS:
            status = case.expect[persona]
            cells.append(pytest.param(case, persona, status, id=f"{case.key}|{persona}"))
    return cells


@pytest.mark.parametrize(("case", "persona", "status"), _cells())
def test_each_persona_gets_the_status_its_role_and_scope_allow(
    case: Case,
    persona: str,
    status: int,
    world: World,
    client_for: Callable[[str], Client],
    request: pytest.FixtureRequest,
) -> None:
    if case.gateway and status in SUCCESS:
        request.getfixturevalue("gateway")
    path, body = case.prepare(world)
    client = Client() if persona == "anonymous" else client_for(persona)
    before = case.effect() if case.effect else 0

    response = call(client, case.method, path, body)

    assert_cell(response, status, effect=case.effect, before=before)


def billing_routes() -> set[tuple[str, str]]:
    """(method, path under /api/v1) of every billing endpoint the matrix covers."""
    return {(case.method, "/billing" + case.route) for case in CASES}
