"""Console inbox pages: area-scoped list, take a conversation, reply, the second taker is
told someone else has it, close."""

from __future__ import annotations

import pytest

from gridcare.contact.conversations import conversation_claim, conversation_message_in
from gridcare.contact.models import CannedReply, Conversation
from gridcare.notify.models import Notification


def test_agent_takes_replies_with_a_canned_answer_and_closes(world, client_for) -> None:
    c = conversation_message_in(
        customer_id=world.customer_alice.pk, channel="wechat", text="停电了"
    )
    canned = CannedReply.objects.create(
        title="抢修已派单", text="您好，抢修人员已出发，请耐心等待。"
    )
    client = client_for("agent_s1")
    inbox = client.get("/console/inbox/").content.decode()
    assert 'data-testid="conversation-row"' in inbox
    url = f"/console/inbox/{c.pk}/"
    assert "停电了" in client.get(url).content.decode()
    assert client.post(url, {"action": "claim"}).status_code == 302
    assert client.post(url, {"action": "reply", "text": "", "canned": canned.pk}).status_code == 302
    assert Notification.objects.filter(body="您好，抢修人员已出发，请耐心等待。").exists()
    assert client.post(url, {"action": "close"}).status_code == 302
    assert Conversation.objects.get(pk=c.pk).status == "closed"


@pytest.mark.parametrize("to", ["abc", "", "²", "1" * 40, "-1"])
def test_a_transfer_to_no_colleague_is_a_400_and_changes_nothing(to, world, client_for) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="你好")
    conversation_claim(actor=world.users["agent_s1"], conversation_id=c.pk)
    client = client_for("agent_s1")
    response = client.post(f"/console/inbox/{c.pk}/", {"action": "transfer", "to": to})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请选择要转给的同事" in page or "参数 to 应为整数" in page or "参数 to 应在" in page
    assert Conversation.objects.get(pk=c.pk).assignee == world.users["agent_s1"]
    colleague = world.users["clerk_s1"].pk
    response = client.post(f"/console/inbox/{c.pk}/", {"action": "transfer", "to": colleague})
    assert response.status_code == 302
    assert Conversation.objects.get(pk=c.pk).assignee == world.users["clerk_s1"]


def test_a_conversation_already_taken_answers_409_with_a_chinese_message(world, client_for) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="你好")
    conversation_claim(actor=world.users["clerk_s1"], conversation_id=c.pk)
    response = client_for("agent_s1").post(f"/console/inbox/{c.pk}/", {"action": "claim"})
    assert response.status_code == 409
    assert "会话状态已被他人更改" in response.content.decode()


def test_other_stations_agents_and_crews_cannot_see_it(world, client_for) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="你好")
    assert client_for("agent_s2").get(f"/console/inbox/{c.pk}/").status_code == 404
    assert (
        'data-testid="inbox-empty"'
        in client_for("agent_s2").get("/console/inbox/").content.decode()
    )
    assert client_for("crew").get("/console/inbox/").status_code == 403
