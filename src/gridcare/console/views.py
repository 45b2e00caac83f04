"""Staff console pages: login, global search, customer 360. Thin over selectors/services."""

from __future__ import annotations

from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gridcare.console.views_intake import intake_form_context
from gridcare.contact import selectors as contact_selectors
from gridcare.core.choices import Role
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_int, parse_text
from gridcare.core.roles import (
    ADD_INTERACTION,
    ADD_ORDERS,
    REVEAL_PII,
    VIEW_CUSTOMER,
    VIEW_GRID,
    VIEW_OUTAGES,
)
from gridcare.core.selectors import org_unit_path
from gridcare.core.services import pii_reveal, user_roles
from gridcare.core.web import login_page, page_not_found, staff_required
from gridcare.customers import selectors
from gridcare.metering import selectors as metering_selectors
from gridcare.outages.selectors import board as outage_board
from gridcare.outages.selectors import live as outage_live

#: Longer than any 户号, mobile, ID number or name anyone searches for.
SEARCH_MAX_LENGTH = 100


def login_view(request: HttpRequest) -> HttpResponse:
    return login_page(
        request,
        template="console/login.html",
        customer=False,
        success_url=reverse("console:dashboard"),
    )


def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
    return redirect("console:login")


@staff_required()
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """工作台: what this role can do today — search, waiting conversations, the area's
    台区 load alerts and account numbers — and nothing that is not built yet."""
    user = request.user
    assert isinstance(user, User)
    context = {
        "roles": [Role(name).label for name in user_roles(user) if name in Role.values],
        "can_search": user.has_perm(VIEW_CUSTOMER),
        "summary": selectors.scope_summary(user=user),
        "unit_path": org_unit_path(user.org_unit) if user.org_unit else [],
        "waiting": (
            contact_selectors.conversations_waiting_count(user=user)
            if user.has_perm(ADD_INTERACTION)
            else None
        ),
        "alerts": (
            metering_selectors.transformer_load_alerts(user=user)
            if user.has_perm(VIEW_GRID)
            else None
        ),
        "outages": (
            outage_board.outage_board_summary(user=user) if user.has_perm(VIEW_OUTAGES) else None
        ),
    }
    return render(request, "console/dashboard.html", context)


@staff_required(VIEW_CUSTOMER)
def search_view(request: HttpRequest) -> HttpResponse:
    """Global search by 户号 / mobile / ID number / name; results masked. htmx gets the table."""
    assert isinstance(request.user, User)
    query = parse_text(request.GET.get("q"), field="q", max_length=SEARCH_MAX_LENGTH)
    number = parse_int(request.GET.get("page"), field="page", default=1, minimum=1)
    results = selectors.customer_search(user=request.user, query=query) if query else None
    page = Paginator(results, 20).get_page(number) if results is not None else None
    context = {"q": query, "page": page}
    is_htmx = bool(getattr(request, "htmx", False))
    template = "console/partials/search_results.html" if is_htmx else "console/search.html"
    return render(request, template, context)


@staff_required(VIEW_CUSTOMER)
def customer_360_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        view = selectors.customer_360(user=request.user, customer_id=customer_id)
    except DomainError:
        return page_not_found(request)
    context = {
        "view": view,
        "consents": selectors.consent_labelled(view.consents),
        "can_reveal": request.user.has_perm(REVEAL_PII),
        **_timeline_context(request.user, customer_id, ""),
        # The hotline call → order form (views_intake.call_order_view).
        "can_file_orders": request.user.has_perm(ADD_ORDERS),
        "intake_accounts": view.accounts,
        **intake_form_context(),
        "outage_banners": _outage_banners(view.accounts),
    }
    return render(request, "console/customer_360.html", context)


def _outage_banners(accounts: list[selectors.AccountView]) -> list[tuple[str, object]]:
    """(户号, banner) for each of the customer's accounts off in an active outage now, so
    the agent knows before the customer says it (issue 26 §4)."""
    by_id = {item.account.pk: item.account.number for item in accounts}
    found = outage_live.outages_active_for_accounts(account_ids=list(by_id))
    return [(by_id[account_id], banner) for account_id, banner in found.items()]


#: Timeline filter buttons: (value, label, channels).
TIMELINE_FILTERS = (
    ("", _("All"), ()),
    ("online", _("Online"), ("web_chat", "wechat", "alipay", "app", "portal", "chatbot")),
    ("offline", _("Hotline & counter"), ("hotline", "counter")),
    ("notices", _("Notices sent"), ("sms", "email", "wechat", "portal", "app")),
)


def _timeline_context(user: User, customer_id: int, chosen: str) -> dict[str, object]:
    channels = next((c for value, _label, c in TIMELINE_FILTERS if value == chosen), ())
    direction = "outbound" if chosen == "notices" else ""
    interactions = selectors.customer_timeline(
        user=user, customer_id=customer_id, channels=channels, direction=direction
    )
    return {
        "timeline": interactions[:50],
        "timeline_filters": [(value, label) for value, label, _c in TIMELINE_FILTERS],
        "timeline_chosen": chosen,
        "customer_id": customer_id,
    }


@staff_required(VIEW_CUSTOMER)
def timeline_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """htmx GET: the timeline card, filtered (`?show=online|offline|notices`)."""
    assert isinstance(request.user, User)
    chosen = parse_choice(
        request.GET.get("show"),
        field="show",
        choices=[value for value, _label, _c in TIMELINE_FILTERS],
        default="",
    )
    try:
        context = _timeline_context(request.user, customer_id, chosen)
    except DomainError:
        return page_not_found(request)
    return render(request, "console/partials/timeline.html", context)


@staff_required(REVEAL_PII)
def reveal_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """htmx POST: swap one masked value for the real one, leaving an audit entry."""
    assert isinstance(request.user, User)
    if request.method != "POST":
        return HttpResponse(status=400)
    try:
        customer = selectors.customer_get_for_user(user=request.user, customer_id=customer_id)
    except DomainError:
        return page_not_found(request)
    try:
        value = pii_reveal(
            actor=request.user,
            obj=customer,
            field=request.POST.get("field", ""),
            ip=request.META.get("REMOTE_ADDR"),
        )
    except DomainError as exc:
        return HttpResponse(status=exc.status)
    return render(request, "console/partials/revealed.html", {"value": value})
