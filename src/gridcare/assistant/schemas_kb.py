"""Shapes of the knowledge-base endpoints (/api/v1/assistant/faq…, /unanswered)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Field, Path, Schema
from pydantic import (
    BeforeValidator,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from gridcare.assistant.choices import FaqCategory
from gridcare.assistant.models import UnansweredQuestion
from gridcare.assistant.services.kb_edit import (
    ANSWER_MAX,
    CODE_MAX,
    QUESTION_MAX,
    SOURCE_MAX,
    VARIANT_MAX,
    VARIANTS_MAX,
    FaqDraft,
)
from gridcare.core.schemas import _BLANK, NO_NUL, NOT_BLANK, StrictIn, coded

CODE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
BAD_CODE = ("assistant.faq.bad_code", "编码应为小写字母、数字和连字符（最多 64 个字符）")
Code = Annotated[
    str,
    Field(
        pattern=CODE,
        min_length=1,
        max_length=CODE_MAX,
        description="a stable slug (lower-case letters, digits, hyphens); not `new`",
    ),
    coded(*BAD_CODE),
]
FaqCodePath = Path[Code]
CategoryIn = Annotated[
    Literal[
        "tariff",
        "payment",
        "application",
        "outage",
        "safety",
        "pv",
        "ev",
        "meter",
        "invoice",
        "account",
        "energy_saving",
        "service",
    ],
    coded("assistant.faq.bad_category", "分类不正确"),
]
#: Text of several lines with at least one visible character (an answer).
VISIBLE_TEXT = rf"^[^\x00]*[^{_BLANK}][^\x00]*$"
Question = Annotated[
    str,
    Field(min_length=1, max_length=QUESTION_MAX, pattern=NOT_BLANK),
    coded(
        "assistant.faq.question_required",
        "请填写问题（一行文字）",
        string_too_long=("assistant.faq.question_too_long", f"问题最多 {QUESTION_MAX} 个字符"),
    ),
]
Answer = Annotated[
    str,
    Field(min_length=1, max_length=ANSWER_MAX, pattern=VISIBLE_TEXT),
    coded(
        "assistant.faq.answer_required",
        "请填写答案",
        string_too_long=("assistant.faq.answer_too_long", f"答案最多 {ANSWER_MAX} 个字符"),
    ),
]
Source = Annotated[
    str,
    Field(max_length=SOURCE_MAX, pattern=NO_NUL),
    coded("assistant.faq.source_too_long", f"依据最多 {SOURCE_MAX} 个字符"),
]
Variant = Annotated[
    str,
    Field(max_length=VARIANT_MAX, pattern=NO_NUL),
    coded("assistant.faq.variant_too_long", f"每条其他问法最多 {VARIANT_MAX} 个字符"),
]


def _at_most_variants(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Too many variants keeps the service's code (400), like a coded string field."""
    try:
        return handler(value)
    except ValidationError as exc:
        if exc.errors()[0]["type"] == "too_long":
            raise PydanticCustomError(
                "assistant.faq.too_many_variants", f"其他问法最多 {VARIANTS_MAX} 条"
            ) from None
        raise


Variants = Annotated[
    list[Variant], Field(max_length=VARIANTS_MAX), WrapValidator(_at_most_variants)
]


def _iso_date(value: Any) -> Any:
    """A date must be written YYYY-MM-DD (pydantic would read 0 as 1970-01-01)."""
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("not a YYYY-MM-DD date")
    return value


Day = Annotated[dt.date, BeforeValidator(_iso_date)]


class FaqFilter(Schema):
    q: str = Field(
        "",
        max_length=200,
        pattern=NO_NUL,
        description="Search text (ranked by the assistant's retrieval, at most 20 entries "
        "that share a key term with it); empty: every entry",
    )
    category: CategoryIn | Literal[""] = Field("", description="One category; empty: all")


class UnansweredFilter(Schema):
    status: Literal["open", "answered", "dismissed", "all"] = Field(
        "open", description="Which questions; default: those waiting for an editor"
    )


class FaqFields(StrictIn):
    """An entry's editable fields. `variants`: other wordings customers use (blanks and
    repeats dropped); `valid_from`/`valid_to`: the dates (inclusive) the bot may use it;
    an inactive entry is never answered nor listed publicly."""

    category: CategoryIn
    question: Question
    variants: Variants = Field(default_factory=list)
    answer: Answer
    source: Source = Field("", description="the policy or document the answer rests on")
    valid_from: Day | None = Field(None, description="inclusive; not after valid_to")
    valid_to: Day | None = Field(None, description="inclusive")
    active: StrictBool = True

    def draft(self) -> FaqDraft:
        return FaqDraft(
            category=self.category,
            question=self.question,
            answer=self.answer,
            variants=list(self.variants),
            source=self.source,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            active=self.active,
        )


class FaqCreateIn(FaqFields):
    code: Code


class FaqUpdateIn(FaqFields):
    version: StrictInt = Field(ge=1, le=2**31 - 1, description="the version you read (stale: 409)")


class FaqOut(Schema):
    """An entry as anyone may read it (search results carry their `score`)."""

    code: str
    category: str
    category_label: str
    question: str
    answer: str
    source: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    score: float | None = Field(None, description="retrieval score when searched with q")

    @staticmethod
    def resolve_category_label(obj: Any) -> str:
        return str(FaqCategory(obj.category).label)


class FaqDetailOut(FaqOut):
    variants: list[str]
    active: bool
    version: int
    updated_at: dt.datetime


class UnansweredOut(Schema):
    """A question the bot could not answer (long numbers in it are masked)."""

    id: int
    text: str
    count: int
    channel: str
    first_at: dt.datetime
    last_at: dt.datetime
    status: str
    entry: str | None = Field(description="the code of the entry that answers it now")

    @staticmethod
    def resolve_entry(obj: UnansweredQuestion) -> str | None:
        return obj.entry.code if obj.entry else None
