"""The dashboards' charts and drill-down links: the monitoring selectors' codes and values
in the shapes `static/console/monitoring.js` draws, labelled in the reader's language.

Every per-unit chart and table links one level down: a bureau's row to the same board for
that station (`?org=<code>`), a station's to the team, and a team's to its orders in the
console's order list (`/console/orders/?unit=<team>&from=…&to=…`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gridcare.assistant.choices import HandoffReason
from gridcare.billing.choices import Provider
from gridcare.core.models import OrgUnit
from gridcare.customers.choices import InteractionChannel, InteractionDirection
from gridcare.monitoring.metrics import Kind, kpi
from gridcare.monitoring.selectors.board_sections import CategoryShare
from gridcare.monitoring.selectors.boards import Scope, UnitRow
from gridcare.monitoring.selectors.facts import Value
from gridcare.service.choices import AreaClass, ClockKind, OrderType, Origin

#: Channel codes of contacts, orders, notifications and payments, with their labels.
CHANNEL_LABELS: dict[str, Any] = {
    **dict(Provider.choices),
    **dict(Origin.choices),
    **dict(InteractionChannel.choices),
    "": _("(none)"),
}


def channel_label(code: str) -> str:
    return str(CHANNEL_LABELS.get(code, code))


def handoff_label(code: str) -> str:
    return str(dict(HandoffReason.choices).get(code, code or "—"))


def clock_label(code: str) -> str:
    return str(dict(ClockKind.choices).get(code, code))


def order_type_label(code: str) -> str:
    return str(dict(OrderType.choices).get(code, code or "—"))


def area_label(code: str) -> str:
    return str(dict(AreaClass.choices).get(code, code))


def direction_label(code: str) -> str:
    return str(dict(InteractionDirection.choices).get(code, code or "—"))


def number(value: Value) -> float | None:
    """A value as a chart draws it: rounded, None for no data (a gap, never 0)."""
    return None if value.value is None else round(value.value, 2)


def category_name(category: CategoryShare) -> str:
    return category.name_en if (get_language() or "").startswith("en") else category.name_zh


# --- Links ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """Drill-down URLs of one board (`board` "" is the overview) over one scope."""

    board: str
    scope: Scope

    def _dates(self) -> dict[str, str]:
        return {
            "from": self.scope.period.start.isoformat(),
            "to": self.scope.period.end.isoformat(),
        }

    def board_url(self, unit: OrgUnit, board: str | None = None) -> str:
        return self.board_url_for_code(unit.code, board)

    def board_url_for_code(self, code: str, board: str | None = None) -> str:
        name = self.board if board is None else board
        path = (
            reverse("console:monitoring_board", args=[name])
            if name
            else reverse("console:monitoring")
        )
        return f"{path}?{urlencode({**self._dates(), 'org': code})}"

    def orders_url(self, unit: OrgUnit, **filters: str) -> str:
        query = {"unit": unit.code, **self._dates(), **{k: v for k, v in filters.items() if v}}
        return f"{reverse('console:orders')}?{urlencode(query)}"

    def drill_url(self, row: UnitRow) -> str:
        """One level down: the same board for that unit (a team's board links its orders)."""
        return self.board_url(row.unit)


# --- Charts -----------------------------------------------------------------------------


def units_chart(rows: list[UnitRow], code: str, links: Links, **filters: str) -> dict[str, Any]:
    """One KPI per child unit as bars, each bar linking one level down."""
    entry = kpi(code)
    return {
        "code": code,
        "name": str(entry.label),
        "unit": "%" if entry.kind is Kind.RATIO else "",
        "x": [row.unit.name for row in rows],
        "values": [number(row.values[code]) for row in rows],
        "links": [links.drill_url(row) for row in rows],
    }


def unit_table(
    rows: list[UnitRow], codes: tuple[str, ...], links: Links, **filters: str
) -> list[dict[str, Any]]:
    return [
        {
            "unit": row.unit,
            "values": [row.values[code] for code in codes],
            "url": links.drill_url(row),
            # A team's row also opens its orders directly.
            "orders_url": links.orders_url(row.unit, **filters) if row.is_team else "",
        }
        for row in rows
    ]


def bars(pairs: list[tuple[str, Value]], name: str, *, percent: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "unit": "%" if percent else "",
        "x": [label for label, _ in pairs],
        "values": [number(value) for _, value in pairs],
        "links": [None for _ in pairs],
    }


def pie(pairs: list[tuple[str, float]], links: list[str | None] | None = None) -> dict[str, Any]:
    return {
        "data": [
            {"name": label, "value": round(value, 2), "link": (links or [None] * len(pairs))[i]}
            for i, (label, value) in enumerate(pairs)
        ]
    }


def monthly_chart(pairs: list[tuple[object, Value]], name: str, *, percent: bool) -> dict[str, Any]:
    return {
        "x": [month.strftime("%Y-%m") for month, _ in pairs],  # type: ignore[attr-defined]
        "series": [{"name": name, "values": [number(v) for _, v in pairs]}],
        "type": "line",
        "unit": "%" if percent else "",
    }


def structure_chart(structure: list[CategoryShare], links: Links) -> dict[str, Any]:
    """The complaint structure as a sunburst: top categories inside, sub-categories
    outside; each slice links to the complaints of that category in the board's unit."""

    def node(category: CategoryShare) -> dict[str, Any]:
        link = (
            links.orders_url(links.scope.unit, type=OrderType.COMPLAINT, category=category.code)
            if category.code
            else None
        )
        found: dict[str, Any] = {"name": category_name(category), "value": category.n, "link": link}
        if category.children:
            found["children"] = [node(child) for child in category.children]
        return found

    return {"data": [node(top) for top in structure]}
