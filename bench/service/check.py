"""After a storm: is every order right? Verifies what exists on this branch and says what it
skipped and why.

- every report that answered 201 is exactly one order (no duplicates, none missing);
- SLA (when a policy is in use): each order has its arrival clock from the rule for its type
  and area class, started at acceptance, deadline = start + limit for natural-time units
  (working-day units through the calendar, when `gridcare.core.calendar` is there);
- merge suggestions (when the merging rules are in): every suggestion points at an older
  order of the same account or the same 台区 (within the rules' window, if the module
  publishes one), and every storm order that has such an older open order got one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Findings:
    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def storm_check(*, prefix: str, created: int) -> Findings:
    from gridcare.service.models import MergeSuggestion, SlaClock, SlaPolicy, SlaRule, WorkOrder

    f = Findings()
    orders = list(
        WorkOrder.objects.filter(source_ref__startswith=f"{prefix}-").order_by("created_at", "pk")
    )
    refs = [o.source_ref for o in orders]
    if len(set(refs)) != len(refs):
        f.errors.append(f"{len(refs) - len(set(refs))} duplicate orders for one report")
    if len(orders) < created:
        f.errors.append(f"{created:,} reports answered 201 but only {len(orders):,} orders exist")
    f.checked.append(
        f"{len(orders):,} orders for {created:,} reports answered 201, no duplicates"
        + (
            f" ({len(orders) - created} more were in flight when the load generator stopped)"
            if len(orders) > created
            else ""
        )
    )

    policy = SlaPolicy.objects.filter(in_use=True).first()
    if policy is None:
        f.skipped.append(
            "SLA deadlines: no SLA policy in use (the SLA rules are not on this branch)"
        )
    else:
        f.checked.append(_sla(f, orders, policy, SlaRule, SlaClock))

    from gridcare.service.services import merging

    suggestions = MergeSuggestion.objects.filter(order__in=orders)
    window = next((getattr(merging, n) for n in ("MERGE_WINDOW", "WINDOW", "AREA_WINDOW") if hasattr(merging, n)), None)  # fmt: skip
    if not suggestions.exists() and window is None:
        f.skipped.append("merge suggestions: none made and no merging rules published (triage is not on this branch)")  # fmt: skip
    else:
        f.checked.append(_merges(f, orders, suggestions, window))
    return f


def _sla(f: Findings, orders: list, policy: object, SlaRule: type, SlaClock: type) -> str:  # noqa: N803
    rules = {(r.order_type, r.area_class): r for r in SlaRule.objects.filter(policy=policy, clock="repair_arrival")}  # fmt: skip
    clocks = {
        c.order_id: c for c in SlaClock.objects.filter(order__in=orders, clock="repair_arrival")
    }
    try:
        from gridcare.core.calendar import working_deadline  # type: ignore[import-not-found]
    except ImportError:
        working_deadline = None
    wrong = 0
    for order in orders:
        rule = rules.get((order.order_type, order.area_class)) or rules.get(("", order.area_class))
        clock = clocks.get(order.pk)
        if rule is None:
            continue
        if clock is None:
            wrong += 1
            f.errors.append(f"{order.number}: no arrival clock") if wrong <= 5 else None
            continue
        if rule.unit in ("minutes", "hours"):
            step = (
                dt.timedelta(minutes=rule.limit)
                if rule.unit == "minutes"
                else dt.timedelta(hours=rule.limit)
            )
            expected = clock.started_at + step
        elif working_deadline is not None:
            expected = working_deadline(accepted_at=clock.started_at, working_days=rule.limit).at
        else:
            continue
        if (
            clock.limit != rule.limit
            or abs(clock.deadline_at - expected) > dt.timedelta(seconds=1)
            or abs(clock.started_at - order.created_at) > dt.timedelta(seconds=5)
        ):
            wrong += 1
            if wrong <= 5:
                f.errors.append(f"{order.number}: deadline {clock.deadline_at} expected {expected}")
    return f"SLA arrival clocks against policy {policy.code}: {len(orders) - wrong:,} right, {wrong:,} wrong"  # fmt: skip


def _merges(f: Findings, orders: list, suggestions: object, window: dt.timedelta | None) -> str:
    from gridcare.service.models import WorkOrder

    bad = 0
    for s in suggestions.select_related("order", "candidate"):  # type: ignore[attr-defined]
        o, c = s.order, s.candidate
        same = o.account_id == c.account_id or o.transformer_id == c.transformer_id
        in_window = window is None or o.created_at - c.created_at <= window
        if not (same and c.created_at <= o.created_at and in_window):
            bad += 1
            if bad <= 5:
                f.errors.append(f"suggestion {o.number} ~ {c.number} matches no rule")
    suggested = set(suggestions.values_list("order_id", flat=True))  # type: ignore[attr-defined]
    missing = 0
    if window is not None:
        for order in orders:
            older = WorkOrder.objects.filter(
                transformer_id=order.transformer_id, created_at__lt=order.created_at,
                created_at__gte=order.created_at - window, parent__isnull=True,
            ).exclude(state__in=["archived", "cancelled", "merged"])  # fmt: skip
            if order.pk not in suggested and older.exists():
                missing += 1
        if missing:
            f.errors.append(f"{missing:,} orders with an older open order on their 台区 got no suggestion")  # fmt: skip
    else:
        f.skipped.append(
            "merge completeness: the merging module publishes no window to check against"
        )
    return f"merge suggestions: {bad:,} matching no rule, {missing:,} missing"
