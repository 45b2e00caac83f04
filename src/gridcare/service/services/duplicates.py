"""Duplicate detection (issue 24 §7): suggest the open order a new order probably repeats.

The rules are data (data/duplicates.toml, documented there): same account within 24 h and
same 台区 within 2 h for repairs, same account and complaint group within 30 days for
complaints. Per rule only the oldest open order in the window is suggested — the master of
the cluster — so an outage storm of n reports on one 台区 writes at most one `MergeSuggestion`
per report and rule (n rows, not n²). Each rule is one indexed query (WorkOrder indexes
(account, -created_at) and (transformer, -created_at)); all rows go in one INSERT.

This module is separate from `merging` (which merges, through the lifecycle) because the
hooks that call `merge_suggest` are themselves called by the lifecycle: keeping suggestion
apart keeps the services package free of import cycles.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Q

from gridcare.service.choices import OPEN_STATES, OrderType
from gridcare.service.models import MergeSuggestion, WorkOrder

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "duplicates.toml"
MATCH_KEYS = frozenset({"account", "transformer", "category_group"})


@dataclass(frozen=True)
class DuplicateRule:
    reason: str
    order_types: frozenset[str]
    match: tuple[str, ...]
    window: dt.timedelta
    zh: str
    en: str


@cache
def duplicate_rules() -> tuple[DuplicateRule, ...]:
    """The rules of data/duplicates.toml, checked (a typo fails loudly on first use)."""
    raw = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    return tuple(_rule(entry) for entry in raw["rule"])


def _rule(entry: dict[str, Any]) -> DuplicateRule:
    for order_type in entry["order_types"]:
        OrderType(order_type)
    unknown = set(entry["match"]) - MATCH_KEYS
    if unknown or not entry["match"]:
        raise ValueError(f"duplicates.toml: bad match keys {sorted(unknown)} in {entry['reason']}")
    return DuplicateRule(
        reason=entry["reason"],
        order_types=frozenset(entry["order_types"]),
        match=tuple(entry["match"]),
        window=dt.timedelta(hours=entry["window_hours"]),
        zh=entry["zh"],
        en=entry["en"],
    )


def merge_suggest(*, order: WorkOrder) -> None:
    """Record the open orders `order` may duplicate (same account, or same 台区 in a window):
    at most one `MergeSuggestion` per rule, naming the oldest open order that matches."""
    found: dict[int, str] = {}
    for rule in duplicate_rules():
        if order.order_type not in rule.order_types:
            continue
        master = _master(order, rule)
        if master is not None and master not in found:
            found[master] = rule.reason
    MergeSuggestion.objects.bulk_create(
        [
            MergeSuggestion(order=order, candidate_id=candidate, reason=reason)
            for candidate, reason in found.items()
        ],
        ignore_conflicts=True,
    )


def _master(order: WorkOrder, rule: DuplicateRule) -> int | None:
    """The id of the oldest open order matching `order` under `rule`, or None."""
    keys = _match(order, rule)
    if keys is None:
        return None
    return (
        WorkOrder.objects.filter(
            keys,
            order_type__in=rule.order_types,
            state__in=OPEN_STATES,
            created_at__gte=order.created_at - rule.window,
            created_at__lte=order.created_at,
        )
        .exclude(pk=order.pk)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def _match(order: WorkOrder, rule: DuplicateRule) -> Q | None:
    """The equality filter of `rule` for `order`; None when `order` lacks a key's value."""
    condition = Q()
    for key in rule.match:
        if key == "account":
            if order.account_id is None:
                return None
            condition &= Q(account_id=order.account_id)
        elif key == "transformer":
            if order.transformer_id is None:
                return None
            condition &= Q(transformer_id=order.transformer_id)
        else:
            condition &= _category_group(order)
    return condition


def _category_group(order: WorkOrder) -> Q:
    category = order.category
    if category is None:
        return Q(category__isnull=True)
    group = category.parent_id or category.pk
    return Q(category_id=group) | Q(category__parent_id=group)


def duplicate_reason_label(reason: str, *, language: str) -> str:
    """The reason's name for display, in Chinese unless `language` is English."""
    for rule in duplicate_rules():
        if rule.reason == reason:
            return rule.en if language.startswith("en") else rule.zh
    return reason
