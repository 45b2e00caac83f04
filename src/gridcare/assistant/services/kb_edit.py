"""Editing the knowledge base (staff with assistant.add/change_faqentry): create, change
and deactivate entries, and work through the list of unanswered questions — answer one
with an entry (its wording becomes a variant of the entry) or dismiss it.

Every change bumps the entry's `version` (compare-and-set: a stale version is a 409),
records who and when, and writes an audit-log entry in the same transaction. An entry
that staff changed is never overwritten by the seed file again (services.kb_seed)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gridcare.assistant.choices import FaqCategory, UnansweredStatus
from gridcare.assistant.models import FaqEntry, UnansweredQuestion
from gridcare.core.audit import audit_record
from gridcare.core.errors import ConcurrentChange, Conflict, DomainError, NotFound
from gridcare.core.models import User

CODE_MAX = 64
QUESTION_MAX = 200
VARIANT_MAX = 200
VARIANTS_MAX = 30
ANSWER_MAX = 2000
SOURCE_MAX = 200
CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Path words of the console's knowledge-base pages (/knowledge/new/).
RESERVED_CODES = frozenset({"new"})
#: The fields an editor sets (besides the code, fixed at creation).
EDITABLE = (
    "category",
    "question",
    "variants",
    "answer",
    "source",
    "valid_from",
    "valid_to",
    "active",
)


@dataclass(frozen=True)
class FaqDraft:
    """What an editor submits for an entry (validated by `faq_draft_clean`)."""

    category: str
    question: str
    answer: str
    variants: list[str] = field(default_factory=list)
    source: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool = True


def _bad(code: str, message: str, field_name: str) -> DomainError:
    return DomainError(f"assistant.faq.{code}", message, field=field_name)


def _variants_clean(variants: list[str], question: str) -> list[str]:
    """Stripped, blanks and repeats (and the question itself) dropped, order kept."""
    seen = {question}
    kept: list[str] = []
    for raw in variants:
        text = " ".join(str(raw).split())
        if not text or text in seen:
            continue
        if len(text) > VARIANT_MAX:
            raise _bad("variant_too_long", f"每条其他问法最多 {VARIANT_MAX} 个字符", "variants")
        seen.add(text)
        kept.append(text)
    if len(kept) > VARIANTS_MAX:
        raise _bad("too_many_variants", f"其他问法最多 {VARIANTS_MAX} 条", "variants")
    return kept


def faq_draft_clean(draft: FaqDraft) -> FaqDraft:
    """The draft with its text tidied, or a DomainError naming the field at fault."""
    if draft.category not in FaqCategory.values:
        raise _bad("bad_category", "分类不正确", "category")
    question = " ".join(draft.question.split())
    if not question:
        raise _bad("question_required", "请填写问题", "question")
    if len(question) > QUESTION_MAX:
        raise _bad("question_too_long", f"问题最多 {QUESTION_MAX} 个字符", "question")
    answer = draft.answer.strip()
    if not answer:
        raise _bad("answer_required", "请填写答案", "answer")
    if len(answer) > ANSWER_MAX:
        raise _bad("answer_too_long", f"答案最多 {ANSWER_MAX} 个字符", "answer")
    source = " ".join(draft.source.split())
    if len(source) > SOURCE_MAX:
        raise _bad("source_too_long", f"依据最多 {SOURCE_MAX} 个字符", "source")
    if draft.valid_from and draft.valid_to and draft.valid_from > draft.valid_to:
        raise _bad("bad_validity", "生效日期不能晚于失效日期", "valid_to")
    return FaqDraft(
        category=draft.category,
        question=question,
        answer=answer,
        variants=_variants_clean(draft.variants, question),
        source=source,
        valid_from=draft.valid_from,
        valid_to=draft.valid_to,
        active=draft.active,
    )


def _code_clean(code: str) -> str:
    code = code.strip()
    reserved = code in RESERVED_CODES
    if reserved or len(code) > CODE_MAX or not CODE_PATTERN.fullmatch(code):
        raise _bad(
            "bad_code",
            f"编码应为小写字母、数字和连字符（最多 {CODE_MAX} 个字符），如 tariff-tou-periods",
            "code",
        )
    return code


@transaction.atomic(durable=True)
def faq_create(*, actor: User, code: str, draft: FaqDraft) -> FaqEntry:
    """A new entry (version 1)."""
    code = _code_clean(code)
    clean = faq_draft_clean(draft)
    if FaqEntry.objects.filter(code=code).exists():
        raise Conflict("assistant.faq.duplicate_code", f"编码 {code} 已存在", field="code")
    entry = FaqEntry(
        code=code,
        **{name: getattr(clean, name) for name in EDITABLE},
        version=1,
        updated_at=timezone.now(),
        updated_by=actor,
    )
    entry.full_clean(validate_unique=False)
    try:
        with transaction.atomic():  # a savepoint: a racing create with the same code
            entry.save()
    except IntegrityError:
        raise Conflict(
            "assistant.faq.duplicate_code", f"编码 {code} 已存在", field="code"
        ) from None
    audit_record(actor=actor, action="assistant.faq.create", obj=entry, data={"code": code})
    return entry


def _entry_for_change(code: str) -> FaqEntry:
    entry = FaqEntry.objects.select_for_update().filter(code=code).first()
    if entry is None:
        raise NotFound("assistant.faq.not_found", f"没有编码为 {code} 的知识条目")
    return entry


def _apply(
    *, actor: User, entry: FaqEntry, changes: dict[str, Any], version: int | None, action: str
) -> FaqEntry:
    """Write `changes` if the entry is still at `version` (None: whatever it is now), with
    the version bump and the audit entry."""
    expected = entry.version if version is None else version
    changed = sorted(name for name, value in changes.items() if getattr(entry, name) != value)
    now = timezone.now()
    rows = FaqEntry.objects.filter(pk=entry.pk, version=expected).update(
        **changes, version=F("version") + 1, updated_at=now, updated_by=actor
    )
    if rows != 1:
        raise ConcurrentChange(
            "assistant.faq.changed", "该条目已被他人修改，请刷新后重试", field="version"
        )
    entry.refresh_from_db()
    audit_record(
        actor=actor,
        action=action,
        obj=entry,
        data={"code": entry.code, "version": entry.version, "changed": changed},
    )
    return entry


@transaction.atomic(durable=True)
def faq_update(*, actor: User, code: str, draft: FaqDraft, version: int) -> FaqEntry:
    """Replace the entry's editable fields; `version` is the one the editor read."""
    clean = faq_draft_clean(draft)
    entry = _entry_for_change(code)
    changes = {name: getattr(clean, name) for name in EDITABLE}
    return _apply(
        actor=actor, entry=entry, changes=changes, version=version, action="assistant.faq.update"
    )


@transaction.atomic(durable=True)
def faq_deactivate(*, actor: User, code: str, version: int | None = None) -> FaqEntry:
    """Take the entry out of the bot's answers and the public list (kept for history; an
    editor can activate it again by editing it)."""
    entry = _entry_for_change(code)
    if not entry.active:
        return entry
    return _apply(
        actor=actor,
        entry=entry,
        changes={"active": False},
        version=version,
        action="assistant.faq.deactivate",
    )


def _open_question(question_id: int) -> UnansweredQuestion:
    found = UnansweredQuestion.objects.select_for_update().filter(pk=question_id).first()
    if found is None:
        raise NotFound("assistant.unanswered.not_found", "该问题不存在")
    if found.status != UnansweredStatus.OPEN:
        raise ConcurrentChange("assistant.unanswered.closed", "该问题已处理，请刷新后查看")
    return found


@transaction.atomic(durable=True)
def unanswered_resolve(*, actor: User, question_id: int, entry_code: str) -> FaqEntry:
    """Answer an unanswered question with an entry: the question's wording becomes one of
    the entry's variants (so the bot answers it from now on) and the question is closed
    with a link to the entry."""
    question = _open_question(question_id)
    entry = _entry_for_change(entry_code)
    wording = " ".join(question.text.split())[:VARIANT_MAX]
    variants = list(entry.variants or [])
    if wording and wording != entry.question and wording not in variants:
        variants = _variants_clean([*variants, wording], entry.question)
    if variants != list(entry.variants or []):
        entry = _apply(
            actor=actor,
            entry=entry,
            changes={"variants": variants},
            version=None,
            action="assistant.faq.update",
        )
    question.status = UnansweredStatus.ANSWERED
    question.entry = entry
    question.save(update_fields=["status", "entry"])
    audit_record(
        actor=actor,
        action="assistant.unanswered.resolve",
        obj=question,
        data={"entry": entry.code},
    )
    return entry


@transaction.atomic(durable=True)
def unanswered_dismiss(*, actor: User, question_id: int) -> UnansweredQuestion:
    """Close an unanswered question as not worth an entry (small talk, out of scope)."""
    question = _open_question(question_id)
    question.status = UnansweredStatus.DISMISSED
    question.save(update_fields=["status"])
    audit_record(actor=actor, action="assistant.unanswered.dismiss", obj=question)
    return question
