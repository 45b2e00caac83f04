"""Bad input, walked through the portal chat and the adapters' API: empty text, 10,000
characters, emoji only, HTML/script, SQL-like strings, another customer's 户号. Each gets
a polite reply — never a 500, never markup rendered, never anything of someone else's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from gridcare.assistant.models import BotTurn
from gridcare.customers.models import ChannelIdentity
from gridcare.testing.personas import ACCOUNT_B, World
from tests.api.conftest import validate_response
from tests.billing.factory import make_bill

BAD = {
    "empty": "",
    "blank": "   \n\t ",
    "long": ("我家的电费好像不对" * 1200)[:10_000],
    "emoji": "😀😡🔌⚡️🙏",
    "script": "<script>alert('x')</script>",
    "markup": '<img src=x onerror="alert(1)"><b>粗体</b>',
    "sql": "'; DROP TABLE customers_customer; --",
    "sql_or": "1' OR '1'='1",
    "other_account": f"帮我查一下{ACCOUNT_B}的电费和欠费",
}
#: What must never come back: Bob's bill and name, markup as markup.
LEAKS = ("233.30", "李四", "<script>", "<img src=x", 'onerror="alert')


@pytest.fixture
def bobs_bill(world: World) -> None:
    make_bill(world.account_b, period=dt.date(2026, 10, 1), total="233.30")


def assert_polite_and_safe(text: str) -> None:
    assert text.strip()
    for leak in LEAKS:
        assert leak not in text, leak


@pytest.mark.parametrize("name", BAD)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_the_portal_chat_answers_bad_input_politely(
    world: World, client_for, bobs_bill: None, name: str, htmx: bool
) -> None:
    alice = client_for("alice")
    headers = {"HX-Request": "true"} if htmx else {}

    response = alice.post("/portal/chat/", {"text": BAD[name]}, headers=headers)

    assert response.status_code == (200 if htmx else 302)
    page = response.content.decode() if htmx else alice.get("/portal/chat/").content.decode()
    assert_polite_and_safe(page.split('id="chat-lines"')[-1])
    if name in ("script", "markup"):
        assert "&lt;" in page  # shown as the text the customer typed
    reply = BotTurn.objects.filter(speaker="assistant").last()
    assert reply is not None
    assert_polite_and_safe(reply.text)
    if name == "other_account":
        assert "没有绑定在您的账号下" in reply.text
        assert "绑定户号" in reply.text


@pytest.mark.parametrize("name", BAD)
def test_the_api_answers_bad_input_politely(
    world: World, client_for, bobs_bill: None, name: str
) -> None:
    ChannelIdentity.objects.create(
        customer=world.customer_alice, channel="wechat", external_id="o-alice"
    )
    body = {
        "channel": "wechat",
        "sender": "o-alice",
        "message_id": f"bad-{name}",
        "text": BAD[name],
    }

    response = client_for("admin").post(
        "/api/v1/assistant/messages", body, content_type="application/json"
    )

    assert response.status_code == 200, response.content.decode()
    reply = validate_response(response)
    assert_polite_and_safe(reply["reply"])
    assert all(not o.startswith("<") for o in reply["options"])
    if name == "other_account":
        assert "没有绑定在您的账号下" in reply["reply"]
        assert reply["links"][0]["url"].endswith("/portal/accounts/bind/")


def test_a_long_message_is_kept_to_its_first_2000_characters(world: World, client_for) -> None:
    client_for("alice").post("/portal/chat/", {"text": BAD["long"]})
    turn = BotTurn.objects.filter(speaker="customer").get()
    assert len(turn.text) == 2000


def test_a_staff_visitor_of_the_api_cannot_speak_for_a_customer_by_naming_their_id(
    world: World, client_for
) -> None:
    """The sender decides the customer (its channel identity); nothing in the body can."""
    response = Client().post(
        "/api/v1/assistant/messages",
        {"channel": "wechat", "sender": "o-alice", "text": "查电费", "customer_id": 1},
        content_type="application/json",
    )
    assert response.status_code == 401
    refused = client_for("admin").post(
        "/api/v1/assistant/messages",
        {
            "channel": "wechat",
            "sender": "o-x",
            "text": "查电费",
            "customer_id": world.customer_alice.pk,
        },
        content_type="application/json",
    )
    assert refused.status_code == 422
