"""供电可靠性 in the console: SAIFI, SAIDI, CAIDI, ASAI / RS-1 / RS-3 of the user's scope
(or one feeder / supply station) for a period, planned vs unplanned, with and without major
event days, by month (charts) and by feeder and station (tables)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_date, parse_text
from gridcare.core.roles import VIEW_OUTAGES
from gridcare.core.web import staff_required
from gridcare.outages.selectors.reliability import (
    ReliabilityView,
    reliability_choices,
    reliability_selection,
    reliability_view,
)


def _default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve whole months up to yesterday."""
    end = today - dt.timedelta(days=1)
    start = (end.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    return start, end


def reliability_charts(view: ReliabilityView) -> dict[str, Any]:
    """The series `console/reliability-charts.js` draws: per month SAIDI split planned /
    unplanned with SAIFI, and the daily SAIDI against the major-event threshold."""
    months = view.by_month
    daily = view.total.daily_saidi
    return {
        "months": [row.label for row in months],
        "planned": [round(row.report.planned.saidi_minutes, 2) for row in months],
        "unplanned": [round(row.report.unplanned.saidi_minutes, 2) for row in months],
        "saifi": [round(row.report.all.saifi, 4) for row in months],
        "days": [day.isoformat() for day in daily],
        "daily": [round(v, 3) for v in daily.values()],
        "t_med": view.total.major_events.threshold_minutes,
        "labels": {
            "planned": _("Planned SAIDI (min)"),
            "unplanned": _("Unplanned SAIDI (min)"),
            "saifi": _("SAIFI (times)"),
            "daily": _("Daily SAIDI (min)"),
            "t_med": _("Major event threshold T_MED"),
        },
    }


@staff_required(VIEW_OUTAGES)
def reliability_view_page(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    default_start, default_end = _default_period(timezone.localdate())
    start = parse_date(request.GET.get("from"), field="from", default=default_start)
    end = parse_date(request.GET.get("to"), field="to", default=default_end)
    assert start is not None, "has a default"
    assert end is not None, "has a default"
    feeder = parse_text(request.GET.get("feeder"), field="feeder", max_length=32)
    station = parse_text(request.GET.get("station"), field="station", max_length=32)
    context: dict[str, Any] = {
        "start": start,
        "end": end,
        "feeder": feeder,
        "station": station,
    }
    context["feeders"], context["stations"] = reliability_choices(user=request.user)
    status = 200
    try:
        selection = reliability_selection(
            user=request.user,
            start_day=start,
            end_day=end,
            feeder_code=feeder,
            station_code=station,
        )
        view = reliability_view(selection)
        context.update(
            total=view.total,
            charts=reliability_charts(view),
            breakdowns=[
                (_("By feeder"), view.by_feeder, "by-feeder"),
                (_("By supply station"), view.by_station, "by-station"),
                (_("By month"), view.by_month, "by-month"),
            ],
        )
    except DomainError as exc:
        context["error"] = exc.message
        status = exc.status
    return render(request, "console/outages/reliability.html", context, status=status)
