"""Dispatch suggestions (issue 24 §6): which team (班组) should take an order.

The candidates are the teams in the order's org-unit subtree — the only teams `dispatch`
accepts (lifecycle `_team`). Ranked:

1. teams whose service area (`ServiceArea`) covers the order's 台区 first;
2. then by open load: the team's orders in dispatched / taken / arrived (the work it holds);
3. then by org-unit path, so equal teams keep a stable order.

An order with no 台区 ranks its station's teams by load alone. One query, whatever the number
of teams: the load is an aggregate and the area a correlated EXISTS, never a query per team.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, OuterRef, Q, Value

from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import OrgUnit
from gridcare.service.choices import OrderState
from gridcare.service.models import ServiceArea, WorkOrder

#: The states in which an order occupies its team (accepted orders have no team yet).
LOAD_STATES = (OrderState.DISPATCHED, OrderState.TAKEN, OrderState.ARRIVED)


@dataclass(frozen=True)
class TeamSuggestion:
    team: OrgUnit
    #: The team serves the order's 台区 (ServiceArea).
    serves_area: bool
    open_orders: int


def team_suggestions(*, order: WorkOrder) -> list[TeamSuggestion]:
    """Teams that may take `order`, best first: those serving its 台区, least loaded first."""
    serves_area = (
        Exists(ServiceArea.objects.filter(team=OuterRef("pk"), transformer_id=order.transformer_id))
        if order.transformer_id is not None
        else Value(False, output_field=BooleanField())
    )
    teams = (
        OrgUnit.objects.filter(kind=OrgUnitKind.TEAM, path__startswith=order.org_unit.path)
        .annotate(
            serves_area=serves_area,
            open_orders=Count(
                "team_work_orders", filter=Q(team_work_orders__state__in=LOAD_STATES)
            ),
        )
        .order_by("-serves_area", "open_orders", "path")
    )
    return [
        TeamSuggestion(team=team, serves_area=team.serves_area, open_orders=team.open_orders)
        for team in teams
    ]
