"""Core reads: org-unit scopes, API tokens and audit queries."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

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


def audit_log_for_object(*, object_type: str, object_id: str) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(object_type=object_type, object_id=object_id)


def org_unit_path(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and its parents, top first (供电局 › 供电所 › 班组)."""
    chain = [unit]
    while chain[-1].parent_id is not None:
        parent = chain[-1].parent
        assert parent is not None
        chain.append(parent)
    return chain[::-1]


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's live tokens (not revoked, not expired), newest first."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("user")


def api_tokens_live() -> QuerySet[ApiToken]:
    """Every user's live tokens, newest first (token administration; the caller checks the
    permission)."""
    return ApiToken.objects.filter(
        revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("user")
