"""抢修 (crew phone page): my team's orders in the field, and one order with big take /
arrive / resolve buttons, a note, and the customer's confirmation on resolve. Built for
a 390 px phone; thin over service.console_selectors and order_act."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from gridcare.console.views_orders import action_error, order_action_post
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.roles import WORK_ORDERS
from gridcare.core.web import page_not_found, staff_required
from gridcare.service import console_selectors as orders
from gridcare.service.selectors import order_get_for_user

#: What the crew page offers: the field steps, and sending an order back (退单).
CREW_ACTIONS = ("take", "arrive", "resolve", "send_back")


@staff_required(WORK_ORDERS)
def crew_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    context = {
        "team": orders.crew_team(user=request.user),
        "orders": orders.crew_orders(user=request.user),
    }
    return render(request, "console/orders/crew.html", context)


@staff_required(WORK_ORDERS)
def crew_order_view(request: HttpRequest, number: str) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        order = order_get_for_user(user=request.user, number=number)
    except DomainError:
        return page_not_found(request)
    error = None
    if request.method == "POST":
        try:
            messages.success(request, order_action_post(request, request.user, order.number))
            return redirect(reverse("console:crew_order", args=[order.number]))
        except DomainError as exc:
            error = action_error(exc)
            order = order_get_for_user(user=request.user, number=number)
    actions = orders.order_actions_for(user=request.user, order=order)
    context = {
        "order": order,
        "actions": [a for a in CREW_ACTIONS if a in actions],
        "events": orders.order_events_latest(order=order),
        "error": error,
        "description_max": orders.DESCRIPTION_MAX,
    }
    status = int(str(error["status"])) if error else 200
    return render(request, "console/orders/crew_order.html", context, status=status)
