"""Monthly service reports: list and download (PDF, Excel), audited.

The report covers the user's scope (their scope root, or one unit inside it with
`?org=CODE`; outside it is 404). A download is built for that scope, cached on disk by
the service while the facts are unchanged, and audited with the user and IP every time.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gridcare.core.models import OrgUnit, User
from gridcare.core.params import parse_choice, parse_text
from gridcare.core.roles import EXPORT_REPORTS
from gridcare.core.web import staff_required
from gridcare.monitoring.selectors.reports import (
    report_default_org,
    report_month_parse,
    report_months,
    report_org_choices,
    report_org_unit,
)
from gridcare.monitoring.services.report_model import report_file_stem
from gridcare.monitoring.services.reports import FORMATS, report_monthly_file

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _org(request: HttpRequest, user: User) -> OrgUnit | None:
    code = parse_text(request.GET.get("org"), field="org", max_length=32)
    if code:
        return report_org_unit(code=code, user=user)
    return report_default_org(user=user)


@staff_required(EXPORT_REPORTS)
def reports_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    assert isinstance(request.user, User)
    org = _org(request, request.user)
    months = report_months(today=timezone.localdate())
    context: dict[str, Any] = {
        "org": org,
        "org_code": org.code if org is not None else "",
        "orgs": report_org_choices(user=request.user),
        "months": months,
        "formats": FORMATS,
    }
    return render(request, "console/monitoring/reports.html", context)


@staff_required(EXPORT_REPORTS)
def report_download_view(request: HttpRequest, month: str, fmt: str) -> HttpResponse:
    assert isinstance(request.user, User)
    # The URL's `fmt` is never empty, so the default is never used.
    chosen = parse_choice(fmt, field="format", choices=FORMATS, default="pdf")
    first = report_month_parse(month, today=timezone.localdate())
    org = _org(request, request.user)
    path = report_monthly_file(
        month=first,
        org_unit=org,
        fmt=chosen,
        actor=request.user,
        ip=request.META.get("REMOTE_ADDR"),
    )
    name = f"{report_file_stem(first, org.code if org is not None else '')}.{chosen}"
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=CONTENT_TYPES[chosen],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)
