"""Service-monitoring dashboards (ECharts) with drill-down from county to orders.

`/console/monitoring/` is the overview; `/console/monitoring/<board>/` one of BOARDS.
Every board reads `?from=&to=` (default: the last 30 days ending yesterday) and `?org=`
(an org unit's code within the reader's scope; default: the scope's root). Bad dates are
a 400 with a code, an org unit outside the scope a 404 (both raised by the selectors and
answered by `core.middleware.DomainErrorPages`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridcare.console import monitoring_charts as charts
from gridcare.console.views_reliability import reliability_charts
from gridcare.core.models import User
from gridcare.core.params import parse_date, parse_text
from gridcare.core.roles import VIEW_DASHBOARDS
from gridcare.core.web import page_not_found, staff_required
from gridcare.monitoring.selectors import board_sections as sections
from gridcare.monitoring.selectors.boards import Scope, board_period, board_unit, breadcrumb
from gridcare.monitoring.selectors.facts import facts_built_until
from gridcare.service.choices import OrderType

#: The boards by URL name, with their tab titles (the overview is "").
TITLES = {
    "": gettext_lazy("Overview"),
    "complaints": gettext_lazy("Complaints"),
    "sla": gettext_lazy("Commitments (SLA)"),
    "satisfaction": gettext_lazy("Satisfaction"),
    "channels": gettext_lazy("Channels"),
    "reliability": gettext_lazy("Supply reliability"),
}


def _scope(request: HttpRequest, user: User) -> Scope:
    get = request.GET
    period = board_period(
        start=parse_date(get.get("from"), field="from"),
        end=parse_date(get.get("to"), field="to"),
        today=timezone.localdate(),
    )
    code = parse_text(get.get("org"), field="org", max_length=32)
    return Scope(unit=board_unit(user=user, code=code), period=period)


def _overview(scope: Scope, links: charts.Links, user: User) -> dict[str, Any]:
    board = sections.overview_board(scope)
    days = [day.strftime("%m-%d") for day in board.days]
    series = [
        {
            "name": charts.channel_label(channel),
            "values": [per_day.get(day, 0) for day in board.days],
        }
        for channel, per_day in sorted(board.contacts_by_channel.items())
    ]
    return {
        "headlines": board.headlines,
        "contacts_chart": {"x": days, "series": series, "type": "bar", "stack": True, "unit": ""},
        "units_chart": charts.units_chart(board.units, "sla_compliance", links),
        "unit_codes": sections.OVERVIEW_UNIT_CODES,
        "unit_rows": charts.unit_table(board.units, sections.OVERVIEW_UNIT_CODES, links),
    }


def _complaints(scope: Scope, links: charts.Links, user: User) -> dict[str, Any]:
    board = sections.complaints_board(scope)
    codes = ("complaints", "complaints_per_10k")
    complaint = {"type": OrderType.COMPLAINT}
    return {
        "order_filters": complaint,
        "board": board,
        "structure": [
            (top, links.orders_url(scope.unit, **complaint, category=top.code) if top.code else "")
            for top in board.structure
        ],
        "structure_chart": charts.structure_chart(board.structure, links),
        "monthly_chart": charts.monthly_chart(board.monthly, _("Complaints"), percent=False),
        "units_chart": charts.units_chart(board.units, "complaints_per_10k", links),
        "unit_codes": codes,
        "unit_rows": charts.unit_table(board.units, codes, links, **complaint),
    }


def _sla(scope: Scope, links: charts.Links, user: User) -> dict[str, Any]:
    board = sections.sla_board(scope)
    repair = {
        "x": [charts.area_label(r.area_class) for r in board.repair],
        "series": [
            {
                "name": _("Arrival (min)"),
                "values": [charts.number(r.arrival) for r in board.repair],
            },
            {"name": _("Arrival commitment"), "values": [r.arrival_limit for r in board.repair]},
            {
                "name": _("Restoration (min)"),
                "values": [charts.number(r.restoration) for r in board.repair],
            },
            {
                "name": _("Restoration commitment"),
                "values": [r.restoration_limit for r in board.repair],
            },
        ],
        "type": "bar",
        "stack": False,
        "unit": "min",
    }
    pairs = [
        (f"{charts.clock_label(c)} · {charts.order_type_label(t)}", v)
        for c, t, v in board.by_commitment
    ]
    return {
        "board": board,
        "commitments": [
            (charts.clock_label(c), charts.order_type_label(t), v)
            for c, t, v in board.by_commitment
        ],
        "commitment_chart": charts.bars(pairs, _("SLA compliance"), percent=True),
        "repair_chart": repair,
        "repair_rows": [(charts.area_label(r.area_class), r) for r in board.repair],
        "monthly_chart": charts.monthly_chart(board.monthly, _("SLA compliance"), percent=True),
        "units_chart": charts.units_chart(board.units, "sla_compliance", links),
        "unit_codes": ("sla_compliance",),
        "unit_rows": charts.unit_table(board.units, ("sla_compliance",), links),
    }


def _satisfaction(scope: Scope, links: charts.Links, user: User) -> dict[str, Any]:
    board = sections.satisfaction_board(scope)
    by_channel = [(charts.channel_label(c), v) for c, v in board.by_channel]
    codes = ("csat", "csat_score")
    return {
        "board": board,
        "by_channel": by_channel,
        "channel_chart": charts.bars(by_channel, _("Satisfaction (CSAT)"), percent=True),
        "agent_tables": [
            (_("Highest"), board.top, "agents-top"),
            (_("Lowest"), board.bottom, "agents-bottom"),
        ],
        "units_chart": charts.units_chart(board.units, "csat", links),
        "unit_codes": codes,
        "unit_rows": charts.unit_table(board.units, codes, links),
    }


def _channels(scope: Scope, links: charts.Links, user: User) -> dict[str, Any]:
    board = sections.channels_board(scope)
    channels = sorted({c for c, _k in board.contacts})
    directions = sorted({k for _c, k in board.contacts})
    contacts_chart = {
        "x": [charts.channel_label(c) for c in channels],
        "series": [
            {
                "name": charts.direction_label(k),
                "values": [board.contacts.get((c, k), 0) for c in channels],
            }
            for k in directions
        ],
        "type": "bar",
        "stack": True,
        "unit": "",
    }
    paid = [(charts.channel_label(c), float(v.n)) for c, v in board.payments]
    return {
        "board": board,
        "contacts_chart": contacts_chart,
        "online_chart": charts.pie([(_("Online"), board.online), (_("Offline"), board.offline)]),
        "online_share": board.online / (board.online + board.offline)
        if board.online + board.offline
        else None,
        "containment_chart": charts.bars(
            [(charts.channel_label(c), v) for c, v in board.containment_by_channel],
            _("Assistant containment"),
            percent=True,
        ),
        "handoff_chart": charts.pie(
            [(charts.handoff_label(k), float(v.n)) for k, v in board.handoffs]
        ),
        "delivery_chart": charts.bars(
            [(charts.channel_label(c), v) for c, v in board.delivery_by_channel],
            _("Notification delivery rate"),
            percent=True,
        ),
        "payment_chart": charts.pie(paid),
        "units_chart": charts.units_chart(board.units, "contacts", links),
        "unit_codes": ("contacts",),
        "unit_rows": charts.unit_table(board.units, ("contacts",), links),
    }


def _reliability(scope: Scope, links: charts.Links, user: User) -> dict[str, Any]:
    view = sections.reliability_board(user=user, scope=scope)
    codes = sections.station_codes([row.key for row in view.by_station])
    stations = [
        (row, links.board_url_for_code(codes[row.key]) if row.key in codes else "")
        for row in view.by_station
    ]
    return {
        "view": view,
        "total": view.total,
        "charts": reliability_charts(view),
        "stations": stations,
    }


BOARDS: dict[str, Callable[[Scope, charts.Links, User], dict[str, Any]]] = {
    "": _overview,
    "complaints": _complaints,
    "sla": _sla,
    "satisfaction": _satisfaction,
    "channels": _channels,
    "reliability": _reliability,
}


def _page(request: HttpRequest, board: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    scope = _scope(request, user)
    links = charts.Links(board=board, scope=scope)
    context: dict[str, Any] = {
        "board_name": board,
        "title": TITLES[board],
        "tabs": [
            (name, title, links.board_url(scope.unit, name)) for name, title in TITLES.items()
        ],
        "scope": scope,
        "crumbs": [(u, links.board_url(u)) for u in breadcrumb(user=user, unit=scope.unit)],
        "built_until": facts_built_until(),
        **BOARDS[board](scope, links, user),
    }
    context["units_kpi"] = context.get("units_chart", {}).get("code", "")
    # A team's drill-down is its orders (of the board's kind: complaints for complaints).
    context["team_orders_url"] = links.orders_url(scope.unit, **context.pop("order_filters", {}))
    template = f"console/monitoring/board_{board or 'overview'}.html"
    return render(request, template, context)


@staff_required(VIEW_DASHBOARDS)
def overview_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    """服务监控: the headline KPIs against the previous period, and the units below."""
    return _page(request, "")


@staff_required(VIEW_DASHBOARDS)
def board_view(request: HttpRequest, board: str) -> HttpResponse:
    """One dashboard by name; an unknown name is a 404."""
    if board not in BOARDS or not board:
        return page_not_found(request)
    return _page(request, board)
