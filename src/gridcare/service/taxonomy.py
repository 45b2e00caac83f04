"""Seed the 95598 categories from data/taxonomy.toml (after every migrate, like the roles)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from gridcare.service.choices import OrderType
from gridcare.service.models import Category

TAXONOMY_FILE = Path(__file__).with_name("data") / "taxonomy.toml"


def taxonomy_entries() -> list[dict[str, Any]]:
    """The file's categories as rows: code, order_type, parent code, names, position."""
    raw = tomllib.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    for order_type, groups in raw.items():
        OrderType(order_type)  # a typo in the file fails loudly at migrate
        for position, group in enumerate(groups):
            rows.append(_row(order_type, group["code"], None, group["zh"], group["en"], position))
            for sub_position, (code, zh, en) in enumerate(group["children"]):
                rows.append(_row(order_type, code, group["code"], zh, en, sub_position))
    return rows


def _row(
    order_type: str, code: str, parent: str | None, zh: str, en: str, position: int
) -> dict[str, Any]:
    return {
        "code": code,
        "order_type": order_type,
        "parent": parent,
        "name_zh": zh,
        "name_en": en,
        "position": position,
    }


def taxonomy_sync() -> int:
    """Add the file's categories that are missing; what admins changed is kept. Returns the
    number added."""
    existing = dict(Category.objects.values_list("code", "pk"))
    added = 0
    for row in taxonomy_entries():
        if row["code"] in existing:
            continue
        parent_code = row.pop("parent")
        category = Category.objects.create(parent_id=existing.get(parent_code), **row)
        existing[category.code] = category.pk
        added += 1
    return added


def taxonomy_sync_after_migrate(**kwargs: Any) -> None:
    taxonomy_sync()
