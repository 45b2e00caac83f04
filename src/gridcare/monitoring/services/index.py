"""A manager's change of the service-quality index: always a new version (the old ones
stay, so a past month is scored as it was then), validated whole, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction

from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.monitoring.metrics import BY_CODE, Kind
from gridcare.monitoring.models import IndexVersion, IndexWeight

TOTAL = Decimal("100.00")
#: What one weight row is: (kpi code, weight, target, floor).
WeightRow = tuple[
    str, Decimal | str | int | float, Decimal | str | int | float, Decimal | str | int | float
]


def _decimal(raw: object, *, field: str, places: int, digits: int) -> Decimal:
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except InvalidOperation:
        raise DomainError(
            "monitoring.index.not_a_number", f"{field} 应为数字", field="weights"
        ) from None
    if not value.is_finite():
        raise DomainError("monitoring.index.not_a_number", f"{field} 应为数字", field="weights")
    quantum = Decimal(1).scaleb(-places)
    if value != value.quantize(quantum) or abs(value) >= Decimal(10) ** (digits - places):
        raise DomainError(
            "monitoring.index.too_precise",
            f"{field} 最多 {digits - places} 位整数、{places} 位小数",
            field="weights",
        )
    return value


def _clean_rows(weights: Sequence[WeightRow]) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    """Every rule of a valid version, checked row by row, first failure raised."""
    if not weights:
        raise DomainError("monitoring.index.empty", "至少需要一项指标", field="weights")
    seen: set[str] = set()
    rows = []
    for code, raw_weight, raw_target, raw_floor in weights:
        entry = BY_CODE.get(code)
        if entry is None:
            raise DomainError(
                "monitoring.index.unknown_kpi", f"未知指标：{code}", field="weights", kpi=code
            )
        if entry.kind is Kind.COUNT:
            # A volume says how busy a unit is, not how well it serves.
            raise DomainError(
                "monitoring.index.count_kpi",
                f"计数类指标不能计入指数：{code}",
                field="weights",
                kpi=code,
            )
        if entry.higher_is_better is None:
            # A duration that is neither good nor bad (a hall visit's service time) has no
            # target to score against.
            raise DomainError(
                "monitoring.index.neutral_kpi",
                f"该指标没有好坏方向，不能计入指数：{code}",
                field="weights",
                kpi=code,
            )
        if code in seen:
            raise DomainError(
                "monitoring.index.duplicate_kpi", f"指标重复：{code}", field="weights", kpi=code
            )
        seen.add(code)
        weight = _decimal(raw_weight, field=f"{code} 权重", places=2, digits=5)
        target = _decimal(raw_target, field=f"{code} 目标值", places=4, digits=12)
        floor = _decimal(raw_floor, field=f"{code} 底线值", places=4, digits=12)
        if weight <= 0:
            raise DomainError(
                "monitoring.index.weight_not_positive",
                f"{code} 的权重必须大于 0",
                field="weights",
                kpi=code,
            )
        if target == floor:
            raise DomainError(
                "monitoring.index.target_equals_floor",
                f"{code} 的目标值与底线值不能相同",
                field="weights",
                kpi=code,
            )
        if (target > floor) != entry.higher_is_better:
            raise DomainError(
                "monitoring.index.direction",
                f"{code} "
                + ("越高越好，目标值应高于底线值" if entry.higher_is_better
                   else "越低越好，目标值应低于底线值"),
                field="weights",
                kpi=code,
            )  # fmt: skip
        rows.append((code, weight, target, floor))
    total = sum((row[1] for row in rows), Decimal(0))
    if total != TOTAL:
        raise DomainError(
            "monitoring.index.weights_sum",
            f"权重之和应为 100，现为 {total}",
            field="weights",
            total=str(total),
        )
    return rows


@transaction.atomic(durable=True)
def index_version_create(
    *,
    actor: User | None,
    effective_from: dt.date,
    weights: Sequence[WeightRow],
    note: str = "",
) -> IndexVersion:
    """A new index version effective from `effective_from` (never before the latest
    version's), its weights summing to exactly 100.00."""
    rows = _clean_rows(weights)
    if len(note) > 200:
        raise DomainError("monitoring.index.note_too_long", "说明最多 200 个字符", field="note")
    # Lock the newest version so two managers saving at once get consecutive numbers.
    latest = IndexVersion.objects.select_for_update().order_by("-number").first()
    if latest is not None and effective_from < latest.effective_from:
        raise DomainError(
            "monitoring.index.effective_before_latest",
            f"生效日期不能早于最新版本的生效日期（{latest.effective_from:%Y-%m-%d}）",
            field="effective_from",
        )
    version = IndexVersion.objects.create(
        number=(latest.number + 1) if latest else 1,
        effective_from=effective_from,
        note=note,
        created_by=actor,
    )
    IndexWeight.objects.bulk_create(
        IndexWeight(version=version, kpi=code, weight=weight, target=target, floor=floor)
        for code, weight, target, floor in rows
    )
    audit_record(
        actor=actor,
        action="monitoring.index_version.create",
        obj=version,
        data={
            "number": version.number,
            "effective_from": effective_from.isoformat(),
            "weights": [[c, str(w), str(t), str(f)] for c, w, t, f in rows],
        },
    )
    return version
