"""Reads of alert rules and their firings, and who is told when one fires."""

from __future__ import annotations

from django.db.models import QuerySet

from gridcare.core.choices import Role
from gridcare.core.errors import NotFound
from gridcare.core.models import OrgUnit, User
from gridcare.core.selectors import org_unit_path
from gridcare.monitoring.models import AlertFiring, AlertRule
from gridcare.service.services.staff_lookup import staff_of


def managers_of_unit(unit: OrgUnit) -> list[User]:
    """The managers of `unit`, else of its nearest ancestor that has one (as
    staff_lookup.managers_of does for an order's unit)."""
    for candidate in reversed(org_unit_path(unit)):
        if managers := list(staff_of(candidate).filter(groups__name=Role.MANAGER)):
            return managers
    return []


def alert_rules() -> QuerySet[AlertRule]:
    return AlertRule.objects.select_related("org_unit", "updated_by")


def alert_rules_active() -> QuerySet[AlertRule]:
    return alert_rules().filter(active=True)


def alert_rule_get(code: str) -> AlertRule:
    rule = alert_rules().filter(code=code).first()
    if rule is None:
        raise NotFound("monitoring.alert_rule.not_found", "告警规则不存在")
    return rule


def alert_firings(
    *, scope: QuerySet[OrgUnit] | None, rule: AlertRule | None = None, limit: int = 50
) -> list[AlertFiring]:
    """The newest firings (of one rule, or all) whose unit lies in `scope` (all when None)."""
    rows = AlertFiring.objects.select_related("rule", "org_unit")
    if rule is not None:
        rows = rows.filter(rule=rule)
    if scope is not None:
        rows = rows.filter(org_unit__in=scope)
    return list(rows.order_by("-fired_at", "-id")[:limit])
