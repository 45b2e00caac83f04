"""Customer portal pages: thin views over core/customers services and selectors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from gridcare.assistant.selectors import sessions as assistant_sessions
from gridcare.assistant.services.dialogue import TEXT_MAX, assistant_message
from gridcare.assistant.services.dialogue_texts import GREETING
from gridcare.assistant.services.dialogue_words import MENU
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice, parse_int
from gridcare.core.privacy import mask_mobile
from gridcare.core.web import (
    customer_required,
    form_add_domain_error,
    login_page,
    page_not_found,
)
from gridcare.customers import selectors, services
from gridcare.customers.choices import AGREEMENT_VERSION, ConsentPurpose, InteractionChannel
from gridcare.customers.codes import code_sender
from gridcare.metering.usage import account_usage
from gridcare.notify import selectors as notify_selectors
from gridcare.notify.services import notification_mark_read
from gridcare.portal.charts import usage_charts
from gridcare.portal.forms import (
    BindConfirmForm,
    BindRequestForm,
    PreferencesForm,
    RegisterForm,
    SignupCodeForm,
)

WEB_CHAT = InteractionChannel.WEB_CHAT


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        return redirect("portal:home" if user.is_customer else "console:dashboard")
    return render(request, "portal/home.html")


def login_view(request: HttpRequest) -> HttpResponse:
    return login_page(
        request, template="portal/login.html", customer=True, success_url=reverse("portal:home")
    )


def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
    return redirect("home")


def register_view(request: HttpRequest) -> HttpResponse:
    """注册, two steps: a code to the mobile, then the code, the password twice and the
    agreement (`customers.services.registration`)."""
    # The demo says where its texts go instead of showing a code for someone's number.
    simulated = code_sender().simulated
    context: dict[str, Any] = {"code_form": SignupCodeForm(), "form": None, "demo": simulated}
    status = 200
    step = request.POST.get("step", "request") if request.method == "POST" else None
    ip = request.META.get("REMOTE_ADDR")
    if step == "request":
        code_form = SignupCodeForm(request.POST)
        context["code_form"] = code_form
        status = 400
        if code_form.is_valid():
            try:
                challenge = services.signup_code_request(
                    mobile=code_form.cleaned_data["mobile"], ip=ip
                )
            except DomainError as exc:
                form_add_domain_error(code_form, exc)
                status = exc.status
            else:
                context["form"] = RegisterForm(initial={"mobile": challenge.mobile})
                context["sent_to"] = mask_mobile(challenge.mobile)
                status = 200
    elif step == "register":
        form = RegisterForm(request.POST)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.signup_complete(
                    mobile=data["mobile"],
                    code=data["code"],
                    password=data["password"],
                    display_name=data["display_name"],
                    accepted_agreement=data["accept_agreement"],
                    ip=ip,
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("portal:bind")
        status = 400
    return render(request, "portal/register.html", context, status=status)


def _legal_page(request: HttpRequest, name: str) -> HttpResponse:
    # A legal text is one document per language (the Chinese one authoritative), not
    # catalogue entries: it is reviewed and versioned as a whole.
    language = "en" if (get_language() or "").startswith("en") else "zh-hans"
    template = f"portal/legal/{name}.{language}.html"
    return render(request, template, {"version": AGREEMENT_VERSION})


def agreement_view(request: HttpRequest) -> HttpResponse:
    """用户协议: the terms a portal login accepts (version `AGREEMENT_VERSION`)."""
    return _legal_page(request, "agreement")


def privacy_view(request: HttpRequest) -> HttpResponse:
    """隐私政策: what personal data the portal processes, why, and the person's rights."""
    return _legal_page(request, "privacy")


@customer_required
def accounts_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    accounts = selectors.accounts_of_login(user=request.user)
    return render(request, "portal/accounts.html", {"accounts": accounts})


@customer_required
def account_detail_view(request: HttpRequest, number: str) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        account = selectors.account_get_for_user(user=request.user, number=number)
    except DomainError:
        return page_not_found(request)
    return render(request, "portal/account_detail.html", {"account": account})


@customer_required
def usage_view(request: HttpRequest, number: str) -> HttpResponse:
    """用电分析: daily and monthly usage charts, time-of-use split, last year's month."""
    assert isinstance(request.user, User)
    try:
        account = selectors.account_get_for_user(user=request.user, number=number)
    except DomainError:
        return page_not_found(request)
    usage = account_usage(account=account, today=timezone.localdate())
    context = {"account": account, "usage": usage, "charts": usage_charts(usage)}
    return render(request, "portal/usage.html", context)


def _demo_code_hint(user: User, mobile: str) -> str | None:
    """With a simulated sender (the demo: no real phone gets the SMS), show the code on the
    page, but only when it went to the login's own number: a code sent to anyone else's
    phone proves control of that phone only if it stays there. Production has no
    simulated sender (`notify.checks`)."""
    if mobile != user.mobile:
        return None
    sender = code_sender()
    return sender.inbox(mobile=mobile) if sender.simulated else None


@customer_required
def bind_view(request: HttpRequest) -> HttpResponse:
    """Two steps: ask for a code to the account's registered mobile, then confirm it."""
    assert isinstance(request.user, User)
    context: dict[str, Any] = {"request_form": BindRequestForm(), "confirm_form": None}
    status = 200
    if request.method == "POST" and request.POST.get("step") == "request":
        form = BindRequestForm(request.POST)
        context["request_form"] = form
        if form.is_valid():
            try:
                challenge = services.account_bind_request(
                    actor=request.user, account_number=form.cleaned_data["account_number"]
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
                status = exc.status
            else:
                mobile = challenge.account.registered_mobile
                context["confirm_form"] = BindConfirmForm(
                    initial={"account_number": challenge.account.number}
                )
                context["sent_to"] = mask_mobile(mobile)
                context["demo_hint"] = _demo_code_hint(request.user, mobile)
        else:
            status = 400
    elif request.method == "POST" and request.POST.get("step") == "confirm":
        confirm = BindConfirmForm(request.POST)
        context["confirm_form"] = confirm
        if confirm.is_valid():
            try:
                services.account_bind_confirm(
                    actor=request.user,
                    account_number=confirm.cleaned_data["account_number"],
                    code=confirm.cleaned_data["code"],
                )
            except DomainError as exc:
                form_add_domain_error(confirm, exc)
                status = exc.status
            else:
                return redirect("portal:accounts")
    return render(request, "portal/bind.html", context, status=status)


@customer_required
def messages_view(request: HttpRequest) -> HttpResponse:
    """消息中心: what the utility sent to this login's portal inbox; opening marks read."""
    assert isinstance(request.user, User)
    if request.method == "POST":
        notice = parse_int(request.POST.get("id"), field="id", minimum=1)
        try:
            notification_mark_read(user=request.user, notification_id=notice or 0)
        except DomainError:
            return page_not_found(request)
        return redirect("portal:messages")
    # Not "messages": the base template shows that name as Django's flash messages.
    notices = notify_selectors.portal_messages_for(user=request.user)[:100]
    return render(request, "portal/messages.html", {"notices": notices})


@dataclass(frozen=True)
class _Acting:
    """The customer a page acts for: one of the login's (`selectors.login_customers`),
    named by `customer` (form field or query), else the first."""

    chosen: selectors.LoginCustomer
    choices: list[selectors.LoginCustomer]  # more than one: the page offers a switch

    @property
    def customer(self) -> Any:
        return self.chosen.customer

    def url(self, view: str, **query: Any) -> str:
        """URL of `view` for this customer (named only when there is a choice)."""
        if len(self.choices) > 1:
            query = {"customer": self.customer.pk, **query}
        return f"{reverse(view)}?{urlencode(query)}" if query else reverse(view)

    def context(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "choices": self.choices if len(self.choices) > 1 else [],
        }


def _acting_for_customer(
    view: Callable[[HttpRequest, _Acting], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Call `view` with the `_Acting` customer; before any account is bound, send the
    login to bind one; a customer it has not bound is not found."""

    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        assert isinstance(request.user, User)
        choices = selectors.login_customers(user=request.user)
        if not choices:
            return redirect("portal:bind")
        raw = request.POST.get("customer") or request.GET.get("customer")
        wanted = parse_int(raw, field="customer", minimum=1)
        chosen = next((c for c in choices if c.customer.pk == wanted), None)
        if wanted is not None and chosen is None:
            return page_not_found(request)
        return view(request, _Acting(chosen or choices[0], choices))

    return wrapped


@customer_required
@_acting_for_customer
def preferences_view(request: HttpRequest, acting: _Acting) -> HttpResponse:
    """通知偏好 of a customer whose account this login has bound (`_Acting`)."""
    assert isinstance(request.user, User)
    customer = acting.customer
    current = selectors.consent_current(customer=customer)
    pref = getattr(customer, "contact_preference", None)
    initial = {
        "channels": pref.channels if pref else [],
        "email": pref.email if pref else "",
        "quiet_start": pref.quiet_start if pref else None,
        "quiet_end": pref.quiet_end if pref else None,
        **{f"consent_{p}": granted for p, granted in selectors.consent_effective(current).items()},
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.contact_settings_save(
            actor=request.user,
            customer=customer,
            channels=list(data["channels"]),
            email=data["email"],
            quiet_start=data["quiet_start"],
            quiet_end=data["quiet_end"],
            consents={p: bool(data[f"consent_{p}"]) for p, _label in ConsentPurpose.choices},
            source="portal",
        )
        return redirect(acting.url("portal:preferences", saved=1))
    saved = parse_choice(request.GET.get("saved"), field="saved", choices=("", "1"), default="")
    context = {"form": form, "saved": saved, **acting.context()}
    return render(request, "portal/preferences.html", context, status=400 if form.errors else 200)


@customer_required
@_acting_for_customer
def chat_view(request: HttpRequest, acting: _Acting) -> HttpResponse:
    """在线客服: the assistant answers first (assistant.services.dialogue); once it hands
    over, the customer writes to the agent's conversation through it. An htmx post gets
    the new exchange to append; a plain post comes back to the page."""
    assert isinstance(request.user, User)
    customer = acting.customer
    sender = f"user:{request.user.pk}"
    error = None
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            reply = assistant_message(
                channel=WEB_CHAT,
                sender=sender,
                text=text,
                customer_id=customer.pk,
                user=request.user,
            )
        except DomainError as exc:
            error = exc
        else:
            if request.htmx:  # type: ignore[attr-defined]
                shown = " ".join(text.split())[:TEXT_MAX]  # as the transcript keeps it
                context = {"text": shown, "reply": reply, "now": timezone.now()}
                return render(request, "portal/chat_exchange.html", context)
            return redirect(acting.url("portal:chat"))
    chat = assistant_sessions.chat_view_for(
        channel=WEB_CHAT, sender=sender, customer_id=customer.pk
    )
    context = {
        "chat": chat,
        "options": chat.options if chat is not None else MENU,
        "greeting": GREETING,
        "error": error,
        **acting.context(),
    }
    return render(request, "portal/chat.html", context, status=error.status if error else 200)
