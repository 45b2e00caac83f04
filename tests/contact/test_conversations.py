"""The agent inbox: a customer's messages open one conversation; claim is first come,
first served (409 for the second); only the holder replies, transfers or closes; the
assistant's transcript comes with a handoff; replies go out through notify."""

from __future__ import annotations

import pytest

from gridcare.contact.conversations import (
    conversation_claim,
    conversation_close,
    conversation_handoff,
    conversation_message_in,
    conversation_reply,
    conversation_transfer,
)
from gridcare.contact.models import Conversation, ConversationEvent
from gridcare.core.errors import ConcurrentChange, DomainError, PermissionDeniedError
from gridcare.notify.models import Notification


def test_messages_of_one_customer_on_one_channel_share_an_open_conversation(world) -> None:
    first = conversation_message_in(
        customer_id=world.customer_alice.pk, channel="wechat", text="在吗"
    )
    again = conversation_message_in(
        customer_id=world.customer_alice.pk, channel="wechat", text="家里停电了"
    )
    assert again.pk == first.pk
    assert [m.text for m in first.messages.all()] == ["在吗", "家里停电了"]
    assert first.status == "open"


def test_the_second_agent_to_claim_gets_a_conflict(world) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="你好")
    conversation_claim(actor=world.users["agent_s1"], conversation_id=c.pk)
    with pytest.raises(ConcurrentChange) as caught:
        conversation_claim(actor=world.users["agent_s2"], conversation_id=c.pk)
    assert caught.value.status == 409
    c.refresh_from_db()
    assert c.assignee == world.users["agent_s1"]


def test_only_the_holder_replies_and_the_reply_is_sent(world) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="你好")
    with pytest.raises(PermissionDeniedError):
        conversation_reply(actor=world.users["agent_s1"], conversation_id=c.pk, text="您好")
    conversation_claim(actor=world.users["agent_s1"], conversation_id=c.pk)
    with pytest.raises(DomainError):
        conversation_reply(actor=world.users["agent_s1"], conversation_id=c.pk, text="  ")
    message = conversation_reply(
        actor=world.users["agent_s1"], conversation_id=c.pk, text="您好，抢修人员已出发。"
    )
    reply = Notification.objects.get(idempotency_key=f"reply:{message.pk}")
    assert reply.body == "您好，抢修人员已出发。"
    assert reply.urgent
    assert reply.channel == "portal"  # alice has no WeChat identity: her portal inbox


def test_transfer_then_close_by_the_new_holder(world) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="web_chat", text="?")
    agent, other = world.users["agent_s1"], world.users["clerk_s1"]
    conversation_claim(actor=agent, conversation_id=c.pk)
    conversation_transfer(actor=agent, conversation_id=c.pk, to=other)
    with pytest.raises(ConcurrentChange):
        conversation_close(actor=agent, conversation_id=c.pk)  # no longer hers
    closed = conversation_close(actor=other, conversation_id=c.pk)
    assert closed.status == "closed"
    kinds = list(ConversationEvent.objects.filter(conversation=c).values_list("kind", flat=True))
    assert kinds == ["opened", "claimed", "transferred", "closed"]
    with pytest.raises(DomainError):
        conversation_transfer(actor=other, conversation_id=c.pk, to=world.users["alice"])
    nxt = conversation_message_in(customer_id=world.customer_alice.pk, channel="web_chat", text="!")
    assert nxt.pk != c.pk  # a closed conversation is not reopened


def test_the_assistants_transcript_comes_with_the_handoff(world) -> None:
    transcript = [("customer", "我要投诉"), ("assistant", "正在为您转接人工客服")]
    c = conversation_handoff(
        customer_id=world.customer_bob.pk, channel="web_chat", transcript=transcript
    )
    assert [(m.speaker, m.text) for m in c.messages.all()] == transcript
    assert Conversation.objects.get(pk=c.pk).status == "open"
    with pytest.raises(DomainError):
        conversation_handoff(customer_id=world.customer_bob.pk, channel="web_chat", transcript=[])


@pytest.mark.parametrize("speaker", ["agent", "robot", ""])
def test_a_handoff_transcript_speaks_as_the_customer_or_the_assistant_only(
    speaker: str, world
) -> None:
    transcript = [("customer", "我要投诉"), (speaker, "您好")]
    with pytest.raises(DomainError) as caught:
        conversation_handoff(
            customer_id=world.customer_bob.pk, channel="web_chat", transcript=transcript
        )
    assert caught.value.code == "contact.handoff.bad_speaker"
    assert not Conversation.objects.filter(customer=world.customer_bob).exists()


def test_a_reply_with_an_unknown_or_retired_canned_reply_and_no_text_is_refused(world) -> None:
    from gridcare.contact.models import CannedReply

    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="web_chat", text="?")
    conversation_claim(actor=world.users["agent_s1"], conversation_id=c.pk)
    retired = CannedReply.objects.create(title="旧", text="旧的回复", active=False)
    for canned in (retired.pk, 999_999):
        with pytest.raises(DomainError) as caught:
            conversation_reply(
                actor=world.users["agent_s1"], conversation_id=c.pk, canned_reply_id=canned
            )
        assert caught.value.code == "contact.reply.empty"
