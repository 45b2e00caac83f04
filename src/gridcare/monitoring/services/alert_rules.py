"""A manager's edit of an alert rule's limits: validated by kind, audited."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.monitoring.choices import AlertKind
from gridcare.monitoring.models import AlertRule

#: Rates are percentages (or points of one); a spike factor and a call count are not.
PERCENT_KINDS = {AlertKind.SLA_BELOW_TARGET, AlertKind.CSAT_DROP}
MAX_WINDOW_HOURS = 24 * 31
MAX_BASELINE_DAYS = 366
MAX_THRESHOLD = Decimal("99999999.99")


def _check(rule: AlertRule, threshold: Decimal, window_hours: int, baseline_days: int,
           min_count: int) -> None:  # fmt: skip
    if threshold <= 0 or threshold > MAX_THRESHOLD:
        raise DomainError(
            "monitoring.alert_rule.bad_threshold", "阈值必须大于 0", field="threshold"
        )
    if rule.kind in PERCENT_KINDS and threshold > 100:
        raise DomainError(
            "monitoring.alert_rule.threshold_over_100",
            "该规则的阈值不能超过 100",
            field="threshold",
        )
    if rule.kind == AlertKind.COMPLAINT_SPIKE and threshold <= 1:
        raise DomainError(
            "monitoring.alert_rule.factor_not_above_1",
            "激增倍数必须大于 1",
            field="threshold",
        )
    if not 1 <= window_hours <= MAX_WINDOW_HOURS:
        raise DomainError(
            "monitoring.alert_rule.bad_window",
            f"时间窗应在 1 到 {MAX_WINDOW_HOURS} 小时之间",
            field="window_hours",
        )
    if not 1 <= baseline_days <= MAX_BASELINE_DAYS:
        raise DomainError(
            "monitoring.alert_rule.bad_baseline",
            f"基线天数应在 1 到 {MAX_BASELINE_DAYS} 之间",
            field="baseline_days",
        )
    if min_count < 1:
        raise DomainError(
            "monitoring.alert_rule.bad_min_count", "最少事件数至少为 1", field="min_count"
        )


@transaction.atomic(durable=True)
def alert_rule_update(
    *,
    actor: User | None,
    rule: AlertRule,
    threshold: Decimal,
    window_hours: int,
    baseline_days: int,
    min_count: int,
    active: bool,
) -> AlertRule:
    """Change a rule's limits; the audit entry keeps what they were."""
    _check(rule, threshold, window_hours, baseline_days, min_count)
    before = {
        "threshold": str(rule.threshold),
        "window_hours": rule.window_hours,
        "baseline_days": rule.baseline_days,
        "min_count": rule.min_count,
        "active": rule.active,
    }
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    rule.threshold = threshold.quantize(Decimal("0.01"))
    rule.window_hours, rule.baseline_days = window_hours, baseline_days
    rule.min_count, rule.active = min_count, active
    rule.updated_by, rule.updated_at = actor, timezone.now()
    rule.save()
    after = {
        "threshold": str(rule.threshold),
        "window_hours": window_hours,
        "baseline_days": baseline_days,
        "min_count": min_count,
        "active": active,
    }
    audit_record(
        actor=actor,
        action="monitoring.alert_rule.update",
        obj=rule,
        data={"before": before, "after": after},
    )
    return rule
