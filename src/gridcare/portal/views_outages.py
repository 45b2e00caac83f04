"""停电信息: the outage search (by address, 户号 or 台区; open to everyone, like the public
notice board it replaces), one outage's public page, and "my outages" of the bound
accounts. Thin over outages.selectors.search; a refused query is shown beside the box
with its status (400, or 401 for a 户号 before logging in)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_text
from gridcare.core.web import customer_required, page_not_found
from gridcare.outages.selectors import search

SEARCH_BY = tuple(choice.value for choice in search.SearchBy)
#: The radio buttons under the search box, in SearchBy order.
SEARCH_BY_LABELS = (
    ("auto", _("Any")),
    ("address", _("Address")),
    ("account", _("Account number")),
    ("area", _("Transformer area")),
)


def _user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def outage_search_view(request: HttpRequest) -> HttpResponse:
    """The search box and, before anything is typed, every open outage."""
    query = parse_text(request.GET.get("q"), field="q", max_length=search.QUERY_MAX_LENGTH)
    by = parse_choice(request.GET.get("by"), field="by", choices=SEARCH_BY, default="auto")
    context: dict[str, object] = {
        "q": query,
        "by": by,
        "error": None,
        "search_by_choices": SEARCH_BY_LABELS,
    }
    status = 200
    if query:
        try:
            result = search.outage_search(query=query, by=search.SearchBy(by), user=_user(request))
            context.update(outages=result.outages, read_as=str(result.by))
        except DomainError as exc:
            context.update(outages=[], error=exc)
            status = exc.status
    else:
        context.update(outages=search.outages_public_open(), read_as="")
    is_htmx = bool(getattr(request, "htmx", False))
    template = "portal/outages/_results.html" if is_htmx else "portal/outages/search.html"
    return render(request, template, context, status=status)


def outage_view(request: HttpRequest, number: str) -> HttpResponse:
    """One outage's public page (the link in an outage message)."""
    try:
        outage = search.outage_public_get(number=number)
    except DomainError:
        return page_not_found(request)
    return render(request, "portal/outages/detail.html", {"outage": outage})


@customer_required
def my_outages_view(request: HttpRequest) -> HttpResponse:
    """我的停电: the bound accounts' current, coming and past outages, each with its own
    restoration time."""
    assert isinstance(request.user, User)
    groups = search.my_outages_grouped(user=request.user)
    context = {
        "current": [group for group in groups if group.outage.is_open],
        "past": [group for group in groups if not group.outage.is_open],
    }
    return render(request, "portal/outages/mine.html", context)
