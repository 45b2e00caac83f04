"""Alert rules (data) and the windows they fired in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from gridcare.core.roles import VIEW_DASHBOARDS
from gridcare.core.web import staff_required


@staff_required(VIEW_DASHBOARDS)
def alerts_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


@staff_required(VIEW_DASHBOARDS)
def alert_rule_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError
