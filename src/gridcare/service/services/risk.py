"""Escalation risk (issue 24 §7, domain-facts §2.4): score 0–100, priority and visible reasons.

1. Gather the signals of an order: the account's sensitive-customer flag, the customer's
   earlier contacts within 30 days (orders, and inbound timeline contacts that are not an
   order's own entry — one COUNT each), keywords in title and description, the order type
   and the complaint's level-1 category.
2. Score them with the weights of data/risk.toml (`risk_score`, pure): the sum, capped at 100.
3. Priority from the thresholds (normal < high ≤ score < urgent ≤ score). Risk only raises an
   order's priority, never lowers one someone set.
4. Write the current values on the order row (risk_score, risk_reasons, priority); when the
   risk level rises above normal, add an internal `note` event with data {"risk": …}, so the
   history of the flag is kept in the log, not in the row.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

from gridcare.customers.selectors import customer_is_sensitive, inbound_contacts_count
from gridcare.service.choices import EventKind, Priority
from gridcare.service.models import WorkOrder, WorkOrderEvent

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "risk.toml"
PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}
MAX_SCORE = 100


@dataclass(frozen=True)
class Signal:
    code: str
    weight: int
    zh: str
    en: str


@dataclass(frozen=True)
class KeywordGroup:
    signal: Signal
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class RiskRules:
    high: int
    urgent: int
    sensitive: Signal
    repeat: Signal
    repeat_days: int
    repeat_max: int
    order_types: dict[str, Signal]
    categories: dict[str, Signal]
    keywords: tuple[KeywordGroup, ...]

    def labels(self) -> dict[str, Signal]:
        signals = [self.sensitive, self.repeat, *self.order_types.values()]
        signals += [*self.categories.values(), *(group.signal for group in self.keywords)]
        return {signal.code: signal for signal in signals}


@dataclass(frozen=True)
class RiskSignals:
    """What is known about an order; `text` is its title and description."""

    sensitive: bool = False
    earlier_contacts: int = 0
    text: str = ""
    order_type: str = ""
    category_group: str = ""


@dataclass(frozen=True)
class Assessment:
    score: int
    priority: str
    reasons: tuple[str, ...]
    keywords: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "priority": self.priority,
            "reasons": list(self.reasons),
            "keywords": list(self.keywords),
        }


# --- Rules (data/risk.toml) and scoring, free of the database ---


@cache
def risk_rules() -> RiskRules:
    raw = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    repeat = raw["repeat_contacts"]
    return RiskRules(
        high=raw["thresholds"]["high"],
        urgent=raw["thresholds"]["urgent"],
        sensitive=_signal("sensitive_customer", raw["sensitive_customer"]),
        repeat=_signal("repeat_contacts", {**repeat, "weight": repeat["per_contact"]}),
        repeat_days=repeat["days"],
        repeat_max=repeat["max"],
        order_types={k: _signal(f"type_{k}", v) for k, v in raw["order_types"].items()},
        categories={k: _signal(f"category_{k}", v) for k, v in raw["categories"].items()},
        keywords=tuple(_keyword_group(entry) for entry in raw["keywords"]),
    )


def _signal(code: str, entry: dict[str, Any]) -> Signal:
    return Signal(code=code, weight=int(entry["weight"]), zh=entry["zh"], en=entry["en"])


def _keyword_group(entry: dict[str, Any]) -> KeywordGroup:
    alternatives = []
    for term in entry["terms"]:
        term = _fold(term)
        escaped = re.escape(term)
        alternatives.append(rf"(?<!\d){escaped}(?!\d)" if term.isdigit() else escaped)
    return KeywordGroup(
        signal=_signal(entry["code"], entry), pattern=re.compile("|".join(alternatives))
    )


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def risk_score(signals: RiskSignals, rules: RiskRules) -> Assessment:
    """Score `signals` under `rules`: the sum of the weights present, capped at 100."""
    weights: dict[str, int] = {}
    if signals.sensitive:
        weights[rules.sensitive.code] = rules.sensitive.weight
    if signals.earlier_contacts > 0:
        repeat = min(rules.repeat_max, rules.repeat.weight * signals.earlier_contacts)
        weights[rules.repeat.code] = repeat
    if (kind := rules.order_types.get(signals.order_type)) is not None:
        weights[kind.code] = kind.weight
    if (group := rules.categories.get(signals.category_group)) is not None:
        weights[group.code] = group.weight
    text, found = _fold(signals.text), []
    for keyword in rules.keywords:
        if match := keyword.pattern.search(text):
            weights[keyword.signal.code] = keyword.signal.weight
            found.append(match.group(0))
    score = min(MAX_SCORE, sum(weights.values()))
    return Assessment(
        score=score,
        priority=risk_priority(score, rules),
        reasons=tuple(code for code, weight in weights.items() if weight > 0),
        keywords=tuple(found),
    )


def risk_priority(score: int, rules: RiskRules) -> str:
    """The priority a score calls for under the thresholds of `rules`."""
    if score >= rules.urgent:
        return Priority.URGENT
    if score >= rules.high:
        return Priority.HIGH
    return Priority.NORMAL


def risk_reason_labels(codes: list[str], *, language: str | None = None) -> list[str]:
    """The reasons' names for display: Chinese, or English when the language is English."""
    english = (language or get_language() or "zh-hans").startswith("en")
    signals = risk_rules().labels()
    return [
        (signals[code].en if english else signals[code].zh) if code in signals else code
        for code in codes
    ]


# --- The service ---


def risk_assess(*, order: WorkOrder) -> None:
    """Score the order's escalation risk and set its priority and flags."""
    rules = risk_rules()
    before = risk_priority(order.risk_score, rules)
    assessment = risk_score(_signals(order, rules), rules)
    priority = max(order.priority, assessment.priority, key=lambda p: PRIORITY_RANK[Priority(p)])
    order.risk_score, order.risk_reasons = assessment.score, list(assessment.reasons)
    order.priority = priority
    WorkOrder.objects.filter(pk=order.pk).update(
        risk_score=order.risk_score, risk_reasons=order.risk_reasons, priority=priority
    )
    if PRIORITY_RANK[Priority(assessment.priority)] > PRIORITY_RANK[Priority(before)]:
        WorkOrderEvent.objects.create(
            order=order,
            kind=EventKind.NOTE,
            note="升级风险：" + "、".join(risk_reason_labels(order.risk_reasons, language="zh")),
            public=False,
            data={"risk": assessment.to_dict()},
        )


def _signals(order: WorkOrder, rules: RiskRules) -> RiskSignals:
    category = order.category
    parent = category.parent if category is not None else None
    return RiskSignals(
        sensitive=_sensitive(order),
        earlier_contacts=_earlier_contacts(order, days=rules.repeat_days),
        text=f"{order.title}\n{order.description}",
        order_type=order.order_type,
        category_group=(parent or category).code if category is not None else "",
    )


def _sensitive(order: WorkOrder) -> bool:
    if order.account_id is not None:
        return bool(order.account and order.account.is_sensitive)
    if order.customer_id is None:
        return False
    return customer_is_sensitive(customer_id=order.customer_id)


def _earlier_contacts(order: WorkOrder, *, days: int) -> int:
    """The customer's orders and other inbound contacts in the `days` before this order."""
    if order.customer_id is None:
        return 0
    since = order.created_at - dt.timedelta(days=days)
    orders = WorkOrder.objects.filter(
        customer_id=order.customer_id, created_at__gte=since, created_at__lte=order.created_at
    ).exclude(pk=order.pk)
    # An order's own timeline entry links to it and is counted as the order.
    contacts = inbound_contacts_count(
        customer_id=order.customer_id,
        since=since,
        until=order.created_at,
        unlinked_from="work_order",
    )
    return orders.count() + contacts
