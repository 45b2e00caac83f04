"""The knowledge base every installation starts with: assistant/data/faq.toml, loaded
after every migrate (apps.py) and by `faq_seed_sync()`, idempotently by code.

The rule, kept simple (docs/data-formats.md, "FAQ seed file"):

- a code that is not in the table is created (active, version 1, no editor);
- an entry nobody has edited (`updated_by` empty) follows the file: the fields that differ
  are copied, its version goes up by one;
- an entry staff edited (through the console or the API: `updated_by` set) is left alone,
  as is any entry whose code the file does not have. Nothing is deleted or deactivated.

Running it twice changes nothing the second time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from gridcare.assistant.models import FaqEntry
from gridcare.assistant.services.kb_edit import CODE_PATTERN, FaqDraft, faq_draft_clean
from gridcare.core.errors import DomainError

SEED_FILE = Path(__file__).resolve().parents[1] / "data" / "faq.toml"
#: The fields the file sets (an entry's `active` flag is the editors' alone).
SEED_FIELDS = ("category", "question", "variants", "answer", "source", "valid_from", "valid_to")
_KEYS = {"code", *SEED_FIELDS}


class SeedFileError(ValueError):
    """The seed file is not what docs/data-formats.md describes (names the entry)."""


@dataclass(frozen=True, slots=True)
class SeedResult:
    created: int
    updated: int
    unchanged: int
    kept: int  # edited by staff, left as they are


def _entry_values(position: int, raw: dict[str, Any]) -> dict[str, Any]:
    where = f"faq.toml entry {position} ({raw.get('code', '?')})"
    unknown = set(raw) - _KEYS
    if unknown:
        raise SeedFileError(f"{where}: unknown keys {sorted(unknown)}")
    code = raw.get("code", "")
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code) or len(code) > 64:
        raise SeedFileError(f"{where}: code must be a lower-case slug")
    for name in ("valid_from", "valid_to"):
        if raw.get(name) is not None and not isinstance(raw[name], date):
            raise SeedFileError(f"{where}: {name} must be a TOML date (2024-01-01)")
    variants = raw.get("variants", [])
    if not isinstance(variants, list) or len(variants) < 3:
        raise SeedFileError(f"{where}: at least 3 variants")
    try:
        clean = faq_draft_clean(
            FaqDraft(
                category=str(raw.get("category", "")),
                question=str(raw.get("question", "")),
                answer=str(raw.get("answer", "")),
                variants=[str(v) for v in variants],
                source=str(raw.get("source", "")),
                valid_from=raw.get("valid_from"),
                valid_to=raw.get("valid_to"),
            )
        )
    except DomainError as exc:
        raise SeedFileError(f"{where}: {exc.code}: {exc.message}") from None
    return {"code": code, **{name: getattr(clean, name) for name in SEED_FIELDS}}


def faq_seed_read(path: Path = SEED_FILE) -> list[dict[str, Any]]:
    """The file's entries, each checked as an editor's entry would be (SeedFileError)."""
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    entries = [_entry_values(i, raw) for i, raw in enumerate(document.get("entry", []), 1)]
    codes = [e["code"] for e in entries]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise SeedFileError(f"faq.toml: codes used twice: {repeated}")
    return entries


@transaction.atomic
def faq_seed_sync(path: Path = SEED_FILE) -> SeedResult:
    """Bring the table in line with the seed file under the rule above."""
    entries = faq_seed_read(path)
    existing = {e.code: e for e in FaqEntry.objects.filter(code__in=[e["code"] for e in entries])}
    now = timezone.now()
    created: list[FaqEntry] = []
    updated: list[FaqEntry] = []
    unchanged = kept = 0
    for values in entries:
        entry = existing.get(values["code"])
        if entry is None:
            created.append(FaqEntry(**values, active=True, version=1, updated_at=now))
        elif entry.updated_by_id is not None:
            kept += 1
        elif any(getattr(entry, name) != values[name] for name in SEED_FIELDS):
            for name in SEED_FIELDS:
                setattr(entry, name, values[name])
            entry.version += 1
            entry.updated_at = now
            updated.append(entry)
        else:
            unchanged += 1
    FaqEntry.objects.bulk_create(created)
    FaqEntry.objects.bulk_update(updated, [*SEED_FIELDS, "version", "updated_at"])
    return SeedResult(created=len(created), updated=len(updated), unchanged=unchanged, kept=kept)


def faq_seed_sync_after_migrate(**kwargs: Any) -> None:
    faq_seed_sync()
