"""Which org unit a monitoring page shows: one in the user's scope, by code."""

from __future__ import annotations

from django.db.models import QuerySet

from gridcare.core.errors import NotFound
from gridcare.core.models import OrgUnit, User
from gridcare.core.selectors import org_unit_scope_root, org_units_in_scope

NOT_IN_SCOPE = "机构不存在或不在您的管辖范围内"


def scope_units(user: User) -> QuerySet[OrgUnit]:
    """The units the user's scope covers, in tree order (a filter's choices)."""
    return org_units_in_scope(user).order_by("path")


def scope_unit_ids(user: User) -> set[int]:
    return set(org_units_in_scope(user).values_list("pk", flat=True))


def unit_in_scope(*, user: User, unit: OrgUnit | None) -> bool:
    """Whether `unit` is in the user's scope (no unit: everything, always shown)."""
    return unit is None or org_units_in_scope(user).filter(pk=unit.pk).exists()


def unit_by_code(*, user: User | None, code: str, error: str, message: str) -> OrgUnit:
    """The unit `code` within `user`'s scope (None: the CLI, every unit); unknown and
    outside the scope are the same 404 (`error`, `message`), so a code's existence does
    not leak."""
    units = OrgUnit.objects.all() if user is None else org_units_in_scope(user)
    found = units.filter(code=code).first()
    if found is None:
        raise NotFound(error, message, field="org")
    return found


def scope_unit(*, user: User, code: str) -> OrgUnit:
    """The unit `code` (the user's scope root when empty); outside the scope or unknown:
    NotFound, as every console page answers an org it does not show."""
    units = org_units_in_scope(user)
    if code:
        return unit_by_code(
            user=user, code=code, error="monitoring.org.not_found", message=NOT_IN_SCOPE
        )
    if user.org_unit is not None:
        return org_unit_scope_root(user.org_unit)
    top = units.filter(parent__isnull=True).order_by("code").first()
    if top is None:
        raise NotFound("monitoring.org.not_found", NOT_IN_SCOPE)
    return top
