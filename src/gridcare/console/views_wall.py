"""The duty wall (值班大屏), refreshed by htmx polling."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from gridcare.core.roles import VIEW_WALL
from gridcare.core.web import staff_required


@staff_required(VIEW_WALL)
def wall_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


@staff_required(VIEW_WALL)
def wall_live_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError
