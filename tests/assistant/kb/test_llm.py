"""The optional language model against a fake OpenAI-compatible server on 127.0.0.1: a
rephrasing that keeps the facts is used; a timeout, an error, malformed JSON or a reply
that dropped a number falls back to the plain answer; switched off, nothing is sent."""

from __future__ import annotations

import time
from typing import Any

import pytest

from gridcare.assistant.services.llm import llm_rephrase, llm_small_talk
from tests.assistant.conftest import GOOD, FakeLlm

ANSWER = "居民用户逾期缴纳电费，每日按欠费金额的千分之一计收违约金，不足1元按1元收取。"


def test_a_rephrasing_that_keeps_the_facts_is_used(fake_llm: FakeLlm) -> None:
    assert llm_rephrase(question="晚交电费罚多少", answer=ANSWER) == GOOD

    [request] = fake_llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["model"] == "fake-model"
    assert ANSWER in request["messages"][1]["content"]
    assert "晚交电费罚多少" in request["messages"][1]["content"]
    assert fake_llm.headers[0]["Authorization"] == "Bearer sk-test"


def test_a_base_url_ending_in_v1_is_not_doubled(fake_llm: FakeLlm, settings: Any) -> None:
    settings.ASSISTANT_LLM_URL = fake_llm.url + "/v1"
    llm_rephrase(question="违约金", answer=ANSWER)
    assert fake_llm.requests[0]["path"] == "/v1/chat/completions"


def test_a_timeout_falls_back_to_the_plain_answer(fake_llm: FakeLlm, settings: Any) -> None:
    settings.ASSISTANT_LLM_TIMEOUT_SECONDS = 0.2
    # The server would answer after 10 s; the customer must not wait for it (a margin
    # of seconds, not a speed figure: it fails only when the timeout is ignored).
    fake_llm.delay = 10.0
    started = time.perf_counter()

    assert llm_rephrase(question="违约金", answer=ANSWER) == ANSWER
    assert time.perf_counter() - started < 5.0


@pytest.mark.parametrize(
    "raw",
    [b"not json", b'{"choices": []}', b'{"choices": [{"message": {}}]}', b'{"error": "x"}'],
)
def test_malformed_json_falls_back(fake_llm: FakeLlm, raw: bytes) -> None:
    fake_llm.raw = raw
    assert llm_rephrase(question="违约金", answer=ANSWER) == ANSWER
    assert llm_small_talk(text="你好呀") is None


def test_an_http_error_falls_back(fake_llm: FakeLlm) -> None:
    fake_llm.status = 500
    assert llm_rephrase(question="违约金", answer=ANSWER) == ANSWER


@pytest.mark.parametrize(
    "reply",
    [
        "逾期会收违约金，按欠费比例每日计算。",  # dropped 千分之一's 1 and "1元"
        GOOD + "详情见 https://example.com",  # brought a link
        GOOD * 4,  # ballooned
        "   ",
    ],
)
def test_a_reply_that_loses_facts_is_thrown_away(fake_llm: FakeLlm, reply: str) -> None:
    fake_llm.reply = reply
    assert llm_rephrase(question="违约金", answer=ANSWER) == ANSWER


def test_small_talk_gets_a_polite_reply(fake_llm: FakeLlm) -> None:
    fake_llm.reply = "谢谢您的关心！我可以帮您查询电费、停电信息或报修。"
    assert llm_small_talk(text="你今天心情好吗") == fake_llm.reply
    assert "供电" in fake_llm.requests[0]["messages"][0]["content"]


def test_switched_off_nothing_is_sent(fake_llm: FakeLlm, settings: Any) -> None:
    settings.ASSISTANT_LLM_URL = ""

    assert llm_rephrase(question="违约金", answer=ANSWER) == ANSWER
    assert llm_small_talk(text="你好") is None
    assert fake_llm.requests == []


def test_an_unreachable_server_falls_back(settings: Any) -> None:
    settings.ASSISTANT_LLM_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.ASSISTANT_LLM_TIMEOUT_SECONDS = 1.0
    assert llm_rephrase(question="违约金", answer=ANSWER) == ANSWER
    assert llm_small_talk(text="你好") is None


def test_personal_numbers_are_masked_before_they_leave(fake_llm: FakeLlm) -> None:
    llm_small_talk(text="我手机13812345678，身份证440106199001011234，讲个笑话")
    llm_rephrase(question="户号3100000000001晚交罚多少", answer=ANSWER)
    sent = " ".join(r["messages"][1]["content"] for r in fake_llm.requests)
    for number in ("13812345678", "440106199001011234", "3100000000001"):
        assert number not in sent
    assert "138****5678" in sent
