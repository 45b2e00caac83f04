"""The optional language model in the dialogue (a fake OpenAI-compatible server on
127.0.0.1): it rewords a knowledge-base answer, which still cites its entry, and answers
small talk before saying what the bot can do; it never chooses an action — a request it
is asked about still goes through the dialogue's own rules. Off, nothing is sent."""

from __future__ import annotations

from typing import Any

from gridcare.assistant.models import BotTurn
from gridcare.service.models import WorkOrder
from gridcare.testing.personas import World
from tests.assistant.conftest import FakeLlm
from tests.assistant.dialogue.conftest import Chat


def last_turn() -> BotTurn:
    return BotTurn.objects.filter(speaker="assistant").latest("pk")


def test_a_knowledge_answer_is_reworded_and_still_cited(
    world: World, chat: Chat, fake_llm: FakeLlm
) -> None:
    entry_answer_numbers_kept = "光伏并网服务不收取费用。"
    fake_llm.reply = entry_answer_numbers_kept
    reply = chat("光伏并网要交钱吗")
    turn = last_turn()
    assert turn.action == "kb_answer"
    assert turn.faq_entry is not None
    assert f"知识库 {turn.faq_entry.code}" in reply.text
    assert turn.faq_entry.code == "pv-fees"  # an answer without figures to keep
    assert turn.data["rephrased"] is True
    assert reply.text.startswith(entry_answer_numbers_kept)
    assert "光伏并网要交钱吗" in fake_llm.requests[0]["messages"][1]["content"]


def test_a_rewording_that_drops_a_figure_is_not_used(
    world: World, chat: Chat, fake_llm: FakeLlm
) -> None:
    fake_llm.reply = "逾期会收一点违约金。"  # the entry's 千分之一 and 1元 are gone
    reply = chat("电费晚交了违约金怎么算")
    turn = last_turn()
    assert turn.faq_entry is not None
    assert turn.data["rephrased"] is False
    assert reply.text.startswith(turn.faq_entry.answer)


def test_small_talk_gets_the_model_reply_and_what_the_bot_can_do(
    world: World, chat: Chat, fake_llm: FakeLlm
) -> None:
    fake_llm.reply = "今天天气不错，记得防晒哦。"
    reply = chat("今天天气怎么样")
    assert reply.text.startswith("今天天气不错")
    assert "查电费" in reply.text
    assert last_turn().action == "out_of_scope"


def test_the_model_never_files_anything(world: World, chat: Chat, fake_llm: FakeLlm) -> None:
    fake_llm.reply = "好的，已为您提交报修工单。"  # a model that claims an action
    chat("讲个笑话吧")
    assert not WorkOrder.objects.exists()
    assert last_turn().action == "out_of_scope"


def test_switched_off_nothing_is_sent(
    world: World, chat: Chat, fake_llm: FakeLlm, settings: Any
) -> None:
    settings.ASSISTANT_LLM_URL = ""
    chat("今天天气怎么样")
    chat("光伏并网要交钱吗")
    assert fake_llm.requests == []
