"""The optional language model: an OpenAI-compatible chat endpoint that may rephrase a
knowledge-base answer for the question asked, or answer small talk politely.

Off unless settings.ASSISTANT_LLM_URL is set. It never chooses an action and never adds
facts: a rephrasing that lost one of the answer's numbers (or grew suspiciously long, or
brought a link the answer did not have) is thrown away for the plain answer, and so is
every failure (timeout, HTTP error, malformed JSON). The product is complete without it.

ASSISTANT_LLM_URL is the server's base URL (`http://127.0.0.1:8000` or `…/v1`); requests
go to `<base>/v1/chat/completions` with ASSISTANT_LLM_MODEL, the bearer key
ASSISTANT_LLM_API_KEY when set, and ASSISTANT_LLM_TIMEOUT_SECONDS as the whole-request
timeout. The customer's text is never logged.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
from django.conf import settings

from gridcare.assistant.services.kb import mask_numbers

logger = logging.getLogger(__name__)

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
#: A rephrasing may be this much longer than the answer before it is distrusted.
_GROWTH = 1.5
_GROWTH_SLACK = 80
SMALL_TALK_MAX = 200

REPHRASE_PROMPT = (
    "你是供电企业的在线客服。请把下面的标准答案改写成直接回答客户问题的一段话，语气亲切、简洁。"
    "必须保留标准答案中的全部事实、数字、单位、时限和条件，不得增加标准答案中没有的信息，"
    "不得承诺办理任何业务，不得包含链接。只输出改写后的答案。"
)
SMALL_TALK_PROMPT = (
    "你是供电企业的在线客服。客户说了与供电业务无关的话。请用一两句礼貌、简短的中文回应，"
    "并说明你可以帮忙查询电费和用电量、缴费、停电信息、故障报修和业务办理。"
    "不要回答与供电无关的专业问题，不要编造信息，不要承诺任何操作。"
)


def llm_enabled() -> bool:
    return bool(settings.ASSISTANT_LLM_URL)


def _endpoint() -> str:
    base = str(settings.ASSISTANT_LLM_URL).rstrip("/")
    return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def _chat(system: str, user: str, *, max_tokens: int) -> str | None:
    """The model's reply text, or None on any failure (logged without the content)."""
    headers = {"Content-Type": "application/json"}
    if settings.ASSISTANT_LLM_API_KEY:
        headers["Authorization"] = f"Bearer {settings.ASSISTANT_LLM_API_KEY}"
    body: dict[str, Any] = {
        "model": settings.ASSISTANT_LLM_MODEL,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "temperature": 0.2,
        "max_tokens": max_tokens,
        "stream": False,
    }
    try:
        response = httpx.post(
            _endpoint(),
            json=body,
            headers=headers,
            timeout=float(settings.ASSISTANT_LLM_TIMEOUT_SECONDS),
        )
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
        logger.warning("assistant LLM call failed: %s", type(exc).__name__)
        return None
    if not isinstance(content, str) or not content.strip():
        logger.warning("assistant LLM call failed: empty reply")
        return None
    return content.strip()


def _keeps_the_facts(answer: str, candidate: str) -> bool:
    """Every number of the answer is still there, no link was added, and it did not
    balloon (a model that started adding its own advice)."""
    if not set(_NUMBER.findall(answer)) <= set(_NUMBER.findall(candidate)):
        return False
    if "http" in candidate.lower() and "http" not in answer.lower():
        return False
    return len(candidate) <= _GROWTH * len(answer) + _GROWTH_SLACK


def llm_rephrase(*, question: str, answer: str) -> str:
    """`answer` rephrased for `question`, or `answer` itself when the model is off, fails
    or drops a fact."""
    if not llm_enabled() or not answer.strip():
        return answer
    candidate = _chat(
        REPHRASE_PROMPT,
        f"客户问题：{mask_numbers(question.strip()[:500])}\n标准答案：{answer}",
        max_tokens=600,
    )
    if candidate is None or not _keeps_the_facts(answer, candidate):
        return answer
    return candidate


def llm_small_talk(*, text: str) -> str | None:
    """A polite reply to out-of-scope chat, or None when the model is off or fails."""
    if not llm_enabled() or not text.strip():
        return None
    reply = _chat(SMALL_TALK_PROMPT, mask_numbers(text.strip()[:500]), max_tokens=200)
    if reply is None:
        return None
    return reply[:SMALL_TALK_MAX]
