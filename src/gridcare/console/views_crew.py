"""抢修 (crew phone page): my team's orders in the field, and one order with big take /
arrive / resolve buttons, a note, and the customer's confirmation on resolve. Built for
a 390 px phone; thin over service.console_selectors and order_act. Photos go through
service.services.uploads (checked by content, stored outside the web root)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridcare.console.views_orders import action_error, order_action_post
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.roles import WORK_ORDERS
from gridcare.core.web import staff_required
from gridcare.service import console_selectors as orders
from gridcare.service.application_selectors import attachments_for_user
from gridcare.service.choices import CLOSED_STATES, DocumentKind
from gridcare.service.selectors import order_get_for_user
from gridcare.service.services.uploads import attachment_add, files_atomic

#: What the crew page offers: the field steps, and sending an order back (退单).
CREW_ACTIONS = ("take", "arrive", "resolve", "send_back")
RESOLUTION_PHOTO = DocumentKind.RESOLUTION_PHOTO.value


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
    # Out of scope or missing: NotFound, which DomainErrorPages answers with a 404.
    order = order_get_for_user(user=request.user, number=number)
    error = None
    if request.method == "POST":
        try:
            messages.success(request, order_action_post(request, request.user, order.number))
            return redirect(reverse("console:crew_order", args=[order.number]))
        except DomainError as exc:
            error = action_error(exc)
    return _crew_order_page(request, number, error)


@staff_required(WORK_ORDERS)
@require_POST
def crew_photo_view(request: HttpRequest, number: str) -> HttpResponse:
    """上传照片: one repair photo, checked by content (service.services.uploads)."""
    assert isinstance(request.user, User)
    order = order_get_for_user(user=request.user, number=number)
    photo = request.FILES.get("photo")
    if photo is None:
        error = action_error(
            DomainError("service.upload.missing", _("Please choose a photo."), field="photo")
        )
        return _crew_order_page(request, number, error)
    try:
        with files_atomic():
            attachment_add(
                actor=request.user, number=order.number, kind=RESOLUTION_PHOTO, upload=photo
            )
    except DomainError as exc:
        return _crew_order_page(request, number, action_error(exc))
    messages.success(request, _("Photo uploaded."))
    return redirect(reverse("console:crew_order", args=[order.number]))


def _crew_order_page(
    request: HttpRequest, number: str, error: dict[str, object] | None
) -> HttpResponse:
    assert isinstance(request.user, User)
    order = order_get_for_user(user=request.user, number=number)
    actions = orders.order_actions_for(user=request.user, order=order)
    context = {
        "order": order,
        "actions": [a for a in CREW_ACTIONS if a in actions],
        "events": orders.order_events_latest(order=order),
        "attachments": attachments_for_user(user=request.user, number=order.number),
        "may_upload": order.state not in CLOSED_STATES,
        "error": error,
        "description_max": orders.DESCRIPTION_MAX,
    }
    status = int(str(error["status"])) if error else 200
    return render(request, "console/orders/crew_order.html", context, status=status)
