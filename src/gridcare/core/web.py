"""Helpers shared by the portal and console views (edge code: no business rules)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from gridcare.core.auth import login_check
from gridcare.core.errors import DomainError, RateLimited
from gridcare.core.models import User

View = Callable[..., HttpResponse]


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Mobile number or login name"), max_length=64)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 404 page in the UI's style (also Django's handler404)."""
    return render(request, "errors/404.html", status=404)


def form_add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def login_page(
    request: HttpRequest, *, template: str, customer: bool, success_url: str
) -> HttpResponse:
    """The login form for one side of the product (customers or staff)."""
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = login_check(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
            if user.is_customer != customer:
                raise DomainError(
                    "core.auth.wrong_side", str(_("Please use the other login page."))
                )
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return HttpResponseRedirect(safe_next(request, success_url))
        except RateLimited as exc:
            form_add_domain_error(form, exc)
            status = 429
        except DomainError as exc:
            form_add_domain_error(form, exc)
            status = 400
    context = {"form": form, "next": safe_next(request, "")}
    return render(request, template, context, status=status)


def customer_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not isinstance(user, User) or not user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        if not user.is_customer:
            return redirect("console:dashboard")
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(perm: str | None = None) -> Callable[[View], View]:
    """Staff pages: anonymous → login, customers → portal, staff without `perm` → 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not isinstance(user, User) or not user.is_authenticated:
                return redirect(f"{reverse('console:login')}?next={request.path}")
            if user.is_customer:
                return redirect("portal:home")
            if perm and not user.has_perm(perm):
                return render(request, "errors/403.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on their own: our icon among the static files.
    Not a permanent redirect, so a changed icon is picked up."""
    return redirect(static("gridcare/favicon.svg"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent without a valid token (usually an expired page or
    blocked cookies) gets our page, translated, instead of Django's English one."""
    return render(request, "errors/csrf.html", status=403)
