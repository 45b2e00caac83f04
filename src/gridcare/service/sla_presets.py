"""Seed the SLA presets (SGCC 2023, CSG …) from data/sla_presets.toml after every migrate.

A policy whose code is missing is created with its rules; one that exists is left as the
admins keep it. The `default = true` policy is put in use only while no policy is in use.
Format: docs/data-formats.md, "sla_presets.toml".
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from gridcare.service.choices import (
    ApplicationKind,
    AreaClass,
    ClockKind,
    ClockUnit,
    OrderType,
)
from gridcare.service.models import SlaPolicy, SlaRule
from gridcare.service.taxonomy import taxonomy_entries

PRESETS_FILE = Path(__file__).with_name("data") / "sla_presets.toml"

POLICY_KEYS = {
    "code",
    "name",
    "source",
    "effective_from",
    "effective_to",
    "default",
    "warn_ratio",
    "office_opens",
    "office_closes",
    "rule",
}
RULE_KEYS = {
    "clock",
    "order_type",
    "area_class",
    "application_kind",
    "category",
    "unit",
    "limit",
    "note",
    "assumption",
}


class PresetError(ValueError):
    """The presets file is wrong (a typo fails loudly at migrate, with the place)."""


def sla_presets_load(path: Path = PRESETS_FILE) -> list[dict[str, Any]]:
    """The file's policies, checked: known keys, known choices, positive limits."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    policies = raw.get("policy", [])
    if set(raw) - {"policy"} or not policies:
        raise PresetError(f"{path.name}: expected [[policy]] tables only")
    defaults = [p["code"] for p in policies if p.get("default")]
    if len(defaults) > 1:
        raise PresetError(f"{path.name}: more than one default policy: {defaults}")
    for p in policies:
        where = f"{path.name}: policy {p.get('code', '?')}"
        if unknown := set(p) - POLICY_KEYS:
            raise PresetError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("code", "name", "effective_from"):
            if key not in p:
                raise PresetError(f"{where}: missing {key}")
        ratio = Decimal(str(p.get("warn_ratio", "0.80")))
        if not Decimal("0") < ratio < Decimal("1"):
            raise PresetError(f"{where}: warn_ratio must be between 0 and 1")
        for n, rule in enumerate(p.get("rule", []), start=1):
            _check_rule(rule, f"{where}, rule {n}")
    return list(policies)


def _check_rule(rule: dict[str, Any], where: str) -> None:
    category = rule.get("category", "")
    if category and category not in {row["code"] for row in taxonomy_entries()}:
        raise PresetError(f"{where}: category {category!r} is not in taxonomy.toml")
    if unknown := set(rule) - RULE_KEYS:
        raise PresetError(f"{where}: unknown keys {sorted(unknown)}")
    checks: list[tuple[str, type[Any], bool]] = [
        ("clock", ClockKind, True),
        ("order_type", OrderType, True),
        ("unit", ClockUnit, True),
        ("area_class", AreaClass, False),
        ("application_kind", ApplicationKind, False),
    ]
    for key, choices, required in checks:
        value = rule.get(key, "")
        if (required or value) and value not in choices.values:
            raise PresetError(f"{where}: {key} {value!r} is not one of {choices.values}")
    limit = rule.get("limit")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise PresetError(f"{where}: limit must be a positive whole number")


@transaction.atomic
def sla_presets_sync(path: Path = PRESETS_FILE) -> int:
    """Create the file's missing policies (with their rules); returns how many."""
    policies = sla_presets_load(path)
    existing = set(SlaPolicy.objects.values_list("code", flat=True))
    added = 0
    for p in policies:
        if p["code"] in existing:
            continue
        policy = SlaPolicy.objects.create(
            code=p["code"],
            name=p["name"],
            source=p.get("source", ""),
            effective_from=p["effective_from"],
            effective_to=p.get("effective_to"),
            warn_ratio=Decimal(str(p.get("warn_ratio", "0.80"))),
            office_opens=p.get("office_opens", dt.time(8, 30)),
            office_closes=p.get("office_closes", dt.time(17, 30)),
        )
        SlaRule.objects.bulk_create(
            SlaRule(
                policy=policy,
                clock=r["clock"],
                order_type=r["order_type"],
                area_class=r.get("area_class", ""),
                application_kind=r.get("application_kind", ""),
                category=r.get("category", ""),
                unit=r["unit"],
                limit=r["limit"],
            )
            for r in p.get("rule", [])
        )
        added += 1
    if not SlaPolicy.objects.filter(in_use=True).exists():
        default = next((p["code"] for p in policies if p.get("default")), None)
        if default:
            SlaPolicy.objects.filter(code=default).update(in_use=True)
    return added


def sla_presets_sync_after_migrate(**kwargs: Any) -> None:
    sla_presets_sync()
