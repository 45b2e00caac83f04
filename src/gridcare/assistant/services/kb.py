"""The knowledge base as the dialogue sees it: the entry that answers a question (cited by
its code), and the editors' count of questions nothing answered.

Editing lives in services.kb_edit, the seed file in services.kb_seed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gridcare.assistant.choices import FaqCategory
from gridcare.assistant.models import UnansweredQuestion
from gridcare.assistant.nlu.retrieval import normalize
from gridcare.assistant.selectors.kb import faq_snapshot
from gridcare.core.privacy import mask_id_number, mask_mobile

#: The intent classifier's intents whose questions belong to these categories: between two
#: entries too close to call, the one of the intent's category answers.
INTENT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "tariff_policy": (FaqCategory.TARIFF,),
    "bill_query": (FaqCategory.PAYMENT,),
    "payment": (FaqCategory.PAYMENT,),
    "reconnect": (FaqCategory.PAYMENT,),
    "outage_query": (FaqCategory.OUTAGE,),
    "fault_report": (FaqCategory.OUTAGE, FaqCategory.SAFETY),
    "new_connection": (FaqCategory.APPLICATION,),
    "capacity_change": (FaqCategory.APPLICATION,),
    "account_change": (FaqCategory.APPLICATION, FaqCategory.ACCOUNT),
    "meter_issue": (FaqCategory.METER,),
    "invoice": (FaqCategory.INVOICE,),
    "pv_connection": (FaqCategory.PV,),
    "ev_charging": (FaqCategory.EV,),
    "energy_saving": (FaqCategory.ENERGY_SAVING,),
    "account_binding": (FaqCategory.ACCOUNT,),
    "complaint": (FaqCategory.SERVICE,),
    "suggestion": (FaqCategory.SERVICE,),
    "praise": (FaqCategory.SERVICE,),
}
#: Questions longer than this are cut before retrieval and logging (a pasted letter).
TEXT_MAX = 500
KEY_MAX = 200
CHANNEL_MAX = 16
_NOT_KEY = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
#: Long digit runs in a question are personal (a mobile, an ID number, a 户号): masked
#: before the question is stored, so the editors' list never shows them.
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_DIGITS = re.compile(r"\d{7,}")


@dataclass(frozen=True, slots=True)
class KbAnswer:
    """The entry that answers a question, cited by `code`."""

    code: str
    category: str
    question: str
    answer: str
    source: str
    score: float


def kb_answer(*, text: str, today: date, channel: str, intent: str = "") -> KbAnswer | None:
    """The best active entry valid on `today` for `text`, or None when nothing answers it
    well (nlu.retrieval's answer rule). `intent` (the classifier's) breaks near ties in
    favour of its category; `channel` is not used for the choice."""
    text = (text or "").strip()[:TEXT_MAX]
    if not text:
        return None
    snapshot = faq_snapshot()
    allowed = snapshot.valid_codes(today)
    categories = INTENT_CATEGORIES.get(intent, ())
    preferred = {c for c in allowed if snapshot.cards[c].category in categories}
    hit = snapshot.index.answer(text, allowed=allowed, preferred=preferred)
    if hit is None:
        return None
    card = snapshot.cards[hit.code]
    return KbAnswer(
        code=card.code,
        category=card.category,
        question=card.question,
        answer=card.answer,
        source=card.source,
        score=round(hit.score, 3),
    )


def mask_numbers(text: str) -> str:
    """Personal numbers masked as everywhere else (domain-facts §8.2).

    >>> mask_numbers("我的手机13812345678，身份证440106199001011234")
    '我的手机138****5678，身份证4401**********1234'
    """
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    return _DIGITS.sub(lambda m: mask_mobile(m.group()), text)


def unanswered_key(text: str) -> str:
    """The wording two questions share when they are "the same question": simplified,
    half-width, lower case, only letters, digits and Chinese characters.

    >>> unanswered_key("燃氣費 在哪裡交？？")
    '燃气费在哪里交'
    """
    return _NOT_KEY.sub("", normalize(text))[:KEY_MAX]


def unanswered_log(*, text: str, channel: str) -> None:
    """Count `text` on the editors' list of questions the assistant could not answer: the
    same wording (`unanswered_key`) adds one to its count, whatever its status (a dismissed
    question stays dismissed). Text without a letter, digit or Chinese character (emoji,
    punctuation) is not logged. Safe when two first askings race: one inserts, the other
    counts."""
    text = mask_numbers((text or "").strip()[:TEXT_MAX])
    key = unanswered_key(text)
    if not key:
        return
    now = timezone.now()
    if _count_again(key, now):
        return
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a clash
            UnansweredQuestion.objects.create(
                key=key, text=text, channel=channel[:CHANNEL_MAX], first_at=now, last_at=now
            )
    except IntegrityError:
        # Another request inserted the same key between our update and our insert.
        _count_again(key, now)


def _count_again(key: str, now: datetime) -> bool:
    rows = UnansweredQuestion.objects.filter(key=key).update(count=F("count") + 1, last_at=now)
    return rows > 0
