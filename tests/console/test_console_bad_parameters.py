"""Console forms and query parameters read as typed values: a bad one is a 400 page with a
dotted code and a Chinese message, never a server error (issue 23 §4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridcare.contact.conversations import conversation_claim, conversation_message_in
from gridcare.contact.models import Conversation, ConversationEvent
from gridcare.testing.personas import World


@pytest.fixture(autouse=True)
def _warehouse(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"


def test_a_day_before_2000_on_the_transformer_page_is_a_400_naming_the_parameter(
    world: World, client_for
) -> None:
    response = client_for("admin").get("/console/transformers/TR2/?day=0001-01-01")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-code="request.param.out_of_range"' in page
    assert "参数 day 应在 2000-01-01 到 2100-12-31 之间" in page


def test_a_day_that_is_not_a_date_is_a_400_not_today(world: World, client_for) -> None:
    response = client_for("admin").get("/console/transformers/TR2/?day=yesterday")
    assert response.status_code == 400
    assert "参数 day 应为日期（YYYY-MM-DD）" in response.content.decode()


def test_a_transfer_to_a_colleague_id_that_is_not_a_number_is_a_400(
    world: World, client_for
) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="你好")
    conversation_claim(actor=world.users["agent_s1"], conversation_id=c.pk)
    response = client_for("agent_s1").post(
        f"/console/inbox/{c.pk}/", {"action": "transfer", "to": "abc"}
    )
    assert response.status_code == 400
    assert "参数 to 应为整数" in response.content.decode()
    assert Conversation.objects.get(pk=c.pk).assignee == world.users["agent_s1"]
    assert not ConversationEvent.objects.filter(conversation=c, kind="transferred").exists()


def test_a_reply_of_100000_characters_is_refused_and_not_sent(world: World, client_for) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="你好")
    conversation_claim(actor=world.users["agent_s1"], conversation_id=c.pk)
    response = client_for("agent_s1").post(
        f"/console/inbox/{c.pk}/", {"action": "reply", "text": "电" * 100_000}
    )
    assert response.status_code == 400
    assert "回复不能超过 2000 字" in response.content.decode()
    assert not c.messages.filter(speaker="agent").exists()


def test_a_reply_holding_a_nul_character_is_refused(world: World, client_for) -> None:
    c = conversation_message_in(customer_id=world.customer_alice.pk, channel="wechat", text="你好")
    conversation_claim(actor=world.users["agent_s1"], conversation_id=c.pk)
    response = client_for("agent_s1").post(
        f"/console/inbox/{c.pk}/", {"action": "reply", "text": "好的\x00"}
    )
    assert response.status_code == 400
    assert 'data-code="core.request.nul_character"' in response.content.decode()
    assert not c.messages.filter(speaker="agent").exists()
