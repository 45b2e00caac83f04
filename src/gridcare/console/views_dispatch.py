"""派单台 (dispatcher board): accepted orders waiting for a team, the suggested team and
every team's open load; one click dispatches (thin over service.console_selectors and
order_act, through the order page's action handler)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from gridcare.console.views_orders import action_error, order_action_post
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_text
from gridcare.core.roles import DISPATCH_ORDERS
from gridcare.core.web import staff_required
from gridcare.service import console_selectors as orders


@staff_required(DISPATCH_ORDERS)
def dispatch_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    error = None
    if request.method == "POST":
        number = parse_text(request.POST.get("number"), field="number", max_length=20)
        try:
            messages.success(request, order_action_post(request, request.user, number))
            return redirect("console:dispatch")
        except DomainError as exc:
            error = action_error(exc)
            error["number"] = number
    context = {
        "rows": orders.dispatch_board(user=request.user, now=timezone.now()),
        "loads": orders.team_loads(user=request.user),
        "error": error,
    }
    status = int(str(error["status"])) if error else 200
    return render(request, "console/orders/dispatch.html", context, status=status)
