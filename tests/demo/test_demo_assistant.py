"""The demo's assistant story: a week of chats with the bot ending on the demo's last day,
through the real dialogue — knowledge-base answers citing their entry, the demo customer's
bill looked up, questions for the editors, and handoffs to the inbox (anger, a request) —
played once, and removed by a reset."""

from __future__ import annotations

import datetime as dt

import pytest

from gridcare.assistant.models import BotSession, BotTurn, UnansweredQuestion
from gridcare.contact.models import Conversation
from gridcare.demo.assistant import CHATS, demo_assistant_create
from gridcare.demo.generator import demo_build
from gridcare.demo.plan import LOCAL_TZ, DemoPlan
from gridcare.demo.reset import demo_reset

UNTIL = dt.date(2026, 12, 6)


@pytest.fixture
def played(db: None) -> int:
    demo_build(plan=DemoPlan(factor=0.05), until=UNTIL)
    return demo_assistant_create(until=UNTIL)


def test_a_week_of_chats_ends_on_the_last_day(played: int) -> None:
    assert played == len(CHATS)
    assert BotSession.objects.count() == len(CHATS)
    end = dt.datetime.combine(UNTIL + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL_TZ)
    start = dt.datetime.combine(UNTIL - dt.timedelta(days=7), dt.time(), tzinfo=LOCAL_TZ)
    assert not BotTurn.objects.filter(at__gte=end).exists()
    assert not BotTurn.objects.filter(at__lt=start).exists()


def test_the_story_has_answers_a_bill_questions_and_handoffs(played: int) -> None:
    answers = BotTurn.objects.filter(action="kb_answer")
    assert answers.filter(faq_entry__isnull=False).count() >= 3
    assert all("知识库" in turn.text for turn in answers)
    assert BotTurn.objects.filter(action="bill_query", session__channel="web_chat").exists()
    assert UnansweredQuestion.objects.exists()
    reasons = set(
        BotSession.objects.filter(status="handed_off").values_list("handoff_reason", flat=True)
    )
    assert {"anger", "asked"} <= reasons
    handed = BotSession.objects.filter(status="handed_off").values_list(
        "handoff_conversation_id", flat=True
    )
    assert Conversation.objects.filter(pk__in=list(handed)).count() == len(reasons)


def test_playing_again_adds_nothing_and_a_reset_removes_the_chats(played: int) -> None:
    assert demo_assistant_create(until=UNTIL) == 0
    assert BotSession.objects.count() == len(CHATS)
    demo_reset()
    assert not BotSession.objects.exists()
