"""The order screens' permission matrix (every page × every persona), scope (an agent of
another station gets 404, a crew sees its team's orders only), and hostile query values."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.testing.personas import ACCOUNT_A, World
from tests.console.test_hostile_query_values import _sweep

STAFF = ["agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin"]

#: page → the personas that get 200; every other staff persona gets 403.
MATRIX = {
    "/console/orders/": set(STAFF),
    "/console/dispatch/": {"agent_s1", "agent_s2", "dispatcher", "manager", "admin"},
    "/console/crew/": {"agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew", "manager", "admin"},
    "/console/counter/": {"agent_s1", "agent_s2", "clerk_s1", "dispatcher", "manager", "admin"},
    "/console/orders/categories/": {
        "agent_s1", "agent_s2", "clerk_s1", "dispatcher", "manager", "admin",
    },
}  # fmt: skip


def repair(world: World, title: str = "家里没电了") -> str:
    draft = OrderDraft(
        order_type="fault_repair", origin="web", title=title, account_number=ACCOUNT_A
    )
    return order_create(actor=world.users["alice"], draft=draft).number


@pytest.mark.parametrize("path", [*MATRIX, "/console/orders/1/", "/console/crew/1/"])
def test_anonymous_visitors_are_sent_to_the_staff_login(world: World, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


@pytest.mark.parametrize("path", list(MATRIX))
def test_a_customer_is_sent_back_to_the_portal(world: World, client_for, path: str) -> None:
    response = client_for("alice").get(path)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


@pytest.mark.parametrize("persona", STAFF)
@pytest.mark.parametrize("path", list(MATRIX))
def test_each_page_answers_each_role_with_200_or_403(
    world: World, client_for, persona: str, path: str
) -> None:
    expected = 200 if persona in MATRIX[path] else 403
    assert client_for(persona).get(path).status_code == expected


#: The order page of an S1 order, before it is dispatched: who may read it.
ORDER_READERS = {"agent_s1", "clerk_s1", "dispatcher", "analyst", "manager", "admin"}


@pytest.mark.parametrize("persona", STAFF)
def test_an_s1_order_is_readable_in_s1_and_above_and_not_found_elsewhere(
    world: World, client_for, persona: str
) -> None:
    number = repair(world, title="石牌停电")
    response = client_for(persona).get(f"/console/orders/{number}/")
    if persona in ORDER_READERS:
        assert response.status_code == 200
        assert "石牌停电" in response.content.decode()
    else:  # agent_s2: another station; crew: not their team's (yet)
        assert response.status_code == 404
        assert "石牌停电" not in response.content.decode()


def test_agent_of_another_station_neither_lists_nor_acts_on_s1_orders(
    world: World, client_for
) -> None:
    number = repair(world, title="石牌停电")
    client = client_for("agent_s2")
    assert "石牌停电" not in client.get("/console/orders/").content.decode()
    assert client.get(f"/console/orders/{number}/sla/").status_code == 404
    posted = client.post(
        f"/console/orders/{number}/", {"action": "dispatch", "team": world.team_1.pk}
    )
    assert posted.status_code == 404
    assert client.get(f"/console/crew/{number}/").status_code == 404


def test_the_crew_sees_its_own_teams_orders_only(world: World, client_for) -> None:
    from gridcare.core.services import org_unit_create

    other_team = org_unit_create(
        actor=None, code="T2", name="石牌二班", kind="team", parent=world.station_1
    )
    ours, theirs = repair(world, title="我班的单"), repair(world, title="二班的单")
    dispatcher = world.users["dispatcher"]
    order_act(actor=dispatcher, number=ours, action="dispatch", team_id=world.team_1.pk)
    order_act(actor=world.users["admin"], number=theirs, action="dispatch", team_id=other_team.pk)
    crew = client_for("crew")
    for page in ("/console/crew/", "/console/orders/"):
        body = crew.get(page).content.decode()
        assert "我班的单" in body
        assert "二班的单" not in body
    assert crew.get(f"/console/crew/{theirs}/").status_code == 404
    assert crew.get(f"/console/orders/{theirs}/").status_code == 404
    assert crew.get(f"/console/crew/{ours}/").status_code == 200


ORDER_PAGES = {
    "/console/orders/": [
        "state", "type", "origin", "priority", "team", "overdue", "open", "from", "to",
        "q", "page", "rows",
    ],
    "/console/orders/{order}/": ["x"],
    "/console/orders/{order}/sla/": ["x"],
    "/console/orders/categories/": ["order_type"],
    "/console/dispatch/": ["x"],
    "/console/crew/": ["x"],
    "/console/crew/{order}/": ["x"],
    "/console/counter/": ["q", "customer"],
}  # fmt: skip


def test_order_pages_never_fail_on_hostile_query_values(world: World, client_for) -> None:
    ids = {"order": repair(world)}
    assert _sweep(client_for("admin"), ORDER_PAGES, ids) == []


@pytest.mark.parametrize(
    "path",
    [
        "/console/orders/" + "9" * 5000 + "/",
        "/console/orders/%E2%80%AE/",
        "/console/crew/" + "9" * 5000 + "/",
        "/console/orders/99999999999999999999/sla/",
        "/console/inbox/99999999999999999999999/order/",
        "/console/customers/99999999999999999999999/call-order/",
    ],
)
def test_hostile_order_paths_are_not_found(world: World, client_for, path: str) -> None:
    client = client_for("admin")
    assert client.get(path).status_code in (302, 404)
    assert client.post(path, {"title": "x"}).status_code == 404


def test_order_inbox_uses_a_bounded_number_of_queries(
    world: World, client_for, django_assert_max_num_queries
) -> None:
    for i in range(30):
        repair(world, title=f"停电 {i}")
    client = client_for("manager")
    with django_assert_max_num_queries(14):
        response = client.get("/console/orders/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="order-row"') == 25
