"""/api/v1/customers and /api/v1/accounts: search, detail, reveal, paging and query budgets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gridcare.core.models import AuditLog, OrgUnit
from gridcare.customers.models import Account, Customer
from gridcare.customers.services import (
    account_attach_meter,
    account_open,
    customer_create,
    premise_create,
)
from gridcare.grid.services import meter_install
from gridcare.testing.personas import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    ALICE_ID_NUMBER,
    ALICE_MOBILE,
    World,
)

from .conftest import assert_chinese_error, visible_text

API = "/api/v1"
Validate = Callable[..., Any]
# Session, user, org unit, two permission lookups (non-superusers), COUNT, the page, and
# the prefetch of in-scope accounts a search adds: 8, however many rows there are.
LIST_QUERY_BUDGET = 8
# Everything about Alice that must never leave the API unmasked unless revealed.
ALICE_SECRETS = [ALICE_MOBILE, ALICE_ID_NUMBER, "19491231", "张三丰", "华师路 12 号"]
ALICE_TOPOLOGY = {
    "meter": "MA0001",
    "transformer": "TR1",
    "transformer_name": "石牌1号台区",
    "feeder": "10kV 石牌线",
    "substation": "110kV 石牌站",
}


def open_accounts(
    world: World, count: int, *, unit: OrgUnit, customer: Customer | None = None, start: int = 0
) -> list[Account]:
    """`count` more accounts in `unit`, each with its own meter (and customer unless given)."""
    accounts = []
    transformer = world.transformer_1 if unit == world.station_1 else world.transformer_2
    for i in range(start, start + count):
        holder = customer or customer_create(
            actor=None, kind="person", name=f"王{i:03d}明", mobile=f"1350000{i:04d}"
        )
        premise = premise_create(
            province="广东省", city="广州市", district="天河区", street="石牌街道", detail=f"{i}号"
        )
        account = account_open(
            actor=None,
            customer=holder,
            number=f"33{1 if unit == world.station_1 else 2}{i:010d}",
            premise=premise,
            supply_unit=unit,
            tariff_class="residential",
            contracted_capacity_kva=Decimal("8.0"),
        )
        meter = meter_install(
            actor=None, transformer=transformer, asset_number=f"MX{unit.pk}{i:05d}"
        )
        account_attach_meter(actor=None, account=account, meter=meter)
        accounts.append(account)
    return accounts


@contextmanager
def count_queries() -> Iterator[CaptureQueriesContext]:
    with CaptureQueriesContext(connection) as context:
        yield context


# --- Search and masking ---


def test_an_agent_finds_alice_by_mobile_with_every_personal_field_masked(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("agent_s1").get(f"{API}/customers", {"q": ALICE_MOBILE})

    assert response.status_code == 200
    page = assert_schema(response)
    assert page["count"] == 1
    [alice] = page["items"]
    assert alice["id"] == world.customer_alice.pk
    assert alice["name_masked"] == "张*丰"
    assert alice["mobile_masked"] == "138****0001"
    assert re.fullmatch(r"1101\*{10}002X", alice["id_number_masked"])
    text = visible_text(response.content)
    for secret in ALICE_SECRETS:
        assert secret not in text


@pytest.mark.parametrize(
    "query", [ACCOUNT_A, ALICE_ID_NUMBER, ALICE_ID_NUMBER.lower(), "张三", "00000001"]
)
def test_an_agent_finds_alice_by_account_number_id_number_name_or_digits(
    query: str, world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("agent_s1").get(f"{API}/customers", {"q": query})

    assert response.status_code == 200
    assert [c["id"] for c in assert_schema(response)["items"]] == [world.customer_alice.pk]


@pytest.mark.parametrize("query", [ALICE_MOBILE, ACCOUNT_A, ALICE_ID_NUMBER, "张三丰"])
def test_an_agent_of_another_station_cannot_find_alice(
    query: str, world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("agent_s2").get(f"{API}/customers", {"q": query})

    assert response.status_code == 200
    assert assert_schema(response) == {"items": [], "count": 0}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("agent_s1", ["customer_alice"]),
        ("dispatcher", ["customer_alice"]),
        ("agent_s2", ["customer_bob", "carol"]),
        ("manager", ["customer_alice", "customer_bob", "carol"]),
    ],
)
def test_the_customer_list_without_a_query_holds_the_readers_scope(
    persona: str,
    expected: list[str],
    world: World,
    client_for: Callable[[str], Client],
    assert_schema: Validate,
) -> None:
    carol = world.account_c.customer
    ids = {"customer_alice": world.customer_alice.pk, "customer_bob": world.customer_bob.pk}
    ids["carol"] = carol.pk

    response = client_for(persona).get(f"{API}/customers")

    assert response.status_code == 200
    page = assert_schema(response)
    assert [c["id"] for c in page["items"]] == sorted(ids[name] for name in expected)
    assert page["count"] == len(expected)


# --- Detail ---


def test_customer_detail_lists_accounts_with_their_topology_and_stays_masked(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("agent_s1").get(f"{API}/customers/{world.customer_alice.pk}")

    assert response.status_code == 200
    detail = assert_schema(response)
    assert detail["name_masked"] == "张*丰"
    assert detail["consents"] == {}
    [account] = detail["accounts"]
    assert account["number"] == ACCOUNT_A
    assert account["supply_unit"] == "石牌供电所"
    assert account["registered_mobile_masked"] == "138****0001"
    assert account["premise"]["detail_masked"] == "华师路 ** 号 * 栋 ***"
    assert account["topology"] == [ALICE_TOPOLOGY]
    text = visible_text(response.content)
    for secret in ALICE_SECRETS:
        assert secret not in text


def test_customer_detail_shows_only_the_accounts_in_the_readers_scope(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    [elsewhere] = open_accounts(world, 1, unit=world.station_2, customer=world.customer_alice)

    agent_view = client_for("agent_s1").get(f"{API}/customers/{world.customer_alice.pk}")
    manager_view = client_for("manager").get(f"{API}/customers/{world.customer_alice.pk}")

    assert [a["number"] for a in assert_schema(agent_view)["accounts"]] == [ACCOUNT_A]
    assert sorted(a["number"] for a in assert_schema(manager_view)["accounts"]) == sorted(
        [ACCOUNT_A, elsewhere.number]
    )
    assert elsewhere.number not in visible_text(agent_view.content)


def test_alice_sees_her_account_detail_with_topology(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("alice").get(f"{API}/accounts/{ACCOUNT_A}")

    assert response.status_code == 200
    account = assert_schema(response)
    assert account["number"] == ACCOUNT_A
    assert account["customer_name_masked"] == "张*丰"
    assert account["tariff_class"] == "residential"
    assert account["contracted_capacity_kva"] == "8.0"
    assert account["topology"] == [ALICE_TOPOLOGY]
    assert "501" not in visible_text(response.content)


# --- Reveal ---


@pytest.mark.parametrize(
    ("field", "value"),
    [("id_number", ALICE_ID_NUMBER), ("mobile", ALICE_MOBILE), ("name", "张三丰")],
)
@pytest.mark.parametrize("persona", ["manager", "admin"])
def test_a_manager_reveals_a_field_and_the_reveal_is_audited(
    persona: str,
    field: str,
    value: str,
    world: World,
    client_for: Callable[[str], Client],
    assert_schema: Validate,
) -> None:
    customer = world.customer_alice

    response = client_for(persona).post(
        f"{API}/customers/{customer.pk}/reveal", {"field": field}, content_type="application/json"
    )

    assert response.status_code == 200
    assert assert_schema(response) == {"field": field, "value": value}
    entry = AuditLog.objects.get(action="core.pii.reveal")
    assert entry.actor == world.users[persona]
    assert entry.data == {"field": field}
    assert (entry.object_type, entry.object_id) == ("customers.customer", str(customer.pk))
    assert entry.ip == "127.0.0.1"
    assert value not in str(entry.data)


@pytest.mark.parametrize("persona", ["agent_s1", "clerk_s1", "dispatcher"])
def test_staff_without_the_reveal_permission_get_403_and_nothing_is_audited(
    persona: str, world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for(persona).post(
        f"{API}/customers/{world.customer_alice.pk}/reveal",
        {"field": "id_number"},
        content_type="application/json",
    )

    assert response.status_code == 403
    body = assert_schema(response)
    assert body["code"] == "core.pii.forbidden"
    assert_chinese_error(body)
    assert ALICE_ID_NUMBER not in visible_text(response.content)
    assert not AuditLog.objects.filter(action="core.pii.reveal").exists()


@pytest.mark.parametrize("field", ["password", "id_number_index", "user", "__dict__", ""])
def test_revealing_a_field_that_is_not_revealable_is_a_400_naming_the_field(
    field: str, world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("manager").post(
        f"{API}/customers/{world.customer_alice.pk}/reveal",
        {"field": field},
        content_type="application/json",
    )

    assert response.status_code == 400
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("core.pii.unknown_field", "field")
    assert_chinese_error(body)
    assert not AuditLog.objects.filter(action="core.pii.reveal").exists()


# --- Lists: paging and filters ---


def test_the_customer_list_pages_twenty_at_a_time_with_items_and_count(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    open_accounts(world, 25, unit=world.station_1)
    client = client_for("agent_s1")

    first = assert_schema(client.get(f"{API}/customers"))
    second = assert_schema(client.get(f"{API}/customers", {"page": 2}))

    assert set(first) == set(second) == {"items", "count"}
    assert first["count"] == second["count"] == 26
    assert len(first["items"]) == 20
    assert len(second["items"]) == 6
    ids = [c["id"] for c in first["items"] + second["items"]]
    assert ids == sorted(set(ids))


def test_the_account_list_honours_page_size_and_filters(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    open_accounts(world, 7, unit=world.station_2)
    client = client_for("agent_s2")

    small_page = assert_schema(client.get(f"{API}/accounts", {"page_size": 3}))
    by_prefix = assert_schema(client.get(f"{API}/accounts", {"q": "310000000000"}))
    commercial = assert_schema(
        client.get(f"{API}/accounts", {"tariff_class": "general_commercial"})
    )

    assert small_page["count"] == 9
    assert len(small_page["items"]) == 3
    assert [a["number"] for a in by_prefix["items"]] == [ACCOUNT_B, ACCOUNT_C]
    assert [a["number"] for a in commercial["items"]] == [ACCOUNT_C]


def test_a_page_past_the_end_is_empty_not_an_error(
    world: World, client_for: Callable[[str], Client], assert_schema: Validate
) -> None:
    response = client_for("admin").get(f"{API}/accounts", {"page": 99})

    assert response.status_code == 200
    assert assert_schema(response) == {"items": [], "count": 3}


@pytest.mark.parametrize(
    ("params", "field"), [({"page": 0}, "page"), ({"page_size": 0}, "page_size")]
)
def test_a_page_number_or_size_below_one_is_a_422_naming_it(
    params: dict[str, int],
    field: str,
    world: World,
    client_for: Callable[[str], Client],
    assert_schema: Validate,
) -> None:
    response = client_for("admin").get(f"{API}/accounts", params)

    assert response.status_code == 422
    body = assert_schema(response)
    assert (body["code"], body["field"]) == ("request.invalid", field)
    assert_chinese_error(body)


# --- Query budgets: list endpoints must not issue a query per row ---


@pytest.mark.parametrize(
    ("persona", "url", "params"),
    [
        ("admin", "/accounts", {}),
        ("agent_s1", "/accounts", {}),
        ("admin", "/customers", {}),
        ("agent_s1", "/customers", {}),
        ("agent_s1", "/customers", {"q": "王"}),
        ("agent_s1", "/customers", {"q": "3310"}),
    ],
)
def test_a_list_costs_the_same_few_queries_for_three_rows_or_a_full_page(
    persona: str,
    url: str,
    params: dict[str, str],
    world: World,
    client_for: Callable[[str], Client],
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(persona)
    open_accounts(world, 2, unit=world.station_1)
    with count_queries() as few:
        assert client.get(API + url, params).status_code == 200
    open_accounts(world, 30, unit=world.station_1, start=2)

    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = client.get(API + url, params)

    assert response.status_code == 200
    assert len(response.json()["items"]) == 20
    with count_queries() as many:
        client.get(API + url, params)
    assert len(many) == len(few)


def test_customer_detail_costs_the_same_queries_for_one_account_or_ten(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("manager")
    url = f"{API}/customers/{world.customer_alice.pk}"
    with count_queries() as one:
        assert client.get(url).status_code == 200
    open_accounts(world, 9, unit=world.station_1, customer=world.customer_alice)

    with count_queries() as ten:
        response = client.get(url)

    assert len(response.json()["accounts"]) == 10
    assert len(ten) == len(one)


def test_a_nul_character_in_a_filter_or_body_is_a_400_not_a_server_error(world, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("agent_s1")
    response = client.get("/api/v1/accounts", {"status": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["code"] == "core.request.nul_character"
    body = '{"channel": "hotline", "summary": "x\\u0000y", "data": {}}'
    posted = client.post(
        f"/api/v1/customers/{world.customer_alice.pk}/interactions",
        body,
        content_type="application/json",
    )
    assert posted.status_code == 400
    assert posted.json()["code"] == "core.request.nul_character"
