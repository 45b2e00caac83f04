"""Core reads: org-unit scopes and audit queries."""

from __future__ import annotations

from django.db.models import QuerySet

from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import ApiToken, AuditLog, OrgUnit, User


def org_unit_scope_root(unit: OrgUnit) -> OrgUnit:
    """The unit whose subtree a staff member may see.

    A team (班组) has no customers of its own; its members work for their supply station,
    so their scope is the station above them.
    """
    if unit.kind == OrgUnitKind.TEAM and unit.parent is not None:
        return unit.parent
    return unit


def org_units_in_scope(user: User) -> QuerySet[OrgUnit]:
    """Every org unit a staff user's data scope covers (their unit's subtree); none otherwise."""
    if user.is_superuser and user.org_unit is None:
        return OrgUnit.objects.all()
    if user.org_unit is None:
        return OrgUnit.objects.none()
    root = org_unit_scope_root(user.org_unit)
    return OrgUnit.objects.filter(path__startswith=root.path)


def api_tokens_live(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens not revoked (expired ones included: the list shows their expiry)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def audit_log_for_object(*, object_type: str, object_id: str) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(object_type=object_type, object_id=object_id)
