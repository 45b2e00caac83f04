"""The rule layer: the few cases the classifier should not have to guess.

1. Nothing left to read (emoji only, punctuation, an empty message): `out_of_scope` with
   confidence 0, so the dialogue asks the customer to say it again.
2. A short, explicit request for a person (转人工, 人工客服, 我要找真人): `human_agent`.
   Longer messages that mention a person among other things (人工客服态度太差) are left to
   the classifier, which weighs the rest of the message.
3. A salutation and nothing else — whom or what time it greets, then 好 (师傅好,
   各位客服老师好, 周末好): `greeting`. Without this rule the person greeted pulls the
   classifier towards praise or human_agent, which those words also carry.

Rules only ever raise an intent to the top; the ranking keeps the classifier's runners-up.
"""

from __future__ import annotations

import re

from gridcare.assistant.nlu.features import Analysis

Ranked = list[tuple[str, float]]

# A whole message that asks for a person and nothing else (after normalisation).
_HUMAN_REQUEST = re.compile(
    r"^(?:请|麻烦|帮我|给我|我要|我想|我需要|能不能|可以)?\s*"
    r"(?:转|转接|接|找|要|联系)?\s*(?:一个|个)?\s*"
    r"(?:人工|人工客服|人工服务|真人|客服人员|真人客服|活人|接线员|坐席)\s*"
    r"(?:客服|服务)?\s*(?:吧|啊|呀|可以吗|行吗|好吗)?[!?.。!？]*$"
    r"|^(?:human|agent|real person|operator|rengong|zhuanrengong)[!?.]*$"
)
HUMAN_CONFIDENCE = 0.95

_GREETED = (
    "师傅|师父|客服|老师|同志|领导|工作人员|小姐姐|小哥哥|妹妹|姐姐|美女|帅哥|小哥|大哥|大姐|"
    "阿姨|叔叔|朋友|机器人|小助手|助手|你|您|大家|早上|上午|中午|下午|晚上|周末|新年|过年|"
    "节日|春节|元旦|国庆|中秋|端午"
)
_SALUTATION = re.compile(
    rf"^(?:各位|亲爱的|尊敬的)?(?:{_GREETED})+们?好(?:啊|呀|鸭|哇|哦|呢|哈|嘞)?$"
)
_NOT_READ = re.compile(r"[\s!?,.;:~。，！？、…]+")
GREETING_CONFIDENCE = 0.9


def _raised(
    ranked: Ranked, intent: str, confidence: float
) -> tuple[str, float, tuple[tuple[str, float], ...]]:
    rest = [(i, p) for i, p in ranked if i != intent][:2]
    return intent, confidence, ((intent, confidence), *rest)


def rules_apply(
    analysis: Analysis, ranked: Ranked
) -> tuple[str, float, tuple[tuple[str, float], ...]]:
    """(intent, confidence, ranking) after the rules in the module docstring."""
    if not any(ch.isalnum() for ch in analysis.normalized):
        return "out_of_scope", 0.0, (("out_of_scope", 0.0),)
    if _HUMAN_REQUEST.match(analysis.normalized):
        return _raised(
            ranked, "human_agent", max(HUMAN_CONFIDENCE, dict(ranked).get("human_agent", 0.0))
        )
    if _SALUTATION.match(_NOT_READ.sub("", analysis.normalized)):
        return _raised(
            ranked, "greeting", max(GREETING_CONFIDENCE, dict(ranked).get("greeting", 0.0))
        )
    intent, confidence = ranked[0]
    return intent, confidence, tuple(ranked)
