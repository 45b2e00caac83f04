"""One step from a contact to an order: 转工单 from an inbox conversation, and a hotline
call recorded on the customer 360 becoming an order. Both go through `order_create` with
a `source_ref` naming the contact, so pressing twice gives one order."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_int, parse_text
from gridcare.core.roles import ADD_ORDERS
from gridcare.core.web import page_not_found, staff_required
from gridcare.customers import selectors as customer_selectors
from gridcare.service import console_selectors as orders
from gridcare.service.choices import OrderType, Origin
from gridcare.service.services import OrderDraft, order_create

#: The order type a new order form starts with.
DEFAULT_TYPE = OrderType.FAULT_REPAIR
#: Longest CTI recording reference kept (the source_ref column holds 128 with "call:").
RECORDING_REF_MAX = 100


def intake_form_context(*, order_type: str = DEFAULT_TYPE, title: str = "") -> dict[str, Any]:
    """What the shared order form (orders/partials/intake_fields.html) needs."""
    return {
        "intake_types": OrderType.choices,
        "intake_type": order_type,
        "intake_groups": orders.category_groups(order_type=order_type),
        "intake_title": title,
        "intake_title_max": orders.TITLE_MAX,
        "intake_description_max": orders.DESCRIPTION_MAX,
    }


def draft_fields(post: QueryDict) -> dict[str, Any]:
    """The order fields every intake form posts, parsed to their types."""
    return {
        "order_type": parse_choice(
            post.get("order_type"), field="order_type", choices=OrderType, default=DEFAULT_TYPE
        ),
        "category_code": parse_text(post.get("category"), field="category", max_length=64),
        "title": parse_text(post.get("title"), field="title", max_length=orders.TITLE_MAX),
        "description": parse_text(
            post.get("description"), field="description", max_length=orders.DESCRIPTION_MAX
        ),
        "account_number": parse_text(post.get("account"), field="account", max_length=20),
    }


@staff_required(ADD_ORDERS)
def categories_view(request: HttpRequest) -> HttpResponse:
    """htmx: the category options of the chosen order type."""
    order_type = parse_choice(
        request.GET.get("order_type"), field="order_type", choices=OrderType, default=DEFAULT_TYPE
    )
    context = intake_form_context(order_type=order_type)
    return render(request, "console/orders/partials/category_options.html", context)


@staff_required(ADD_ORDERS)
def conversation_order_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """POST 转工单: the conversation's customer, origin by its channel, its timeline entry
    linked; the conversation's id as source_ref."""
    assert isinstance(request.user, User)
    if request.method != "POST":
        return redirect("console:conversation", conversation_id=conversation_id)
    try:
        intake = orders.conversation_intake(user=request.user, conversation_id=conversation_id)
    except DomainError:
        return page_not_found(request)
    try:
        order = order_create(
            actor=request.user,
            draft=OrderDraft(
                **draft_fields(request.POST),
                origin=intake.origin,
                customer_id=intake.customer_id,
                interaction_id=intake.interaction_id,
                source_ref=intake.source_ref,
            ),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("console:conversation", conversation_id=conversation_id)
    messages.success(request, _("Order %(number)s created.") % {"number": order.number})
    return redirect("console:order", number=order.number)


@staff_required(ADD_ORDERS)
def call_order_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """POST from the customer 360: a 95598 call (recording reference and duration required)
    becomes an order; the call lands on the timeline with the order linked."""
    assert isinstance(request.user, User)
    if request.method != "POST":
        return redirect("console:customer", customer_id=customer_id)
    try:
        customer_selectors.customer_get_for_user(user=request.user, customer_id=customer_id)
    except DomainError:
        return page_not_found(request)
    post = request.POST
    try:
        recording = parse_text(
            post.get("recording_ref"), field="recording_ref", max_length=RECORDING_REF_MAX
        )
        duration = parse_int(post.get("duration_seconds"), field="duration_seconds")
        if not recording or duration is None:
            raise DomainError(
                "console.call.data_required",
                "请填写录音编号和通话时长（秒）",
                field="recording_ref",
            )
        order = order_create(
            actor=request.user,
            draft=OrderDraft(
                **draft_fields(post),
                origin=Origin.HOTLINE,
                customer_id=customer_id,
                contact_data={"recording_ref": recording, "duration_seconds": duration},
                source_ref=f"call:{recording}",
            ),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("console:customer", customer_id=customer_id)
    messages.success(request, _("Order %(number)s created.") % {"number": order.number})
    return redirect("console:order", number=order.number)
