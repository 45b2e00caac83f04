"""Agent and team scorecards for a period and scope.

An agent's row reads the metrics keyed by agent user id (orders handled, orders within
their commitments, CSAT and average rating of the orders they handled); a team's row is
the service-quality index of the team unit (selectors/index.py) with its parts. Staff are
shown by name (their work is what is assessed); no customer data appears here.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import OrgUnit, User
from gridcare.monitoring.selectors.facts import Period, Value, kpi_breakdown
from gridcare.monitoring.selectors.index import Ranked, index_for, ranked

AGENT_KPIS = ("agent_orders", "agent_sla", "csat", "csat_score")


@dataclass(frozen=True)
class AgentRow:
    user_id: int
    name: str
    org_unit: str
    orders: int
    sla: float | None
    csat: float | None
    ratings: int
    score: float | None


def agent_scorecard(*, unit: OrgUnit | None, period: Period) -> list[AgentRow]:
    """One row per agent with facts in the period under `unit`, most orders first."""
    per_key: dict[str, dict[str, Value]] = {}
    for code in AGENT_KPIS:
        for key, value in kpi_breakdown(code, unit=unit, period=period, by="key"):
            if str(key).isdigit():  # facts without an agent carry key ""
                per_key.setdefault(str(key), {})[code] = value
    users = User.objects.filter(pk__in=[int(k) for k in per_key]).select_related("org_unit")
    by_id = {str(u.pk): u for u in users}
    rows = []
    for key, values in per_key.items():
        user = by_id.get(key)
        if user is None:  # a deleted login's history still counts, under its id
            name, unit_name = f"#{key}", ""
        else:
            name, unit_name = str(user), str(user.org_unit or "")
        csat = values.get("csat")
        rows.append(
            AgentRow(
                user_id=int(key),
                name=name,
                org_unit=unit_name,
                orders=int(values["agent_orders"].value or 0) if "agent_orders" in values else 0,
                sla=values["agent_sla"].value if "agent_sla" in values else None,
                csat=csat.value if csat else None,
                ratings=csat.d if csat else 0,
                score=values["csat_score"].value if "csat_score" in values else None,
            )
        )
    rows.sort(key=lambda r: (-r.orders, r.name))
    return rows


def team_scorecard(*, unit: OrgUnit | None, period: Period) -> list[Ranked]:
    """The index of every team (班组) under `unit` (all teams when None), ranked."""
    teams = OrgUnit.objects.filter(kind=OrgUnitKind.TEAM)
    if unit is not None:
        teams = teams.filter(path__startswith=unit.path)
    return ranked([(team, index_for(team, period)) for team in teams.order_by("code")])
