"""Who on the staff is told about an order: the managers of its answerable org unit (SLA
escalations, low-rated complaints) and the staff of a unit or team."""

from __future__ import annotations

from django.db.models import QuerySet

from gridcare.core.choices import Role, UserKind
from gridcare.core.models import OrgUnit, User
from gridcare.core.selectors import org_unit_path
from gridcare.service.models import WorkOrder


def managers_of(order: WorkOrder) -> list[User]:
    """The managers of the order's org unit, else of its nearest ancestor that has one."""
    assert order.org_unit is not None
    for unit in reversed(org_unit_path(order.org_unit)):
        found = staff_of(unit).filter(groups__name=Role.MANAGER)
        if managers := list(found):
            return managers
    return []


def staff_of(unit: OrgUnit) -> QuerySet[User]:
    """The active staff members of `unit` (not of its children)."""
    return User.objects.filter(org_unit=unit, is_active=True, kind=UserKind.STAFF).order_by("pk")
