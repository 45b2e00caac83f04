"""Handoff to the agent inbox: on request, after two messages in a row the bot did not
understand, and when the customer is upset — with the transcript, the detected intent and
the reason, shown in the inbox; later messages go to the agent's conversation until the
agent closes it, then the bot answers again."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcare.assistant.models import BotSession
from gridcare.assistant.services.dialogue import assistant_message
from gridcare.contact.conversations import conversation_claim, conversation_close
from gridcare.contact.models import Conversation, ConversationEvent
from gridcare.testing.personas import World
from tests.assistant.dialogue.conftest import Chat, session_of


def transcript(conversation: Conversation) -> list[tuple[str, str]]:
    return [(m.speaker, m.text) for m in conversation.messages.order_by("at", "pk")]


def test_asking_for_an_agent_hands_over_with_the_transcript_and_the_topic(
    world: World, chat: Chat
) -> None:
    chat("查电费")
    reply = chat("转人工")

    assert reply.handed_off
    session = session_of(reply)
    assert session.status == "handed_off"
    assert (session.handoff_reason, session.handoff_intent) == ("asked", "bill_query")
    conversation = Conversation.objects.get(pk=session.handoff_conversation_id)
    assert (conversation.customer_id, conversation.channel) == (world.customer_alice.pk, "web_chat")
    lines = transcript(conversation)
    assert lines[0] == ("customer", "查电费")
    assert lines[-2:] == [("customer", "转人工"), ("assistant", reply.text)]
    event = ConversationEvent.objects.get(conversation=conversation, kind="handoff")
    assert event.data["intent"] == "bill_query"
    assert event.data["reason"] == "asked"


def test_two_messages_in_a_row_not_understood_go_to_a_person(world: World, chat: Chat) -> None:
    first = chat("qwzx plm")
    assert not first.handed_off
    assert first.options  # what the bot can do, to tap
    second = chat("zzkq vbn")
    assert second.handed_off
    assert session_of(second).handoff_reason == "low_confidence"


def test_one_message_understood_in_between_resets_the_count(world: World, chat: Chat) -> None:
    chat("qwzx plm")
    chat("你好")
    assert not chat("zzkq vbn").handed_off


def test_an_upset_customer_goes_to_a_person(world: World, chat: Chat) -> None:
    reply = chat("你们到底怎么回事！！！停电三次了，气死我了，太差劲了！")
    assert reply.handed_off
    assert session_of(reply).handoff_reason == "anger"


def test_after_the_handoff_messages_go_to_the_agent_until_the_agent_closes(
    world: World, chat: Chat
) -> None:
    reply = chat("转人工客服")
    conversation = Conversation.objects.get(pk=session_of(reply).handoff_conversation_id)

    relayed = chat("我家电表一直在闪")
    assert relayed.handed_off
    assert "人工客服" in relayed.text
    assert transcript(conversation)[-1] == ("customer", "我家电表一直在闪")

    agent = world.users["agent_s1"]
    conversation_claim(actor=agent, conversation_id=conversation.pk)
    conversation_close(actor=agent, conversation_id=conversation.pk)
    back = chat("你好")
    assert not back.handed_off
    assert back.session_id != reply.session_id
    assert BotSession.objects.get(pk=reply.session_id).status == "ended"


def test_the_handoff_joins_the_customers_open_web_chat(world: World, chat: Chat) -> None:
    from gridcare.contact.services import web_chat_message

    earlier = web_chat_message(
        user=world.users["alice"], customer_id=world.customer_alice.pk, text="在吗"
    )
    reply = chat("转人工")
    assert session_of(reply).handoff_conversation_id == earlier.pk
    assert Conversation.objects.filter(customer=world.customer_alice).count() == 1


def test_the_inbox_shows_the_handoffs_intent_and_reason(
    world: World, chat: Chat, client_for
) -> None:
    chat("查电费")
    reply = chat("转人工")
    conversation_id = session_of(reply).handoff_conversation_id

    page = client_for("agent_s1").get(f"/console/inbox/{conversation_id}/").content.decode()

    assert 'data-testid="handoff-note"' in page
    assert "电费账单查询" in page
    assert "客户要求人工" in page


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_an_unbound_platform_sender_is_told_how_to_reach_a_person(
    world: World, channel: str
) -> None:
    reply = assistant_message(
        channel=channel,
        sender="o-unknown-sender",
        text="转人工",
        user=world.users["admin"],
    )
    assert not reply.handed_off
    assert "95598" in reply.text
    assert "绑定户号" in reply.text
    assert not Conversation.objects.exists()


def test_a_bound_wechat_sender_is_handed_to_a_wechat_conversation(world: World) -> None:
    from gridcare.customers.models import ChannelIdentity

    ChannelIdentity.objects.create(
        customer=world.customer_alice, channel="wechat", external_id="o-alice"
    )
    reply = assistant_message(
        channel="wechat",
        sender="o-alice",
        text="转人工",
        customer_id=world.customer_alice.pk,
        user=world.users["admin"],
    )
    assert reply.handed_off
    assert Conversation.objects.get().channel == "wechat"
    assert Client  # the console reads it like any other (tests/console)
