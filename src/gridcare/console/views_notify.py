"""Console pages for notifications: the delivery log with search, and the template editor
with a preview (publishing adds a version; nothing is edited in place)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_int, parse_text
from gridcare.core.roles import PUBLISH_TEMPLATES, VIEW_NOTIFICATIONS
from gridcare.core.web import staff_required
from gridcare.customers.choices import ConsentPurpose, ContactChannel
from gridcare.notify import rendering
from gridcare.notify import selectors as notify_selectors
from gridcare.notify.choices import NotificationStatus
from gridcare.notify.services import template_publish


@staff_required(VIEW_NOTIFICATIONS)
def notifications_view(request: HttpRequest) -> HttpResponse:
    """通知记录: search by mobile, 户号, key or batch; filter by status and channel."""
    assert isinstance(request.user, User)
    q = parse_text(request.GET.get("q"), field="q", max_length=128)
    status = parse_choice(
        request.GET.get("status"), field="status", choices=NotificationStatus, default=""
    )
    channel = parse_choice(
        request.GET.get("channel"), field="channel", choices=ContactChannel, default=""
    )
    found = notify_selectors.notifications_search(
        user=request.user, q=q, status=status, channel=channel
    )
    number = parse_int(request.GET.get("page"), field="page", default=1, minimum=1)
    page = Paginator(found, 50).get_page(number)
    context = {
        "page": page,
        "q": q,
        "status": status,
        "channel": channel,
        "statuses": NotificationStatus.choices,
        "channels": ContactChannel.choices,
    }
    return render(request, "console/notifications.html", context)


@staff_required(PUBLISH_TEMPLATES)
def templates_view(request: HttpRequest) -> HttpResponse:
    """通知模板: the current version of each; publish a new one with a preview."""
    assert isinstance(request.user, User)
    context: dict[str, object] = {
        "templates": notify_selectors.templates_current(),
        "channels": ContactChannel.choices,
        "purposes": ConsentPurpose.choices,
        "form": request.POST or {},
    }
    if request.method == "POST":
        data = request.POST
        try:
            context["variables"] = _variables(data.get("subject", ""), data.get("body", ""), data)
            if data.get("action") == "preview":
                context["preview"] = _preview(data.get("subject", ""), data.get("body", ""), data)
            else:
                template = template_publish(
                    actor=request.user,
                    code=data.get("code", "").strip(),
                    channel=data.get("channel", ""),
                    purpose=data.get("purpose", ""),
                    subject=data.get("subject", ""),
                    body=data.get("body", ""),
                    urgent=data.get("urgent") == "on",
                )
                return redirect(f"{reverse('console:templates')}?published={template.pk}")
        except DomainError as error:
            context["error"] = error
        status = 400 if "error" in context else 200
        return render(request, "console/templates.html", context, status=status)
    context["published"] = parse_int(request.GET.get("published"), field="published")
    return render(request, "console/templates.html", context)


def _variables(subject: str, body: str, data: QueryDict) -> list[tuple[str, str]]:
    """(name, sample value) of every placeholder, for the preview's inputs `var_<name>`."""
    names = dict.fromkeys(rendering.placeholders(subject) + rendering.placeholders(body))
    return [(name, data.get(f"var_{name}", "")) for name in names]


def _preview(subject: str, body: str, data: QueryDict) -> dict[str, str]:
    """The text as a customer would get it (MissingVariable names an empty sample)."""
    values = {name: value or None for name, value in _variables(subject, body, data)}
    return {"subject": rendering.render(subject, values), "body": rendering.render(body, values)}
