"""Service-monitoring dashboards (ECharts) with drill-down from county to orders."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from gridcare.core.roles import VIEW_DASHBOARDS
from gridcare.core.web import staff_required


@staff_required(VIEW_DASHBOARDS)
def overview_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


@staff_required(VIEW_DASHBOARDS)
def board_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError
