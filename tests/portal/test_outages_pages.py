"""Portal 停电信息: the search (anyone; 户号 needs a login), one outage, my outages with each
account's own restoration, and the home banner; every persona × page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.customers.models import AccountBinding
from gridcare.outages.choices import OutageKind, OutageLevel, OutageState
from gridcare.outages.models import Outage
from gridcare.testing.personas import ACCOUNT_A, World
from tests.outages.factory import outage_make

STAFF = ["agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin"]


@pytest.fixture
def tr1(world: World) -> Outage:
    return outage_make(accounts=[world.account_a], etr_minutes=120)


@pytest.fixture
def past(world: World) -> Outage:
    start = timezone.now() - timedelta(days=30)
    return outage_make(
        accounts=[world.account_a],
        state=OutageState.RESTORED,
        starts_at=start,
        restored_at=start + timedelta(minutes=75),
    )


@pytest.fixture
def planned_b(world: World) -> Outage:
    return outage_make(
        accounts=[world.account_b],
        kind=OutageKind.PLANNED,
        level=OutageLevel.FEEDER,
        state=OutageState.PUBLISHED,
        starts_at=timezone.now() + timedelta(days=3),
        reason="10kV 棠下线 检修",
    )


def test_anyone_searches_by_area_and_address(tr1: Outage) -> None:
    for query in ("石牌1号台区", "华师路"):
        html = Client().get("/portal/outages/", {"q": query}).content.decode()
        assert tr1.number in html, query
        assert 'data-testid="outage-etr"' in html  # an estimate, said so
    empty = Client().get("/portal/outages/", {"q": "越秀区"}).content.decode()
    assert 'data-testid="no-outages"' in empty


def test_the_search_page_lists_open_outages_before_a_query(tr1: Outage) -> None:
    assert tr1.number in Client().get("/portal/outages/").content.decode()


def test_htmx_gets_only_the_results(tr1: Outage) -> None:
    response = Client().get("/portal/outages/", {"q": "TR1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert tr1.number in html
    assert "<html" not in html


def test_account_search_asks_anonymous_visitors_to_log_in(client_for, tr1: Outage) -> None:
    response = Client().get("/portal/outages/", {"q": ACCOUNT_A})
    assert response.status_code == 401
    assert "请先登录" in response.content.decode()
    assert (
        tr1.number in client_for("alice").get("/portal/outages/", {"q": ACCOUNT_A}).content.decode()
    )
    assert (
        tr1.number
        not in client_for("bob").get("/portal/outages/", {"q": ACCOUNT_A}).content.decode()
    )


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": "x"}, 400),
        ({"q": "x" * 61}, 400),
        ({"q": "华师路", "by": "zzz"}, 400),
        ({"q": "1234", "by": "account"}, 400),
    ],
)
def test_bad_queries_are_400_with_a_message(
    tr1: Outage, params: dict[str, str], status: int
) -> None:
    assert Client().get("/portal/outages/", params).status_code == status


def test_one_outage_page_and_404s(world: World, tr1: Outage) -> None:
    html = Client().get(f"/portal/outages/{tr1.number}/").content.decode()
    assert "石牌1号台区" in html
    assert "张三丰" not in html
    draft = outage_make(
        accounts=[world.account_b], kind=OutageKind.PLANNED, state=OutageState.DRAFT
    )
    assert Client().get(f"/portal/outages/{draft.number}/").status_code == 404
    assert Client().get("/portal/outages/TD20200101000001/").status_code == 404
    assert Client().get("/portal/outages/abc/").status_code == 404


def test_my_outages_now_and_the_past_year(
    client_for, tr1: Outage, past: Outage, planned_b: Outage
) -> None:
    html = client_for("alice").get("/portal/outages/mine/").content.decode()
    assert tr1.number in html
    assert 'data-testid="my-outage-off"' in html
    assert 'data-testid="my-outage-past-row"' in html
    assert "75" in html
    assert planned_b.number not in html  # Bob's
    bob = client_for("bob").get("/portal/outages/mine/").content.decode()
    assert planned_b.number in bob
    assert tr1.number not in bob


def test_my_outages_shows_each_accounts_own_restoration(client_for, world: World) -> None:
    outage = outage_make(accounts=[world.account_a], restored_accounts=(ACCOUNT_A,))
    html = client_for("alice").get("/portal/outages/mine/").content.decode()
    assert outage.number in html
    assert 'data-testid="my-outage-off"' not in html


def test_home_banner_when_an_own_account_is_off(client_for, tr1: Outage, planned_b: Outage) -> None:
    alice = client_for("alice").get("/portal/").content.decode()
    assert 'data-testid="home-outage-banner"' in alice
    assert ACCOUNT_A in alice
    bob = client_for("bob").get("/portal/").content.decode()
    assert 'data-testid="home-outage-banner"' not in bob
    assert 'data-testid="home-planned-banner"' in bob  # within a week


def test_home_links_to_the_search_when_nothing_is_off(client_for, world: World) -> None:
    html = client_for("alice").get("/portal/").content.decode()
    assert 'data-testid="home-outage-link"' in html


# The permission matrix: the search and one outage are public; "my outages" is a customer's.
PUBLIC = ["/portal/outages/", "/portal/outages/{tr1}/"]


@pytest.mark.parametrize("page", PUBLIC)
@pytest.mark.parametrize("persona", ["", "alice", "bob", *STAFF])
def test_public_pages_open_for_every_persona(
    client_for, tr1: Outage, page: str, persona: str
) -> None:
    client = client_for(persona) if persona else Client()
    assert client.get(page.format(tr1=tr1.number)).status_code == 200


def test_my_outages_sends_anonymous_to_login_and_staff_to_the_console(
    client_for, tr1: Outage
) -> None:
    response = Client().get("/portal/outages/mine/")
    assert response["Location"] == "/portal/login/?next=/portal/outages/mine/"
    for persona in STAFF:
        response = client_for(persona).get("/portal/outages/mine/")
        assert response.status_code == 302, persona
        assert response["Location"] == "/console/", persona


def test_two_own_accounts_in_one_outage_show_one_card_with_each_accounts_time(
    client_for, world: World
) -> None:
    AccountBinding.objects.create(user=world.users["alice"], account=world.account_c)
    outage = outage_make(
        accounts=[world.account_a, world.account_c],
        level=OutageLevel.FEEDER,
        restored_accounts=(world.account_c.number,),
    )
    html = client_for("alice").get("/portal/outages/mine/").content.decode()
    assert html.count('data-testid="outage-card"') == 1
    assert html.count('data-testid="my-outage-account"') == 2
    assert 'data-testid="my-outage-off"' in html  # A is still off
    assert 'data-testid="my-outage-back"' in html  # C is back
    assert outage.number in html


def test_hostile_values_are_400_with_a_code_or_answered(client_for, tr1: Outage) -> None:
    from tests.console.test_hostile_query_values import _sweep

    pages = {"/portal/outages/": ["q", "by"], "/portal/outages/mine/": ["q"]}
    assert _sweep(Client(), {"/portal/outages/": ["q", "by"]}, {}) == []
    assert _sweep(client_for("alice"), pages, {}) == []
    console = {"/console/outages/board/": ["page"], "/console/outages/board/live/": ["x"]}
    assert _sweep(client_for("manager"), console, {}) == []


def test_the_fault_report_page_says_the_outage_is_known(client_for, tr1: Outage) -> None:
    alice = client_for("alice").get("/portal/orders/report/").content.decode()
    assert 'data-testid="report-known-outage"' in alice
    assert ACCOUNT_A in alice
    bob = client_for("bob").get("/portal/orders/report/").content.decode()
    assert 'data-testid="report-known-outage"' not in bob
