"""Teams (班组) as dispatchers choose among them: the teams of the user's scope with their
open load. `services.dispatch.team_suggestions` ranks teams for one order; this lists them."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from gridcare.core.models import OrgUnit, User
from gridcare.service.choices import OPEN_STATES
from gridcare.service.selectors import teams_in_scope


def teams_with_open_orders(user: User) -> QuerySet[OrgUnit]:
    """The teams in `user`'s scope, each annotated with `open_orders`: its orders in an
    open state (accepted … arrived), in org-tree order."""
    open_orders = Count("team_work_orders", filter=Q(team_work_orders__state__in=OPEN_STATES))
    return teams_in_scope(user).select_related("parent").annotate(open_orders=open_orders)
