"""我的提醒: the signed-in staff member's own notices (SLA warnings and escalations, low-rated
complaints), newest first; opening one marks it read (POST) and goes to its order. Thin
over notify.selectors.staff_notices_for and notify.services.staff_notice_mark_read."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_int
from gridcare.core.web import page_not_found, staff_required
from gridcare.notify.selectors import staff_notices_for
from gridcare.notify.services import staff_notice_mark_read

PAGE_SIZE = 50


@staff_required()
def notices_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    number = parse_int(request.GET.get("page"), field="page", default=1, minimum=1)
    page = Paginator(staff_notices_for(user=request.user), PAGE_SIZE).get_page(number)
    return render(request, "console/notices.html", {"page": page})


@staff_required()
@require_POST
def notice_read_view(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Mark one of the reader's notices read, then open its order (or back to the list)."""
    assert isinstance(request.user, User)
    try:
        staff_notice_mark_read(user=request.user, notice_id=notice_id)
    except DomainError:
        return page_not_found(request)
    return redirect(_console_path(request.POST.get("next", "")) or reverse("console:notices"))


def _console_path(target: str) -> str:
    """`target` when it is a page of the console (a notice's link), else ""."""
    ok = target.startswith("/console/") and "//" not in target and "\\" not in target
    return target if ok else ""
