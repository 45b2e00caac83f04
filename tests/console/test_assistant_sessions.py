"""Console pages of the assistant: who may open them (each persona), the org scope (a
session of another station's customer is not found), masking, filters, paging, and the
session page with intents, confidences, FAQ codes and actions."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcare.assistant.models import BotSession, BotTurn
from gridcare.assistant.services.dialogue import assistant_message
from gridcare.testing.personas import ALICE_MOBILE, World

LIST = "/console/assistant/"
#: VIEW_ASSISTANT: agents, analysts, managers and administrators.
READERS = ("agent_s1", "agent_s2", "analyst", "manager", "admin")
NOT_READERS = ("clerk_s1", "dispatcher", "crew")


def talk(world: World, persona: str, *texts: str) -> BotSession:
    user = world.users[persona]
    customer = world.customer_alice if persona == "alice" else world.customer_bob
    reply = None
    for text in texts:
        reply = assistant_message(
            channel="web_chat",
            sender=f"user:{user.pk}",
            text=text,
            customer_id=customer.pk,
            user=user,
        )
    assert reply is not None
    return BotSession.objects.get(pk=reply.session_id)


def session_url(session: BotSession) -> str:
    return f"/console/assistant/{session.pk}/"


@pytest.fixture
def alices(world: World) -> BotSession:
    return talk(world, "alice", "你好", f"我的手机号是{ALICE_MOBILE}，查电费", "转人工")


def test_anonymous_visitors_go_to_the_staff_login(world: World, alices: BotSession) -> None:
    for path in (LIST, session_url(alices)):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/console/login/")


def test_customers_are_sent_back_to_the_portal(
    world: World, alices: BotSession, client_for
) -> None:
    for path in (LIST, session_url(alices)):
        response = client_for("alice").get(path)
        assert response.status_code == 302
        assert response["Location"] == "/portal/"


@pytest.mark.parametrize("persona", NOT_READERS)
def test_staff_without_the_permission_get_403(
    world: World, alices: BotSession, client_for, persona: str
) -> None:
    client = client_for(persona)
    assert client.get(LIST).status_code == 403
    assert client.get(session_url(alices)).status_code == 403
    assert 'data-testid="nav-assistant"' not in client.get("/console/").content.decode()


@pytest.mark.parametrize("persona", READERS)
def test_readers_see_the_list_and_in_scope_sessions(
    world: World, alices: BotSession, client_for, persona: str
) -> None:
    client = client_for(persona)
    listing = client.get(LIST)
    assert listing.status_code == 200
    assert 'data-testid="nav-assistant"' in listing.content.decode()
    in_scope = persona != "agent_s2"  # Alice's account is supplied by station 1
    assert (listing.content.decode().count('data-testid="session-row"') == 1) == in_scope
    assert client.get(session_url(alices)).status_code == (200 if in_scope else 404)


def test_the_session_page_shows_what_the_bot_understood_and_did_masked(
    world: World, alices: BotSession, client_for
) -> None:
    page = client_for("agent_s1").get(session_url(alices)).content.decode()

    assert page.count('data-testid="transcript-line"') == 6
    assert "138****0001" in page
    assert ALICE_MOBILE not in page
    assert "张*丰" in page
    assert "张三丰" not in page
    assert "电费账单查询" in page  # the intent of the second message
    assert "<code>handoff</code>" in page
    assert "客户要求人工" in page
    confidence = BotTurn.objects.filter(session=alices, speaker="customer").first().confidence
    assert f"{confidence:.2f}" in page
    assert f"/console/inbox/{alices.handoff_conversation_id}/" in page


def test_filters_by_status_intent_reason_and_day(
    world: World, alices: BotSession, client_for
) -> None:
    bobs = talk(world, "bob", "阶梯电价怎么算")
    client = client_for("manager")

    def rows(query: str) -> int:
        return client.get(f"{LIST}?{query}").content.decode().count('data-testid="session-row"')

    assert rows("") == 2
    assert rows("status=handed_off") == 1
    assert rows("reason=asked") == 1
    assert rows("intent=tariff_policy") == 1
    assert rows(f"since={bobs.started_at:%Y-%m-%d}") == 2
    assert rows("until=2001-01-01") == 0
    summary = client.get(LIST).content.decode().split('data-testid="handoff-summary"')[1]
    assert "客户要求人工 1" in summary


@pytest.mark.parametrize(
    "query",
    [
        "status=nope",
        "intent=weather",
        "reason=x",
        "since=yesterday",
        "page=0",
        "since=2026-12-10&until=2026-12-01",
    ],
)
def test_a_bad_filter_is_a_400(world: World, client_for, query: str) -> None:
    assert client_for("manager").get(f"{LIST}?{query}").status_code == 400


def test_unbound_senders_sessions_are_seen_only_with_a_whole_bureaus_scope(
    world: World, client_for
) -> None:
    reply = assistant_message(
        channel="wechat", sender="o-stranger-0001", text="你好", user=world.users["admin"]
    )
    url = f"/console/assistant/{reply.session_id}/"
    assert client_for("agent_s1").get(url).status_code == 404
    page = client_for("manager").get(url).content.decode()
    assert "o-st…01" in page
    assert "o-stranger-0001" not in page


def test_the_list_pages_and_stays_within_a_query_budget(
    world: World, client_for, django_assert_max_num_queries
) -> None:
    for n in range(55):
        BotSession.objects.create(channel="wechat", sender=f"o-{n}", customer=world.customer_alice)
    client = client_for("manager")
    with django_assert_max_num_queries(15):
        first = client.get(LIST).content.decode()
    assert first.count('data-testid="session-row"') == 50
    assert 'data-testid="next-page"' in first
    assert client.get(f"{LIST}?page=2").content.decode().count('data-testid="session-row"') == 5
