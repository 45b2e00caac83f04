"""营业厅受理 (counter intake): a clerk finds the walk-in customer by 户号 or mobile and
files an order for them, with the visit's queue number and wait/service seconds for the
counter's timeline entry (customers.services.timeline CHANNEL_DATA)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gridcare.console.views_intake import draft_fields, intake_form_context
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import BadParameter, parse_int, parse_text
from gridcare.core.roles import ADD_ORDERS
from gridcare.core.web import staff_required
from gridcare.customers import selectors as customer_selectors
from gridcare.service.choices import Origin
from gridcare.service.services import OrderDraft, order_create

SEARCH_MAX_LENGTH = 100
#: One token per rendered form: the same form submitted twice is one order.
_TOKEN = re.compile(r"[0-9a-f]{32}")


@staff_required(ADD_ORDERS)
def counter_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    source = request.POST if request.method == "POST" else request.GET
    query = parse_text(source.get("q"), field="q", max_length=SEARCH_MAX_LENGTH)
    customer_id = parse_int(source.get("customer"), field="customer")
    error = None
    if request.method == "POST":
        try:
            order = _create(request, request.user, customer_id)
            messages.success(request, _("Order %(number)s created.") % {"number": order.number})
            return redirect("console:order", number=order.number)
        except DomainError as exc:
            error = exc
    view = None
    if customer_id is not None:
        try:
            view = customer_selectors.customer_360(user=request.user, customer_id=customer_id)
        except DomainError:
            view = None
    results = (
        list(customer_selectors.customer_search(user=request.user, query=query)[:20])
        if query and view is None
        else None
    )
    context = {
        "q": query,
        "results": results,
        "view": view,
        "error": error,
        "form": request.POST if error else {},
        "token": request.POST.get("token") if error else uuid.uuid4().hex,
        "intake_accounts": view.accounts if view else [],
        **intake_form_context(title=request.POST.get("title", "") if error else ""),
    }
    status = error.status if error else 200
    return render(request, "console/orders/counter.html", context, status=status)


def _create(request: HttpRequest, user: User, customer_id: int | None) -> Any:
    post = request.POST
    token = post.get("token", "")
    if customer_id is None:
        raise DomainError("console.counter.customer_required", "请先查找并选择客户", field="q")
    if not _TOKEN.fullmatch(token):
        raise BadParameter("console.counter.bad_token", "表单已失效，请刷新后重试", field="token")
    data = {
        "queue_number": parse_text(post.get("queue_number"), field="queue_number", max_length=20),
        "wait_seconds": parse_int(post.get("wait_seconds"), field="wait_seconds"),
        "service_seconds": parse_int(post.get("service_seconds"), field="service_seconds"),
    }
    return order_create(
        actor=user,
        draft=OrderDraft(
            **draft_fields(post),
            origin=Origin.BUSINESS_HALL,
            customer_id=customer_id,
            contact_data=data,
            source_ref=f"counter:{token}",
        ),
    )
