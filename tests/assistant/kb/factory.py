"""Entries for knowledge-base tests, made through the editing service as staff would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gridcare.assistant.models import FaqEntry
from gridcare.assistant.services.kb_edit import FaqDraft, faq_create
from gridcare.core.models import User


def draft(**overrides: Any) -> FaqDraft:
    values: dict[str, Any] = {
        "category": "service",
        "question": "营业厅提供免费充电宝吗？",
        "answer": "部分营业厅提供免费充电宝借用服务，以各营业厅公示为准。",
        "variants": ["营业厅能借充电宝吗", "营业厅手机没电了能充电吗", "营业厅有充电宝吗"],
        "source": "营业厅便民服务",
    }
    values.update(overrides)
    return FaqDraft(**values)


def make_entry(actor: User, code: str = "service-power-bank", **overrides: Any) -> FaqEntry:
    return faq_create(actor=actor, code=code, draft=draft(**overrides))


TODAY = dt.date(2026, 7, 1)
