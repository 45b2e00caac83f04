"""The service-quality index (weights, versions, ranks) and agent/team scorecards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.core.errors import DomainError
from gridcare.core.models import OrgUnit, User
from gridcare.core.params import BadParameter, parse_date, parse_text
from gridcare.core.roles import VIEW_DASHBOARDS
from gridcare.core.web import staff_required
from gridcare.monitoring.metrics import BY_CODE, CATALOGUE, Kind
from gridcare.monitoring.selectors.boards import board_period, board_unit
from gridcare.monitoring.selectors.facts import Period
from gridcare.monitoring.selectors.index import (
    IndexScore,
    channel_label,
    index_by_channel,
    index_by_child,
    index_for,
    index_trend,
    index_version_in_force,
    index_versions,
    version_weights,
)
from gridcare.monitoring.selectors.index_scope import scope_units
from gridcare.monitoring.selectors.scorecards import agent_scorecard, team_scorecard
from gridcare.monitoring.services.index import index_version_create

ADD_VERSION = "monitoring.add_indexversion"
#: A longer range is a report's job (and a year of facts is what a page reads fast).
#: Decimals typed into the weights form: a few digits, never an essay.
NUMBER_MAX_LENGTH = 20


def monitoring_filters(request: HttpRequest) -> tuple[OrgUnit, Period]:
    """?org=CODE&from=&to= read as the dashboards read them (boards.board_period and
    board_unit): a unit in the user's scope (404 outside it) and a period (default: the 30
    days ending yesterday; reversed, in the future or over three years: 400)."""
    assert isinstance(request.user, User)
    period = board_period(
        start=parse_date(request.GET.get("from"), field="from"),
        end=parse_date(request.GET.get("to"), field="to"),
        today=timezone.localdate(),
    )
    code = parse_text(request.GET.get("org"), field="org", max_length=32)
    return board_unit(user=request.user, code=code), period


def _filters_context(request: HttpRequest, unit: OrgUnit, period: Period) -> dict[str, Any]:
    assert isinstance(request.user, User)
    return {
        "unit": unit,
        "period": period,
        "units": scope_units(request.user),
        "query": f"org={unit.code}&from={period.start:%Y-%m-%d}&to={period.end:%Y-%m-%d}",
    }


def _total(score: IndexScore) -> float | None:
    return None if score.total is None else round(score.total, 1)


def index_charts(
    trend: list[tuple[dt.date, IndexScore]], children: list[Any], channels: Any
) -> dict[str, Any]:
    """The series static/console/monitoring_index.js draws (the numbers the tables show)."""
    return {
        "months": [f"{month:%Y-%m}" for month, _ in trend],
        "totals": [_total(score) for _, score in trend],
        "versions": [score.version.number if score.version else None for _, score in trend],
        "children": [row.unit.name for row in children],
        "child_totals": [_total(row.score) for row in children],
        "groups": [str(label) for label in (_("Online"), _("Offline"))],
        "group_totals": [_total(score) for _, score in channels.groups],
        "labels": {"index": _("Service-quality index"), "version": _("Version")},
    }


@staff_required(VIEW_DASHBOARDS)
def index_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    unit, period = monitoring_filters(request)
    children = index_by_child(unit, period)
    channels = index_by_channel(unit, period)
    trend = index_trend(unit, period.end)
    context = _filters_context(request, unit, period) | {
        "score": index_for(unit, period),
        "children": children,
        "channels": channels,
        "channel_rows": [(code, channel_label(code), s) for code, s in channels.channels],
        "trend": trend,
        "charts": index_charts(trend, children, channels),
    }
    return render(request, "console/monitoring/index.html", context)


def _form_rows(version: Any, posted: Any = None) -> list[dict[str, Any]]:
    """One row per KPI that can be weighted (not a count), filled from the post or the
    version in force."""
    current = {w.kpi: w for w in version_weights(version)}
    rows = []
    for entry in CATALOGUE:
        if entry.kind is Kind.COUNT or entry.higher_is_better is None:
            continue
        weight = current.get(entry.code)
        row = {"kpi": entry, "weight": "", "target": "", "floor": ""}
        if posted is not None:
            row.update(
                {f: posted.get(f"{f}_{entry.code}", "") for f in ("weight", "target", "floor")}
            )
        elif weight is not None:
            row.update(weight=weight.weight.normalize(), target=weight.target.normalize(),
                       floor=weight.floor.normalize())  # fmt: skip
        rows.append(row)
    return rows


def _posted_weights(request: HttpRequest) -> list[tuple[str, str, str, str]]:
    """(kpi, weight, target, floor) of every row with a weight; the service checks them."""
    weights = []
    for entry in CATALOGUE:
        raw = {
            f: parse_text(request.POST.get(f"{f}_{entry.code}"), field=f"{f}_{entry.code}",
                          max_length=NUMBER_MAX_LENGTH)
            for f in ("weight", "target", "floor")
        }  # fmt: skip
        if raw["weight"]:
            weights.append((entry.code, raw["weight"], raw["target"], raw["floor"]))
    return weights


@staff_required(VIEW_DASHBOARDS)
def weights_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    assert isinstance(request.user, User)
    in_force = index_version_in_force(timezone.localdate())
    can_edit = request.user.has_perm(ADD_VERSION)
    context: dict[str, Any] = {
        "in_force": in_force,
        "in_force_rows": [
            (BY_CODE[w.kpi].label if w.kpi in BY_CODE else w.kpi, w)
            for w in version_weights(in_force)
        ],
        "versions": index_versions(),
        "can_edit": can_edit,
        "saved": request.GET.get("saved", ""),
    }
    status = 200
    if request.method == "POST":
        if not can_edit:
            return render(request, "errors/403.html", status=403)
        try:
            effective = parse_date(request.POST.get("effective_from"), field="effective_from")
            if effective is None:
                raise BadParameter(
                    "request.param.missing", "请填写生效日期", field="effective_from"
                )
            version = index_version_create(
                actor=request.user,
                effective_from=effective,
                weights=_posted_weights(request),
                note=parse_text(request.POST.get("note"), field="note", max_length=200),
            )
            return redirect(f"{reverse('console:monitoring_weights')}?saved={version.number}")
        except DomainError as exc:
            context.update(error=exc.message, error_code=exc.code, error_field=exc.field)
            context["effective_from"] = request.POST.get("effective_from", "")[:10]
            context["note"] = request.POST.get("note", "")[:200]
            status = exc.status
    context["rows"] = _form_rows(in_force, request.POST if status != 200 else None)
    context.setdefault("effective_from", f"{timezone.localdate():%Y-%m-%d}")
    return render(request, "console/monitoring/weights.html", context, status=status)


@staff_required(VIEW_DASHBOARDS)
def scorecards_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    unit, period = monitoring_filters(request)
    context = _filters_context(request, unit, period) | {
        "agents": agent_scorecard(unit=unit, period=period),
        "teams": team_scorecard(unit=unit, period=period),
    }
    return render(request, "console/monitoring/scorecards.html", context)
