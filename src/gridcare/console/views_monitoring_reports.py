"""Monthly service reports: list and download (PDF, Excel), audited."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from gridcare.core.roles import EXPORT_REPORTS
from gridcare.core.web import staff_required


@staff_required(EXPORT_REPORTS)
def reports_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


@staff_required(EXPORT_REPORTS)
def report_download_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError
