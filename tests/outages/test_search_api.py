"""GET /api/v1/outages and /api/v1/outages/{number}: public information only, by address,
户号 (logged in: own accounts only) or 台区; bad input is a 4xx with a code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.outages.choices import OutageKind, OutageLevel, OutageState
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, World
from tests.outages.factory import outage_make

URL = "/api/v1/outages"


@pytest.fixture
def outages(world: World) -> dict[str, str]:
    tr1 = outage_make(accounts=[world.account_a])
    planned = outage_make(
        accounts=[world.account_b, world.account_c],
        kind=OutageKind.PLANNED,
        level=OutageLevel.FEEDER,
        state=OutageState.PUBLISHED,
        starts_at=timezone.now() + timedelta(days=8),
        reason="10kV 棠下线 检修",
    )
    draft = outage_make(
        accounts=[world.account_b], kind=OutageKind.PLANNED, state=OutageState.DRAFT
    )
    single = outage_make(accounts=[world.account_c], level=OutageLevel.CUSTOMER)
    return {
        "tr1": tr1.number,
        "planned": planned.number,
        "draft": draft.number,
        "single": single.number,
    }


def test_anyone_lists_the_open_public_outages_without_drafts_or_single_customers(
    outages: dict[str, str],
) -> None:
    body = Client().get(URL).json()
    numbers = [item["number"] for item in body["outages"]]
    assert numbers == [outages["tr1"], outages["planned"]]  # soonest first
    assert body["read_as"] == ""


def test_search_by_area_name_or_code(outages: dict[str, str]) -> None:
    for query in ("石牌1号", "TR1", "tr1"):
        body = Client().get(URL, {"q": query}).json()
        assert body["read_as"] == "area"
        assert [item["number"] for item in body["outages"]] == [outages["tr1"]], query
    assert (
        Client().get(URL, {"q": "棠下1号台区"}).json()["outages"][0]["number"] == outages["planned"]
    )


def test_search_by_address_words(outages: dict[str, str]) -> None:
    body = Client().get(URL, {"q": "天河区 华师路"}).json()
    assert body["read_as"] == "address"
    assert {item["number"] for item in body["outages"]} == {outages["tr1"], outages["planned"]}
    assert Client().get(URL, {"q": "越秀区"}).json()["count"] == 0


def test_the_answer_carries_no_personal_data(outages: dict[str, str]) -> None:
    text = Client().get(URL, {"q": "华师路"}).content.decode()
    for secret in ("张三丰", "李四", "五金厂", ACCOUNT_A, ACCOUNT_B, "12 号", "13800000001"):
        assert secret not in text
    item = Client().get(f"{URL}/{outages['planned']}").json()
    assert item["streets"] == ["天河区石牌街道"]
    assert item["areas"] == ["棠下1号台区"]
    assert item["reason"] == "10kV 棠下线 检修"


def test_account_search_needs_a_login_and_finds_only_own_accounts(
    client_for, outages: dict[str, str]
) -> None:
    anonymous = Client().get(URL, {"q": ACCOUNT_A})
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "outages.search.login_required"
    alice = client_for("alice").get(URL, {"q": ACCOUNT_A}).json()
    assert [item["number"] for item in alice["outages"]] == [outages["tr1"]]
    # Bob is not bound to A: the same answer as for an account in no outage.
    assert client_for("bob").get(URL, {"q": ACCOUNT_A}).json()["count"] == 0
    # Staff: within their scope only.
    assert client_for("agent_s1").get(URL, {"q": ACCOUNT_A}).json()["count"] == 1
    assert client_for("agent_s2").get(URL, {"q": ACCOUNT_A}).json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"q": "华"}, 422, None),  # the pattern: at least 2 visible characters
        ({"q": " 华 "}, 422, None),
        ({"q": "华" * 61}, 422, None),
        ({"q": "12345", "by": "account"}, 400, "outages.search.bad_account"),
        ({"q": "华师路", "by": "street"}, 422, None),
        ({"q": "a\x00b"}, 400, None),
    ],
)
def test_bad_queries_are_refused_with_a_reason(
    outages: dict[str, str], params: dict[str, str], status: int, code: str | None
) -> None:
    response = Client().get(URL, params)
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code


def test_one_outage_by_number_drafts_and_single_customers_are_404(
    outages: dict[str, str],
) -> None:
    assert Client().get(f"{URL}/{outages['tr1']}").json()["state"] == "active"
    for name in ("draft", "single"):
        response = Client().get(f"{URL}/{outages[name]}")
        assert response.status_code == 404
        assert response.json()["code"] == "outages.outage.not_found"
    assert Client().get(f"{URL}/TD20260101999999").status_code == 404
    assert Client().get(f"{URL}/nonsense").status_code == 422


def test_a_wrong_bearer_token_is_401_even_here(outages: dict[str, str]) -> None:
    response = Client().get(URL, HTTP_AUTHORIZATION="Bearer gc_wrong")
    assert response.status_code == 401


def outage_search_routes() -> set[tuple[str, str]]:
    """(method, path under /api/v1) of the endpoints the persona test below covers."""
    return {("GET", "/outages"), ("GET", "/outages/{number}")}


PERSONAS = ["", "alice", "bob", "agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew"]
PERSONAS += ["analyst", "manager", "admin"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_reads_the_public_endpoints(
    client_for, outages: dict[str, str], persona: str
) -> None:
    client = client_for(persona) if persona else Client()
    assert client.get(URL, {"q": "TR1"}).status_code == 200
    assert client.get(f"{URL}/{outages['tr1']}").status_code == 200
    # The same public view for everyone: staff get no more here than a visitor.
    assert "张三丰" not in client.get(URL).content.decode()
