"""Reads of the knowledge base: the retrieval index of the active entries (built once per
process, rebuilt when an entry changes), lists for the console and the API, and the
editors' list of unanswered questions."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Q, QuerySet, Sum

from gridcare.assistant.choices import FaqCategory, UnansweredStatus
from gridcare.assistant.models import FaqEntry, UnansweredQuestion
from gridcare.assistant.nlu.retrieval import KnowledgeIndex, entry_texts
from gridcare.core.errors import NotFound

#: How many entries a search returns at most.
SEARCH_LIMIT = 20
TableKey = tuple[int, datetime | None, int | None, int | None]


@dataclass(frozen=True, slots=True)
class FaqCard:
    """What the bot and the public API need of an active entry (no editor fields)."""

    code: str
    category: str
    question: str
    answer: str
    source: str
    valid_from: date | None
    valid_to: date | None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class FaqSnapshot:
    """The active entries at one moment and their index. `key` identifies the state of
    the table it was built from (row count and latest change)."""

    key: TableKey
    index: KnowledgeIndex
    cards: dict[str, FaqCard]

    def valid_codes(self, day: date) -> frozenset[str]:
        return frozenset(code for code, card in self.cards.items() if card.valid_on(day))


_lock = threading.Lock()
_snapshot: FaqSnapshot | None = None


def _table_key() -> TableKey:
    """Every write to an entry sets `updated_at` and bumps `version` (services and the
    seed sync), so (count, newest change, highest id, sum of versions) changes with any
    write, also one made by another process, and with a deletion in the admin."""
    found = FaqEntry.objects.aggregate(
        n=Count("pk"), newest=Max("updated_at"), top=Max("pk"), versions=Sum("version")
    )
    return int(found["n"]), found["newest"], found["top"], found["versions"]


def faq_snapshot_forget() -> None:
    """Drop the cached index (tests that roll back what they wrote)."""
    global _snapshot
    with _lock:
        _snapshot = None


def _build(key: TableKey) -> FaqSnapshot:
    rows = list(
        FaqEntry.objects.filter(active=True).only(
            "code",
            "category",
            "question",
            "variants",
            "answer",
            "source",
            "valid_from",
            "valid_to",
        )
    )
    documents = [(e.code, entry_texts(e.question, e.variants or [], e.answer)) for e in rows]
    cards = {
        e.code: FaqCard(
            code=e.code,
            category=e.category,
            question=e.question,
            answer=e.answer,
            source=e.source,
            valid_from=e.valid_from,
            valid_to=e.valid_to,
        )
        for e in rows
    }
    return FaqSnapshot(key=key, index=KnowledgeIndex(documents), cards=cards)


def faq_snapshot() -> FaqSnapshot:
    """The index of the active entries: one small query to see whether the table changed,
    a rebuild (tens of milliseconds) only when it did."""
    global _snapshot
    key = _table_key()
    current = _snapshot
    if current is not None and current.key == key:
        return current
    with _lock:
        if _snapshot is None or _snapshot.key != key:
            _snapshot = _build(key)
        return _snapshot


def faq_search(*, text: str, today: date, category: str = "") -> list[tuple[FaqCard, float]]:
    """Active entries valid `today` that are relevant to `text` (they share a key term),
    best first, at most SEARCH_LIMIT; `category` narrows them."""
    snapshot = faq_snapshot()
    allowed = {
        code
        for code in snapshot.valid_codes(today)
        if not category or snapshot.cards[code].category == category
    }
    ranked = snapshot.index.related(text, k=SEARCH_LIMIT, allowed=allowed)
    return [(snapshot.cards[code], score) for code, score in ranked]


def _valid_on(day: date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def faq_public_list(*, today: date, category: str = "") -> QuerySet[FaqEntry]:
    """Active entries valid `today` (what customers may read), by category and code."""
    found = FaqEntry.objects.filter(_valid_on(today), active=True)
    if category:
        found = found.filter(category=category)
    return found.order_by("category", "code")


def faq_public_get(*, code: str, today: date) -> FaqEntry:
    """One entry customers may read (active and valid `today`), else NotFound."""
    entry = faq_public_list(today=today).filter(code=code).first()
    if entry is None:
        raise NotFound("assistant.faq.not_found", f"没有编码为 {code} 的知识条目")
    return entry


def faq_get(*, code: str) -> FaqEntry:
    """Any entry by code (editors also see inactive and expired ones), else NotFound."""
    entry = FaqEntry.objects.select_related("updated_by").filter(code=code).first()
    if entry is None:
        raise NotFound("assistant.faq.not_found", f"没有编码为 {code} 的知识条目")
    return entry


def faq_list_for_editors(
    *, query: str = "", category: str = "", active: bool | None = None
) -> QuerySet[FaqEntry]:
    """Every entry for the console list: `query` matches the code, question, variants or
    answer (substring, case-insensitive); `category` and `active` narrow it."""
    found = FaqEntry.objects.select_related("updated_by")
    if query:
        found = found.filter(
            Q(code__icontains=query)
            | Q(question__icontains=query)
            | Q(answer__icontains=query)
            | Q(variants__icontains=query)
        )
    if category:
        found = found.filter(category=category)
    if active is not None:
        found = found.filter(active=active)
    return found.order_by("category", "code")


def faq_choices() -> list[tuple[str, str]]:
    """(code, question) of every active entry: what an editor may link a question to."""
    return list(
        FaqEntry.objects.filter(active=True).order_by("code").values_list("code", "question")
    )


def faq_category_counts() -> dict[str, int]:
    """Active entries per category (the console's filter shows them)."""
    rows = FaqEntry.objects.filter(active=True).values("category").annotate(n=Count("pk"))
    counts = dict.fromkeys(FaqCategory.values, 0)
    counts.update({row["category"]: row["n"] for row in rows})
    return counts


def unanswered_list(*, status: str = UnansweredStatus.OPEN) -> QuerySet[UnansweredQuestion]:
    """Questions the bot could not answer, most asked first (`status` "" = all)."""
    found = UnansweredQuestion.objects.select_related("entry")
    if status:
        found = found.filter(status=status)
    return found.order_by("-count", "-last_at", "pk")


def unanswered_open_count() -> int:
    """How many questions wait for an editor (the console's badge)."""
    return UnansweredQuestion.objects.filter(status=UnansweredStatus.OPEN).count()
