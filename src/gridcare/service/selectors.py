"""Reads of work orders for views, the API and other apps, always within the reader's scope.

Scope: customers see the orders of their bound accounts and the ones they filed; a field
crew sees its own team's orders; other staff see the orders of their org unit's subtree.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gridcare.core.choices import OrgUnitKind, Role
from gridcare.core.errors import NotFound
from gridcare.core.models import OrgUnit, User
from gridcare.core.selectors import org_units_in_scope
from gridcare.core.services import user_roles
from gridcare.service.models import Category, WorkOrder, WorkOrderEvent

_ORDER_RELATED = ("customer", "account", "org_unit", "team", "assignee", "category")


def orders_visible_to(user: User) -> QuerySet[WorkOrder]:
    orders = WorkOrder.objects.select_related(*_ORDER_RELATED)
    if not user.is_authenticated or not user.is_active:
        return orders.none()
    if user.is_customer:
        return orders.filter(
            Q(created_by=user)
            | Q(account__bindings__user=user, account__bindings__revoked_at__isnull=True)
        ).distinct()
    if not user.has_perm("service.view_workorder"):
        return orders.none()
    if Role.FIELD_CREW in user_roles(user):
        return orders.filter(team=user.org_unit) if user.org_unit_id else orders.none()
    return orders.filter(org_unit__in=org_units_in_scope(user))


def order_get_for_user(*, user: User, number: str) -> WorkOrder:
    """One order by its number, or 404 whether it does not exist or is out of scope."""
    order = orders_visible_to(user).filter(number=number).first()
    if order is None:
        raise NotFound("service.order.not_found", "工单不存在", field="number")
    return order


def order_events(*, order: WorkOrder, public_only: bool = False) -> QuerySet[WorkOrderEvent]:
    events = order.events.select_related("actor")
    return events.filter(public=True) if public_only else events


def categories_for(*, order_type: str) -> QuerySet[Category]:
    return Category.objects.filter(order_type=order_type, active=True).select_related("parent")


def teams_in_scope(user: User) -> QuerySet[OrgUnit]:
    """The teams (班组) a dispatcher may send orders to."""
    return org_units_in_scope(user).filter(kind=OrgUnitKind.TEAM)
