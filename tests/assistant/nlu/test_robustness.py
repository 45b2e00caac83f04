"""Robustness: short, misspelt, traditional, pinyin, long and hostile input (issue 27)."""

from __future__ import annotations

from datetime import date

import pytest

from gridcare.assistant.nlu.model import IntentModel
from gridcare.assistant.nlu.normalize import bounded

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    "text", ["电费", "電費", "dianfei", "点费", "电费多少", "my electricity bill"]
)
def test_ways_of_asking_for_the_bill(model: IntentModel, text: str) -> None:
    assert model.understand(text, today=TODAY).intent == "bill_query"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("整栋楼都冇电了", "outage_query"),
        ("我屋头么得电了，隔壁都有电", "fault_report"),
        ("欠費停電了怎麼辦", "reconnect"),
        ("fapiao zenme kai", "invoice"),
        ("转人工", "human_agent"),
        ("人工客服", "human_agent"),
        ("talk to a real person", "human_agent"),
        ("充电桩怎么报装", "ev_charging"),
        ("屋顶光伏并网", "pv_connection"),
    ],
)
def test_dialect_traditional_pinyin_and_english(model: IntentModel, text: str, intent: str) -> None:
    assert model.understand(text, today=TODAY).intent == intent


def test_a_ten_thousand_character_message_is_read_on_its_head_and_tail(
    model: IntentModel,
) -> None:
    # bench/assistant measures the latency this bounds.
    text = "我家停电了，" + "真的很着急" * 2000 + "整个小区都没电"
    understood = model.understand(text, today=TODAY)
    assert len(bounded(text)) < 1_000
    assert model.understand(bounded(text), today=TODAY).intent == understood.intent
    assert understood.intent in {"outage_query", "fault_report"}
    assert understood.text == text


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "👍", "!!!???", "……"])
def test_nothing_to_read_is_out_of_scope_with_no_confidence(model: IntentModel, text: str) -> None:
    understood = model.understand(text, today=TODAY)
    assert (understood.intent, understood.confidence) == ("out_of_scope", 0.0)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        "1'; DROP TABLE users; --",
        "' OR '1'='1",
        "SELECT * FROM accounts WHERE 1=1",
        "\x00\x01\x02",
        "\u202e反转文字",
        "a" * 10_000,
    ],
)
def test_hostile_input_is_out_of_scope_or_unsure(model: IntentModel, text: str) -> None:
    understood = model.understand(text, today=TODAY)
    assert understood.intent == "out_of_scope" or understood.confidence < 0.5
    assert understood.entities.account_numbers == ()


def test_unrelated_question_is_out_of_scope(model: IntentModel) -> None:
    assert model.understand("今天天气怎么样", today=TODAY).intent == "out_of_scope"
