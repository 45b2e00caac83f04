"""Web/H5 chat: the customer writes in the portal, an agent answers from the inbox, the
answer shows in the chat and the portal inbox; everything is on the timeline."""

from __future__ import annotations

from gridcare.contact.conversations import conversation_claim, conversation_reply
from gridcare.contact.models import Conversation
from gridcare.customers.models import Interaction
from gridcare.notify.models import Notification


def test_customer_chats_and_sees_the_agents_answer(world, client_for) -> None:
    alice = client_for("alice")
    assert alice.post("/portal/chat/", {"text": "请问明天是否停电？"}).status_code == 302
    conversation = Conversation.objects.get(customer=world.customer_alice, channel="web_chat")
    assert conversation.status == "open"
    assert 'data-testid="waiting"' in alice.get("/portal/chat/").content.decode()
    entry = Interaction.objects.get(customer=world.customer_alice, channel="web_chat")
    assert entry.summary == "请问明天是否停电？"

    agent = world.users["agent_s1"]
    conversation_claim(actor=agent, conversation_id=conversation.pk)
    conversation_reply(actor=agent, conversation_id=conversation.pk, text="明天没有计划停电。")
    page = alice.get("/portal/chat/").content.decode()
    assert "明天没有计划停电。" in page
    reply = Notification.objects.get(customer=world.customer_alice, channel="portal")
    assert reply.body == "明天没有计划停电。"

    assert alice.post("/portal/chat/", {"text": "谢谢"}).status_code == 302
    assert Conversation.objects.filter(customer=world.customer_alice).count() == 1


def test_an_empty_or_overlong_message_is_refused(world, client_for) -> None:
    alice = client_for("alice")
    empty = alice.post("/portal/chat/", {"text": "   "})
    assert empty.status_code == 400
    assert "请输入消息内容" in empty.content.decode()
    long = alice.post("/portal/chat/", {"text": "长" * 1001})
    assert long.status_code == 400
    assert not Conversation.objects.exists()
