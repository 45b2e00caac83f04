"""POST /api/v1/assistant/messages, the WeChat/Alipay/app adapters' endpoint: who may post
(each persona), the sender resolved through the channel identities, absolute links, the
same message id answered once, and the 4xx for a body that is not a message."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gridcare.assistant.models import BotSession, BotTurn
from gridcare.core.choices import ApiTokenScope
from gridcare.core.services import api_token_issue
from gridcare.customers.models import ChannelIdentity
from gridcare.service.models import WorkOrder
from gridcare.testing.personas import ACCOUNT_A, World
from tests.api.conftest import assert_chinese_error, validate_response
from tests.api.test_permission_matrix import ANONYMOUS_BODY, PERSONAS, table
from tests.billing.factory import make_bill

URL = "/api/v1/assistant/messages"
#: Only an administrator (an integrator's token) posts customers' messages.
EXPECT = table(403, admin=200)


def message_routes() -> set[tuple[str, str]]:
    """(method, path under /api/v1) this matrix covers (for the all-endpoints check)."""
    return {("POST", "/assistant/messages")}


def post(client: Client, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **headers)


def message(
    text: str, *, sender: str = "o-alice", message_id: str = "", channel: str = "wechat"
) -> dict[str, str]:
    body = {"channel": channel, "sender": sender, "text": text}
    return body | ({"message_id": message_id} if message_id else {})


@pytest.fixture
def alice_on_wechat(world: World) -> ChannelIdentity:
    return ChannelIdentity.objects.create(
        customer=world.customer_alice, channel="wechat", external_id="o-alice"
    )


@pytest.mark.parametrize(("persona", "status"), [(p, EXPECT[p]) for p in PERSONAS])
def test_each_persona_gets_the_status_its_role_allows(
    persona: str, status: int, world: World, client_for: Callable[[str], Client]
) -> None:
    client = Client() if persona == "anonymous" else client_for(persona)

    response = post(client, message("你好"))

    assert response.status_code == status, response.content.decode()
    body = validate_response(response)
    if status == 401:
        assert body == ANONYMOUS_BODY
    elif status == 403:
        assert_chinese_error(body, "core.permission_denied")
    assert BotTurn.objects.count() == (2 if status == 200 else 0)


def test_an_integrator_token_with_write_scope_posts_and_a_read_token_may_not(world: World) -> None:
    admin = world.users["admin"]
    _, writer = api_token_issue(
        actor=admin, user=admin, name="wechat", scopes=[ApiTokenScope.WRITE]
    )
    _, reader = api_token_issue(actor=admin, user=admin, name="viewer", scopes=[ApiTokenScope.READ])

    refused = post(Client(), message("你好"), HTTP_AUTHORIZATION=f"Bearer {reader}")
    accepted = post(Client(), message("你好"), HTTP_AUTHORIZATION=f"Bearer {writer}")

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert validate_response(accepted)["session"] == BotSession.objects.get().pk


def test_a_bound_sender_gets_their_bill_with_absolute_links(
    world: World, client_for: Callable[[str], Client], alice_on_wechat: ChannelIdentity, settings
) -> None:
    make_bill(world.account_a, period=dt.date(2026, 10, 1), total="128.50")

    body = validate_response(post(client_for("admin"), message("查一下我的电费")))

    assert "¥128.50" in body["reply"]
    assert ACCOUNT_A in body["reply"]
    assert {
        "label": "去缴费",
        "url": f"{settings.SERVICE_PORTAL_ORIGIN}/portal/billing/accounts/{ACCOUNT_A}/pay/",
    } in body["links"]
    assert body["handed_off"] is False
    session = BotSession.objects.get(pk=body["session"])
    assert (session.channel, session.sender, session.customer_id) == (
        "wechat",
        "o-alice",
        world.customer_alice.pk,
    )


def test_an_unknown_sender_gets_the_binding_link_for_a_personal_question(
    world: World, client_for: Callable[[str], Client]
) -> None:
    body = validate_response(post(client_for("admin"), message("查电费", sender="o-stranger")))

    assert "绑定" in body["reply"]
    assert body["links"][0]["url"].endswith("/portal/accounts/bind/")
    assert BotSession.objects.get().customer_id is None


def test_an_unknown_sender_still_gets_knowledge_base_answers(
    world: World, client_for: Callable[[str], Client]
) -> None:
    body = validate_response(
        post(client_for("admin"), message("峰谷电价是几点到几点", sender="o-x"))
    )

    assert "（知识库 tariff-tou-periods" in body["reply"]
    assert body["links"] == []


def test_the_same_message_id_gets_the_same_reply_and_runs_once(
    world: World, client_for: Callable[[str], Client], alice_on_wechat: ChannelIdentity
) -> None:
    client = client_for("admin")
    post(client, message("卧室插座冒烟了还有焦味", message_id="m1"))
    post(client, message("是，在用电地址", message_id="m2"))
    first = post(client, message("确认", message_id="m3")).json()
    again = post(client, message("确认", message_id="m3")).json()

    assert again == first
    assert WorkOrder.objects.count() == 1
    assert BotTurn.objects.filter(speaker="customer").count() == 3


def test_a_handoff_on_wechat_sends_later_messages_to_the_agent(
    world: World, client_for: Callable[[str], Client], alice_on_wechat: ChannelIdentity
) -> None:
    from gridcare.contact.models import Conversation

    client = client_for("admin")
    handed = post(client, message("转人工")).json()
    later = post(client, message("电表箱在冒烟")).json()

    assert handed["handed_off"]
    assert later["handed_off"]
    conversation = Conversation.objects.get(customer=world.customer_alice, channel="wechat")
    assert conversation.messages.last().text == "电表箱在冒烟"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"channel": "sms", "sender": "x", "text": "你好"}, 422),
        ({"channel": "wechat", "sender": "", "text": "你好"}, 422),
        ({"channel": "wechat", "sender": "x" * 129, "text": "你好"}, 422),
        ({"channel": "wechat", "sender": "x", "text": "你好", "extra": 1}, 422),
        ({"channel": "wechat", "sender": "x", "text": "你" * 20_001}, 422),
        ({"channel": "wechat", "sender": "x", "message_id": "m" * 129, "text": "你好"}, 422),
        ("not json", 422),
    ],
)
def test_a_body_that_is_not_a_message_is_refused_with_a_chinese_error(
    world: World, client_for: Callable[[str], Client], body: Any, status: int
) -> None:
    response = post(client_for("admin"), body)

    assert response.status_code == status, response.content.decode()
    assert_chinese_error(validate_response(response))
    assert not BotSession.objects.exists()
