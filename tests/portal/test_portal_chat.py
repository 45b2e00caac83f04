"""Web/H5 chat with an agent: the assistant answers first; once it hands over, the customer
writes to the agent's conversation, the agent answers from the inbox, the answer shows in
the chat and the portal inbox; everything is on the timeline."""

from __future__ import annotations

from gridcare.contact.conversations import conversation_claim, conversation_reply
from gridcare.contact.models import Conversation
from gridcare.customers.models import Interaction
from gridcare.notify.models import Notification


def test_customer_reaches_an_agent_through_the_assistant_and_sees_the_answer(
    world, client_for
) -> None:
    alice = client_for("alice")
    assert alice.post("/portal/chat/", {"text": "转人工客服"}).status_code == 302
    conversation = Conversation.objects.get(customer=world.customer_alice, channel="web_chat")
    assert conversation.status == "open"
    page = alice.get("/portal/chat/").content.decode()
    assert 'data-testid="waiting"' in page
    assert 'data-testid="with-agent"' in page

    assert alice.post("/portal/chat/", {"text": "请问明天是否停电？"}).status_code == 302
    assert conversation.messages.last().text == "请问明天是否停电？"
    entry = Interaction.objects.get(customer=world.customer_alice, channel="web_chat")
    assert entry.summary == "请问明天是否停电？"
    assert Interaction.objects.filter(customer=world.customer_alice, channel="chatbot").exists()

    agent = world.users["agent_s1"]
    conversation_claim(actor=agent, conversation_id=conversation.pk)
    conversation_reply(actor=agent, conversation_id=conversation.pk, text="明天没有计划停电。")
    page = alice.get("/portal/chat/").content.decode()
    assert "明天没有计划停电。" in page
    reply = Notification.objects.get(customer=world.customer_alice, channel="portal")
    assert reply.body == "明天没有计划停电。"

    assert alice.post("/portal/chat/", {"text": "谢谢"}).status_code == 302
    assert Conversation.objects.filter(customer=world.customer_alice).count() == 1
