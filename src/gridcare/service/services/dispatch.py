"""Dispatch suggestions (placeholder until it lands): which team should take an order."""

from __future__ import annotations

from dataclasses import dataclass

from gridcare.core.models import OrgUnit
from gridcare.service.models import WorkOrder


@dataclass(frozen=True)
class TeamSuggestion:
    team: OrgUnit
    #: The team serves the order's 台区 (ServiceArea).
    serves_area: bool
    open_orders: int


def team_suggestions(*, order: WorkOrder) -> list[TeamSuggestion]:
    """Teams that may take `order`, best first: those serving its 台区, least loaded first."""
    return []
