"""Console pages for meter data: transformer loading ranking and one transformer's day."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridcare.console.charts import load_curve_chart
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_date, parse_int
from gridcare.core.web import page_not_found, staff_required
from gridcare.metering import selectors
from gridcare.metering.usage import transformer_load_curve

VIEW_GRID = "grid.view_meter"
EVENTS_SHOWN = 12
#: The ranking's filter (`?only=`): every transformer, heavy load or worse, overloaded.
RANKING_FILTERS = ("", "heavy", "overload")


def _requested_day(request: HttpRequest, default: dt.date) -> dt.date:
    """`?day=YYYY-MM-DD`; absent is `default`, unreadable or absurd is a 400 page."""
    day = parse_date(request.GET.get("day"), field="day", default=default)
    assert day is not None
    return day


def _percent(rate: float | None) -> float | None:
    return None if rate is None else 100 * rate


@staff_required(VIEW_GRID)
def transformers_view(request: HttpRequest) -> HttpResponse:
    """Ranked list of transformers by the day's load rate (heavy/overloaded first)."""
    assert isinstance(request.user, User)
    bounds = selectors.transformer_day_range()
    only = parse_choice(request.GET.get("only"), field="only", choices=RANKING_FILTERS, default="")
    context: dict[str, object] = {"day": None, "only": only}
    if bounds is not None:
        day = min(max(_requested_day(request, bounds[1]), bounds[0]), bounds[1])
        ranked = selectors.transformer_days_ranked(user=request.user, day=day, only=only)
        page = Paginator(ranked, 50).get_page(
            parse_int(request.GET.get("page"), field="page", default=1, minimum=1)
        )
        for row in page.object_list:
            row.load_percent = round(100 * row.load_rate)
            row.bar_percent = min(100, round(100 * row.load_rate / 1.2))
            row.completeness_percent = _percent(row.completeness)
            row.line_loss_percent = _percent(row.line_loss_rate)
        context.update(
            day=day,
            first_day=bounds[0],
            last_day=bounds[1],
            page=page,
            summary=selectors.transformer_loading_summary(user=request.user, day=day),
        )
    return render(request, "console/transformers.html", context)


@staff_required(VIEW_GRID)
def transformer_view(request: HttpRequest, code: str) -> HttpResponse:
    """One transformer: the day's 15-minute load curve, statistics and loading events."""
    assert isinstance(request.user, User)
    try:
        transformer = selectors.transformer_get_for_user(user=request.user, code=code)
    except DomainError:
        return page_not_found(request)
    bounds = selectors.transformer_day_range()
    day = _requested_day(request, bounds[1] if bounds else dt.date.today())
    stat = selectors.transformer_day_stat(transformer=transformer, day=day)
    context = {
        "transformer": transformer,
        "day": day,
        "stat": stat,
        "load_percent": round(100 * stat.load_rate) if stat else None,
        "completeness_percent": _percent(stat.completeness) if stat else None,
        "line_loss_percent": _percent(stat.line_loss_rate) if stat else None,
        "curve": load_curve_chart(transformer_load_curve(transformer=transformer, day=day)),
    }
    events = selectors.transformer_events_recent(
        transformer=transformer, since=day - dt.timedelta(days=35), shown=EVENTS_SHOWN
    )
    context["events"] = events.shown
    context["events_total"] = events.total
    return render(request, "console/transformer.html", context)
