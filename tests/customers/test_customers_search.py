"""Who sees which account and customer: the persona stories of the data scope.

Persona world: account A (alice, station S1), B (bob, S2), C (棠下五金厂, S2, no login).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from gridcare.core.errors import NotFound
from gridcare.customers.models import AccountBinding
from gridcare.customers.selectors import (
    account_get_for_user,
    accounts_of_login,
    accounts_visible_to,
    consent_current,
    customer_360,
    customer_get_for_user,
    customer_search,
    customers_visible_to,
)
from gridcare.customers.services import account_open, consent_record, premise_create
from gridcare.testing.personas import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    ALICE_ID_NUMBER,
    ALICE_MOBILE,
    BOB_MOBILE,
    World,
)

ALL = {ACCOUNT_A, ACCOUNT_B, ACCOUNT_C}


def _numbers(accounts: object) -> set[str]:
    return {account.number for account in accounts}  # type: ignore[attr-defined]


def _names(customers: object) -> list[str]:
    return [customer.name for customer in customers]  # type: ignore[attr-defined]


# --- Accounts ---


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        pytest.param("alice", {ACCOUNT_A}, id="alice-sees-only-her-bound-account"),
        pytest.param("bob", {ACCOUNT_B}, id="bob-never-sees-alices-account"),
        pytest.param("agent_s1", {ACCOUNT_A}, id="agent-of-station-1"),
        pytest.param("agent_s2", {ACCOUNT_B, ACCOUNT_C}, id="agent-of-station-2"),
        pytest.param("clerk_s1", {ACCOUNT_A}, id="business-hall-clerk-of-station-1"),
        pytest.param("dispatcher", {ACCOUNT_A}, id="team-dispatcher-works-for-station-1"),
        pytest.param("crew", {ACCOUNT_A}, id="field-crew-in-team-of-station-1"),
        pytest.param("analyst", ALL, id="bureau-analyst"),
        pytest.param("manager", ALL, id="bureau-manager"),
        pytest.param("admin", ALL, id="bureau-admin"),
    ],
)
def test_accounts_visible_to_each_persona(world: World, persona: str, expected: set[str]) -> None:
    assert _numbers(accounts_visible_to(world.users[persona])) == expected


@pytest.mark.parametrize("persona", ["alice", "agent_s1", "manager"])
def test_a_deactivated_user_sees_no_accounts(world: World, persona: str) -> None:
    user = world.users[persona]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _numbers(accounts_visible_to(user)) == set()


def test_an_anonymous_visitor_sees_no_accounts(world: World) -> None:
    assert _numbers(accounts_visible_to(AnonymousUser())) == set()


def test_a_revoked_binding_hides_the_account_from_the_customer(world: World) -> None:
    AccountBinding.objects.filter(user=world.users["alice"]).update(revoked_at=timezone.now())
    assert _numbers(accounts_of_login(user=world.users["alice"])) == set()


def test_a_staff_member_without_account_permission_sees_nothing(world: World) -> None:
    agent = world.users["agent_s1"]
    agent.groups.clear()
    agent = type(agent).objects.get(pk=agent.pk)  # drop the cached permissions
    assert _numbers(accounts_visible_to(agent)) == set()


@pytest.mark.parametrize(
    ("persona", "number"),
    [
        ("bob", ACCOUNT_A),
        ("alice", ACCOUNT_C),
        ("agent_s2", ACCOUNT_A),
        ("agent_s1", ACCOUNT_B),
        ("dispatcher", ACCOUNT_C),
    ],
)
def test_an_account_outside_scope_is_not_found_rather_than_forbidden(
    world: World, persona: str, number: str
) -> None:
    with pytest.raises(NotFound) as excinfo:
        account_get_for_user(user=world.users[persona], number=number)
    assert excinfo.value.code == "customers.account.not_found"
    assert excinfo.value.status == 404


def test_an_unknown_account_gives_the_same_answer_as_one_outside_scope(world: World) -> None:
    with pytest.raises(NotFound) as outside:
        account_get_for_user(user=world.users["bob"], number=ACCOUNT_A)
    with pytest.raises(NotFound) as unknown:
        account_get_for_user(user=world.users["bob"], number="3199999999999")
    assert outside.value.to_dict() == unknown.value.to_dict()


# --- Customers ---


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("agent_s1", ["张三丰"]),
        ("agent_s2", ["李四", "棠下五金厂"]),
        ("dispatcher", ["张三丰"]),
        ("manager", ["张三丰", "李四", "棠下五金厂"]),
        ("crew", []),
        ("analyst", []),
        ("alice", []),
    ],
)
def test_customers_visible_to_each_persona(world: World, persona: str, expected: list[str]) -> None:
    assert _names(customers_visible_to(world.users[persona]).order_by("pk")) == expected


def test_an_anonymous_visitor_sees_no_customers(world: World) -> None:
    assert list(customers_visible_to(AnonymousUser())) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(ACCOUNT_A, ["张三丰"], id="account-number"),
        pytest.param(ALICE_MOBILE, ["张三丰"], id="mobile"),
        pytest.param(ALICE_ID_NUMBER, ["张三丰"], id="id-number-by-blind-index"),
        pytest.param(ALICE_ID_NUMBER.lower(), ["张三丰"], id="id-number-lowercase-x"),
        pytest.param("张", ["张三丰"], id="surname-prefix"),
        pytest.param(" 张三 ", ["张三丰"], id="name-prefix-with-spaces"),
        pytest.param("0001", ["张三丰"], id="mobile-tail"),
        pytest.param("三丰", [], id="not-a-prefix"),
        pytest.param("", [], id="empty"),
    ],
)
def test_manager_finds_alice_by_any_identifier(
    world: World, query: str, expected: list[str]
) -> None:
    assert _names(customer_search(user=world.users["manager"], query=query)) == expected


def test_searching_by_a_registered_mobile_finds_the_account_holder(world: World) -> None:
    account_open(
        actor=None,
        customer=world.customer_alice,
        number="3100000000009",
        premise=premise_create(
            province="广东省", city="广州市", district="天河区", street="石牌街道", detail="1 号"
        ),
        supply_unit=world.station_1,
        tariff_class="residential",
        contracted_capacity_kva=Decimal("4.0"),
        registered_mobile="13711112222",
    )
    assert _names(customer_search(user=world.users["agent_s1"], query="13711112222")) == ["张三丰"]


def test_account_number_prefix_finds_every_holder_in_scope(world: World) -> None:
    assert _names(customer_search(user=world.users["agent_s2"], query="310000000000")) == [
        "李四",
        "棠下五金厂",
    ]


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(ACCOUNT_A, id="account-number"),
        pytest.param(ALICE_MOBILE, id="mobile"),
        pytest.param(ALICE_ID_NUMBER, id="id-number"),
        pytest.param("张三", id="name"),
    ],
)
def test_an_agent_of_another_station_cannot_find_alice(world: World, query: str) -> None:
    assert _names(customer_search(user=world.users["agent_s2"], query=query)) == []


def test_an_agent_of_the_other_station_finds_bob_by_mobile(world: World) -> None:
    assert _names(customer_search(user=world.users["agent_s2"], query=BOB_MOBILE)) == ["李四"]


def test_a_customer_login_cannot_search_customers(world: World) -> None:
    assert _names(customer_search(user=world.users["alice"], query=ALICE_MOBILE)) == []


def test_search_results_list_a_customer_with_several_accounts_once(world: World) -> None:
    account_open(
        actor=None,
        customer=world.customer_alice,
        number="3100000000009",
        premise=premise_create(
            province="广东省", city="广州市", district="天河区", street="石牌街道", detail="2 号"
        ),
        supply_unit=world.station_1,
        tariff_class="residential",
        contracted_capacity_kva=Decimal("4.0"),
    )
    assert _names(customer_search(user=world.users["agent_s1"], query="张")) == ["张三丰"]


# --- Customer 360 ---


def test_customer_360_shows_accounts_topology_bindings_and_consent(world: World) -> None:
    consent_record(
        actor=world.users["agent_s1"],
        customer=world.customer_alice,
        purpose="outage",
        granted=True,
        source="95598",
    )
    view = customer_360(user=world.users["agent_s1"], customer_id=world.customer_alice.pk)

    assert view.customer == world.customer_alice
    assert [item.account.number for item in view.accounts] == [ACCOUNT_A]
    (account_view,) = view.accounts
    assert account_view.bound_logins == 1
    assert [
        (p.substation.code, p.feeder.code, p.transformer.code, p.meter.asset_number)
        for p in account_view.paths
    ] == [("SUB1", "F1", "TR1", "MA0001")]
    assert view.consents == {"outage": True} == consent_current(customer=world.customer_alice)


@pytest.mark.parametrize("persona", ["agent_s2", "alice", "bob", "crew", "analyst"])
def test_customer_360_outside_scope_is_not_found(world: World, persona: str) -> None:
    with pytest.raises(NotFound) as excinfo:
        customer_360(user=world.users[persona], customer_id=world.customer_alice.pk)
    assert excinfo.value.code == "customers.customer.not_found"


@pytest.fixture
def alice_shop_in_s2(world: World) -> None:
    """Alice also rents a shop (3100000000009) supplied by station S2."""
    account_open(
        actor=None,
        customer=world.customer_alice,
        number="3100000000009",
        premise=premise_create(
            province="广东省", city="广州市", district="天河区", street="棠下街道", detail="3 号"
        ),
        supply_unit=world.station_2,
        tariff_class="general_commercial",
        contracted_capacity_kva=Decimal("20.0"),
    )


def test_customer_360_shows_only_the_accounts_in_the_readers_scope(
    world: World, alice_shop_in_s2: None
) -> None:
    for persona, expected in [
        ("agent_s1", [ACCOUNT_A]),
        ("agent_s2", ["3100000000009"]),
        ("manager", [ACCOUNT_A, "3100000000009"]),
    ]:
        view = customer_360(user=world.users[persona], customer_id=world.customer_alice.pk)
        assert [item.account.number for item in view.accounts] == expected, persona


def test_search_results_carry_only_the_accounts_in_the_readers_scope(
    world: World, alice_shop_in_s2: None
) -> None:
    for persona, expected in [
        ("agent_s1", [ACCOUNT_A]),
        ("agent_s2", ["3100000000009"]),
        ("manager", [ACCOUNT_A, "3100000000009"]),
    ]:
        (found,) = customer_search(user=world.users[persona], query=ALICE_MOBILE)
        assert [account.number for account in found.scoped_accounts] == expected, persona


def test_customer_get_for_an_unknown_id_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        customer_get_for_user(user=world.users["manager"], customer_id=999_999)
