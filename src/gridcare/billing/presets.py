"""The tariff presets of data/tariffs.toml, added after every migrate where missing."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from django.db import transaction

from gridcare.billing.engine.tariff import parse_spec
from gridcare.billing.models import Tariff, TariffVersion

PRESETS = Path(__file__).parent / "data" / "tariffs.toml"


def tariff_presets() -> list[dict[str, Any]]:
    with PRESETS.open("rb") as handle:
        return list(tomllib.load(handle)["tariff"])


def preset_spec(code: str) -> dict[str, Any]:
    """The preset document of `code` (KeyError if none), for the quote without a database."""
    for entry in tariff_presets():
        if entry["code"] == code:
            return dict(entry["spec"])
    raise KeyError(code)


@transaction.atomic
def tariff_presets_sync() -> int:
    """Create each preset tariff and its first version when missing; returns how many."""
    added = 0
    for entry in tariff_presets():
        parse_spec(entry["spec"])  # a broken preset fails the migrate, loudly
        tariff, created = Tariff.objects.get_or_create(
            code=entry["code"],
            defaults={
                "name": entry["name"],
                "tariff_class": entry["tariff_class"],
                "description": entry.get("name_en", ""),
            },
        )
        start = dt.date.fromisoformat(entry["effective_from"])
        if created or not tariff.versions.exists():
            TariffVersion.objects.create(
                tariff=tariff,
                effective_from=start,
                spec=entry["spec"],
                basis=entry.get("basis", ""),
            )
            added += 1
    return added


def tariff_presets_sync_after_migrate(**kwargs: Any) -> None:
    tariff_presets_sync()
