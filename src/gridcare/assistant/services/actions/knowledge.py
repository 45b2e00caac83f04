"""Informational intents answered from the knowledge base, citing the entry; a question it
cannot answer is logged for the editors and the customer is offered an agent."""

from __future__ import annotations

from gridcare.assistant.selectors.kb import faq_search
from gridcare.assistant.services.actions.base import Party, Step
from gridcare.assistant.services.kb import kb_answer, unanswered_log
from gridcare.assistant.services.llm import llm_rephrase

#: Intents whose answer is information, not an action on the customer's account.
INFORMATIONAL = frozenset(
    {
        "tariff_policy",
        "new_connection",
        "capacity_change",
        "account_change",
        "meter_issue",
        "invoice",
        "pv_connection",
        "ev_charging",
        "energy_saving",
    }
)
OFFER_AGENT = ("转人工客服", "不用了")
#: At most this many near questions offered when no entry answers outright.
SUGGESTIONS = 3


def kb_reply(*, party: Party, text: str, intent: str) -> Step | None:
    """The knowledge base's answer with its entry cited, or None when it has none."""
    found = kb_answer(text=text, today=party.today, channel=party.channel, intent=intent)
    if found is None:
        return None
    cite = f"（知识库 {found.code}"
    cite += f"，依据：{found.source}）" if found.source else "）"
    # The optional language model may reword the entry for this question; it keeps every
    # figure or the entry's own words are used (services/llm.py). The citation stays ours.
    answer = llm_rephrase(question=text, answer=found.answer)
    return Step(
        f"{answer}\n{cite}",
        action="kb_answer",
        faq_code=found.code,
        data={
            "score": round(found.score, 3),
            "category": found.category,
            "rephrased": answer != found.answer,
        },
    )


def kb_unanswered(*, party: Party, text: str) -> Step:
    """Nothing in the knowledge base: note the question for the editors, offer a person."""
    unanswered_log(text=text, channel=party.channel)
    near = tuple(
        card.question for card, _score in faq_search(text=text, today=party.today)[:SUGGESTIONS]
    )
    if near:
        # Entries on the same topic scored too close to pick one (阶梯电价: what it is,
        # monthly or yearly, an example): ask which, instead of guessing.
        reply = "这个问题我没有把握直接回答，已记录下来交给业务人员完善。您想问的是下面哪一个？也可以转人工客服。"
    else:
        reply = "这个问题我暂时还回答不了，已记录下来交给业务人员完善。需要为您转人工客服吗？"
    return Step(
        reply,
        options=(*near, *OFFER_AGENT),
        action="kb_unanswered",
        pending={"intent": "human_agent", "awaiting": "offer_agent", "slots": {}},
    )
