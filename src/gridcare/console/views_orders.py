"""Console work orders (工单): the order inbox with filters and live SLA timers, and one
order beside its customer's 360 with the actions its reader may take (thin over
service.console_selectors and service.services.order_act)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.console.templatetags.console_orders import action_label
from gridcare.core.choices import OrgUnitKind
from gridcare.core.errors import ConcurrentChange, Conflict, DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_date, parse_int, parse_text
from gridcare.core.roles import VIEW_CUSTOMER, VIEW_ORDERS
from gridcare.core.web import page_not_found, staff_required
from gridcare.customers import selectors as customer_selectors
from gridcare.service import console_selectors as orders
from gridcare.service.application_selectors import attachment_get_for_user
from gridcare.service.choices import OrderState, OrderType, Origin, Priority
from gridcare.service.downloads import attachment_response
from gridcare.service.order_selectors import inbox_unit
from gridcare.service.selectors import order_get_for_user
from gridcare.service.services import order_act

PAGE_SIZE = 25
#: Long enough for any order number or a few words of a title.
QUERY_MAX_LENGTH = 100
#: How often the inbox asks for fresh SLA timers (seconds); see docs/architecture.md.
SLA_POLL_SECONDS = 30


def _states(state: str) -> tuple[str, ...]:
    return (state,) if state else ()


def _unit_filter(request: HttpRequest) -> dict[str, int]:
    """`?unit=` (an org unit's code or id, the dashboards' drill-down): a team narrows to
    the team's orders, a station or bureau to the orders answerable in its subtree."""
    assert isinstance(request.user, User)
    ref = parse_text(request.GET.get("unit"), field="unit", max_length=32)
    if not ref:
        return {}
    unit = inbox_unit(user=request.user, ref=ref)
    return {"team_id": unit.pk} if unit.kind == OrgUnitKind.TEAM else {"org_unit_id": unit.pk}


def _filters(request: HttpRequest) -> orders.OrderFilters:
    get = request.GET
    by_unit = _unit_filter(request)
    return orders.OrderFilters(
        states=_states(
            parse_choice(get.get("state"), field="state", choices=OrderState, default="")
        ),
        order_type=parse_choice(get.get("type"), field="type", choices=OrderType, default=""),
        origin=parse_choice(get.get("origin"), field="origin", choices=Origin, default=""),
        priority=parse_choice(get.get("priority"), field="priority", choices=Priority, default=""),
        team_id=by_unit.get("team_id") or parse_int(get.get("team"), field="team"),
        org_unit_id=by_unit.get("org_unit_id"),
        category=parse_text(get.get("category"), field="category", max_length=64),
        overdue=parse_choice(get.get("overdue"), field="overdue", choices=("0", "1"), default="")
        == "1",
        open_only=parse_choice(get.get("open"), field="open", choices=("0", "1"), default="")
        == "1",
        created_from=parse_date(get.get("from"), field="from"),
        created_to=parse_date(get.get("to"), field="to"),
        q=parse_text(get.get("q"), field="q", max_length=QUERY_MAX_LENGTH),
    )


@staff_required(VIEW_ORDERS)
def orders_view(request: HttpRequest) -> HttpResponse:
    """工单: every order in the reader's scope, filtered; htmx polling (`?rows=1`) gets the
    table body again so each row's SLA timer stays current."""
    assert isinstance(request.user, User)
    filters = _filters(request)
    number = parse_int(request.GET.get("page"), field="page", default=1, minimum=1)
    now = timezone.now()
    found = orders.order_inbox(user=request.user, filters=filters, now=now)
    page = Paginator(found, PAGE_SIZE).get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("rows", None)
    context = {
        "page": page,
        "rows": orders.order_rows(orders=list(page.object_list), now=now),
        "filters": filters,
        "query": query.urlencode(),
        "now": now,
        "poll_seconds": SLA_POLL_SECONDS,
        "states": OrderState.choices,
        "types": OrderType.choices,
        "origins": Origin.choices,
        "priorities": Priority.choices,
        "teams": orders.teams_of(user=request.user),
    }
    if request.GET.get("rows") == "1":
        return render(request, "console/orders/partials/order_rows.html", context)
    return render(request, "console/orders/inbox.html", context)


@staff_required(VIEW_ORDERS)
def order_view(request: HttpRequest, number: str) -> HttpResponse:
    """One order: fields, risk, event log with internal notes, attachments, the actions the
    reader may take, and the customer's 360 beside it. POST takes an action."""
    assert isinstance(request.user, User)
    # Out of scope or missing: NotFound, which DomainErrorPages answers with a 404.
    order = order_get_for_user(user=request.user, number=number)
    error: dict[str, object] | None = None
    if request.method == "POST":
        try:
            done = order_action_post(request, request.user, order.number)
            messages.success(request, done)
            return redirect(_next(request, reverse("console:order", args=[order.number])))
        except DomainError as exc:
            error = action_error(exc)
            order = order_get_for_user(user=request.user, number=number)
    now = timezone.now()
    context = {
        "detail": orders.order_detail(user=request.user, order=order, now=now),
        "view": _customer_360(request.user, order.customer_id),
        "error": error,
        "now": now,
        "description_max": orders.DESCRIPTION_MAX,
    }
    status = int(str(error["status"])) if error else 200
    return render(request, "console/orders/detail.html", context, status=status)


def order_action_post(request: HttpRequest, user: User, number: str) -> str:
    """Take the POSTed action on order `number`; the success message to show. Shared by
    the order page, the dispatcher board and the crew page."""
    post = request.POST
    action = parse_text(post.get("action"), field="action", max_length=32)
    note = parse_text(post.get("note"), field="note", max_length=orders.DESCRIPTION_MAX)
    data: dict[str, object] = {}
    if action == "resolve" and "confirm_shown" in post:
        data["customer_confirmed"] = post.get("customer_confirmed") == "on"
        signature = parse_text(post.get("signature"), field="signature", max_length=50)
        if signature:
            data["customer_signature"] = signature
    order = order_act(
        actor=user,
        number=number,
        action=action,
        note=note,
        team_id=parse_int(post.get("team"), field="team"),
        expected_version=parse_int(post.get("version"), field="version"),
        public=post.get("internal") != "on",
        data=data,
    )
    return _("Order %(number)s: %(state)s") % {
        "number": order.number,
        "state": order.get_state_display(),
    }


def action_error(exc: DomainError) -> dict[str, object]:
    """A refused action as the page shows it: the service's Chinese message, and for a
    refused transition the actions that are possible."""
    allowed = exc.data.get("allowed") if isinstance(exc, Conflict) else None
    return {
        "message": exc.message,
        "code": exc.code,
        "status": exc.status,
        "allowed": [action_label(a) for a in allowed or []],
        "race": isinstance(exc, ConcurrentChange),
    }


def _next(request: HttpRequest, default: str) -> str:
    """Back to the page the action came from (board, crew page) when it is one of ours."""
    target = request.POST.get("next", "")
    return target if target.startswith("/console/") and "//" not in target else default


def _customer_360(user: User, customer_id: int | None) -> object | None:
    """The customer's 360 for the side panel, when the reader may see customers."""
    if customer_id is None or not user.has_perm(VIEW_CUSTOMER):
        return None
    try:
        return customer_selectors.customer_360(user=user, customer_id=customer_id)
    except DomainError:
        return None


@staff_required(VIEW_ORDERS)
def order_sla_view(request: HttpRequest, number: str) -> HttpResponse:
    """htmx polling: the order's SLA timer badge, fresh."""
    assert isinstance(request.user, User)
    order = order_get_for_user(user=request.user, number=number)
    sla = orders.order_sla(order=order, now=timezone.now())
    return render(request, "console/orders/partials/sla.html", {"sla": sla})


@staff_required(VIEW_ORDERS)
def order_attachment_view(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    """An attachment of an order in the reader's scope, as a download (never inline); 404
    for anything outside it."""
    assert isinstance(request.user, User)
    try:
        attachment = attachment_get_for_user(
            user=request.user, number=number, attachment_id=attachment_id
        )
        # A streamed file: `staff_required` is typed for plain responses.
        return cast(HttpResponse, attachment_response(attachment))
    except DomainError:
        return page_not_found(request)
