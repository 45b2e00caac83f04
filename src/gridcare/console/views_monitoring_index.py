"""The service-quality index (weights, versions, ranks) and agent/team scorecards."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from gridcare.core.roles import VIEW_DASHBOARDS
from gridcare.core.web import staff_required


@staff_required(VIEW_DASHBOARDS)
def index_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


@staff_required(VIEW_DASHBOARDS)
def weights_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


@staff_required(VIEW_DASHBOARDS)
def scorecards_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError
