"""The customer's work-order pages: 报修 (report a fault), 投诉 (complain), 建议/意见/表扬
(suggest), 我的工单 (my orders), the progress timeline with cancel and rating, and the
rating page a return-visit message links to (no login: the link's token is the key).

Thin: forms parse, `service.services` decide, a `DomainError` is shown beside its field
with its status (400/404/409). Nothing is half-stored: every write is one service call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.web import customer_required, form_add_domain_error, page_not_found
from gridcare.customers.selectors import accounts_of_login
from gridcare.portal.forms_orders import CancelForm, OrderForm
from gridcare.service.choices import DocumentKind
from gridcare.service.order_selectors import order_allowed_actions
from gridcare.service.selectors import (
    categories_for,
    order_events,
    order_get_for_user,
    orders_visible_to,
)
from gridcare.service.services import OrderDraft, order_act
from gridcare.service.services.uploads import order_create_with_photo
from gridcare.service.services.visit_rating import (
    visit_for_token,
    visit_open_of_order,
    visit_pending_of,
    visit_rate,
)

#: The three "new order" pages: (order type or "feedback", page title, intro).
PAGES = {
    "fault_repair": "portal/orders/report.html",
    "complaint": "portal/orders/complain.html",
    "feedback": "portal/orders/suggest.html",
}
#: How many orders "my orders" lists (newest first).
LIST_LIMIT = 50
SITE_PHOTO = DocumentKind.SITE_PHOTO.value


def _address(account: Any) -> str:
    p = account.premise
    return f"{p.city}{p.district}{p.street}{p.detail}"


def _new_order(request: HttpRequest, kind: str) -> HttpResponse:
    assert isinstance(request.user, User)
    accounts = list(accounts_of_login(user=request.user))
    template = PAGES[kind]
    if not accounts:
        return render(request, template, {"no_accounts": True})
    categories = categories_for(order_type=kind) if kind != "feedback" else []
    initial = {"account": accounts[0].number, "address": _address(accounts[0])}
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = OrderForm(
        data, files, kind=kind, accounts=accounts, categories=categories, initial=initial
    )
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            try:
                order = order_create_with_photo(
                    actor=request.user,
                    draft=_draft(form),
                    photo=form.cleaned_data.get("photo"),
                    kind=SITE_PHOTO,
                )
            except DomainError as exc:
                if exc.code.startswith("service.upload.") and "photo" in form.fields:
                    form.add_error("photo", exc.message)
                else:
                    form_add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, _("Received. Order number %(number)s.") % {"number": order.number}
                )
                return redirect("portal:order", number=order.number)
    context = {
        "form": form,
        "addresses": {a.number: _address(a) for a in accounts},
    }
    return render(request, template, context, status=status)


def _draft(form: OrderForm) -> OrderDraft:
    data = form.cleaned_data
    category = data.get("category", "")
    return OrderDraft(
        order_type=form.order_type_value(),
        origin="web",
        title=form.title(form.category_names.get(category, "")),
        description=data["description"],
        account_number=data["account"],
        category_code=category,
        address=data.get("address", ""),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
    )


@customer_required
def report_view(request: HttpRequest) -> HttpResponse:
    """报修: account, fault category, description, address and the phone's location."""
    return _new_order(request, "fault_repair")


@customer_required
def complain_view(request: HttpRequest) -> HttpResponse:
    """投诉: account, complaint category and sub-category, description."""
    return _new_order(request, "complaint")


@customer_required
def suggest_view(request: HttpRequest) -> HttpResponse:
    """建议 / 意见 / 表扬."""
    return _new_order(request, "feedback")


@customer_required
def orders_view(request: HttpRequest) -> HttpResponse:
    """我的工单: the login's orders, newest first."""
    assert isinstance(request.user, User)
    orders = orders_visible_to(request.user)[:LIST_LIMIT]
    return render(request, "portal/orders/list.html", {"orders": orders})


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str
    text: str
    note: str


def _timeline_text(event: Any, order: Any, last_dispatch_id: int | None) -> str:
    """A public event in plain words ("已派单给石牌抢修班", "抢修人员已到达现场")."""
    kind = event.kind
    if kind in {"dispatch", "reassign"}:
        team = event.data.get("team_name") or (
            order.team.name if order.team is not None and event.pk == last_dispatch_id else ""
        )
        if team:
            return pgettext("order timeline", "Dispatched to %(team)s") % {"team": team}
        return pgettext("order timeline", "Dispatched to a team")
    if kind == "rated":
        rating = event.data.get("rating", "")
        return pgettext("order timeline", "You rated the service %(rating)s out of 5") % {
            "rating": rating
        }
    texts = {
        "created": pgettext("order timeline", "Accepted"),
        "take": pgettext("order timeline", "Taken by the service staff"),
        "arrive": pgettext("order timeline", "The repair crew has arrived on site"),
        "resolve": pgettext("order timeline", "Resolved"),
        "start_visit": pgettext("order timeline", "Please rate our service"),
        "archive": pgettext("order timeline", "Closed"),
        "cancel": pgettext("order timeline", "Cancelled"),
        "reopen": pgettext("order timeline", "Reopened for another look"),
        "send_back": pgettext("order timeline", "Being handed to another team"),
        "pause": pgettext("order timeline", "Waiting for your reply"),
        "resume": pgettext("order timeline", "Work resumed"),
        "merge": pgettext("order timeline", "Handled together with a report of the same fault"),
    }
    return texts.get(kind, pgettext("order timeline", "Updated"))


def _timeline(order: Any) -> list[TimelineItem]:
    events = list(order_events(order=order, public_only=True))
    dispatches = [e.pk for e in events if e.kind in {"dispatch", "reassign"}]
    last_dispatch = dispatches[-1] if dispatches else None
    return [
        TimelineItem(e.at, e.kind, _timeline_text(e, order, last_dispatch), e.note) for e in events
    ]


def _detail(request: HttpRequest, order: Any, *, status: int = 200, **extra: Any) -> HttpResponse:
    assert isinstance(request.user, User)
    allowed = order_allowed_actions(user=request.user, order=order)
    context = {
        "order": order,
        "timeline": _timeline(order),
        "can_cancel": "cancel" in allowed,
        "cancel_form": extra.pop("cancel_form", None) or CancelForm(),
        "visit": visit_pending_of(order=order),
        **extra,
    }
    return render(request, "portal/orders/detail.html", context, status=status)


@customer_required
def order_view(request: HttpRequest, number: str) -> HttpResponse:
    """进度: the order's public timeline, cancel while allowed, rating while a visit is open."""
    order = _own_order(request, number)
    return _detail(request, order) if order is not None else page_not_found(request)


def _own_order(request: HttpRequest, number: str) -> Any:
    """The login's order `number`, or None (the same 404 whether missing or someone else's)."""
    assert isinstance(request.user, User)
    try:
        return order_get_for_user(user=request.user, number=number)
    except DomainError:
        return None


@customer_required
def order_cancel_view(request: HttpRequest, number: str) -> HttpResponse:
    assert isinstance(request.user, User)
    if request.method != "POST":
        return redirect("portal:order", number=number)
    order = _own_order(request, number)
    if order is None:
        return page_not_found(request)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail(request, order, status=400, cancel_form=form, show_cancel=True)
    try:
        order_act(
            actor=request.user, number=number, action="cancel", note=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return _detail(request, order, status=exc.status, cancel_form=form, show_cancel=True)
    messages.success(request, _("The order was cancelled."))
    return redirect("portal:order", number=number)


@customer_required
def order_rate_view(request: HttpRequest, number: str) -> HttpResponse:
    """The rating form on the progress page (the order's open visit)."""
    assert isinstance(request.user, User)
    if request.method != "POST":
        return redirect("portal:order", number=number)
    order = _own_order(request, number)
    if order is None:
        return page_not_found(request)
    try:
        visit = visit_open_of_order(actor=request.user, number=number)
        visit_rate(
            visit=visit,
            rating=request.POST.get("rating", ""),
            comment=request.POST.get("comment", ""),
            channel="portal",
            actor=request.user,
        )
    except DomainError as exc:
        return _detail(request, order, status=exc.status, rating_error=exc.message)
    messages.success(request, _("Thank you for your rating."))
    return redirect("portal:order", number=number)


def visit_view(request: HttpRequest, token: str) -> HttpResponse:
    """The rating page a return-visit message links to: no login, the token is the key."""
    try:
        visit = visit_for_token(token)
    except DomainError:
        return page_not_found(request)
    context: dict[str, Any] = {"visit": visit, "order": visit.order}
    status = 200
    if request.method == "POST":
        try:
            visit = visit_rate(
                visit=visit,
                rating=request.POST.get("rating", ""),
                comment=request.POST.get("comment", ""),
                channel="link",
            )
        except DomainError as exc:
            context.update(error=exc.message, comment=request.POST.get("comment", "")[:500])
            status = exc.status
        else:
            context.update(visit=visit, thanks=True)
    return render(request, "portal/orders/visit.html", context, status=status)
