"""The index weights and alert rules a new installation starts with (data, edited later).

They live in data/presets.toml. Installed after every migrate where missing: the first
index version only when no version exists, a rule only when its code is unused, so a
manager's later version or edit is never overwritten.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from gridcare.monitoring.models import AlertRule, IndexVersion, IndexWeight

PRESETS = Path(__file__).resolve().parent.parent / "data" / "presets.toml"


def presets_data() -> dict[str, Any]:
    with PRESETS.open("rb") as handle:
        return tomllib.load(handle)


@transaction.atomic
def presets_install() -> None:
    """Install the first index version and the preset alert rules where missing."""
    data = presets_data()
    index = data["index"]
    if not IndexVersion.objects.exists():
        version = IndexVersion.objects.create(
            number=index["number"], effective_from=index["effective_from"], note=index["note"]
        )
        IndexWeight.objects.bulk_create(
            IndexWeight(
                version=version,
                kpi=row["kpi"],
                weight=Decimal(row["weight"]),
                target=Decimal(row["target"]),
                floor=Decimal(row["floor"]),
            )
            for row in index["weight"]
        )
    for rule in data["alert"]:
        AlertRule.objects.get_or_create(
            code=rule["code"],
            defaults={
                "name": rule["name"],
                "kind": rule["kind"],
                "threshold": Decimal(rule["threshold"]),
                "window_hours": rule["window_hours"],
                "baseline_days": rule["baseline_days"],
                "min_count": rule["min_count"],
            },
        )


def presets_install_after_migrate(sender: Any, **kwargs: Any) -> None:
    presets_install()
