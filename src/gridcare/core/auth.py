"""Login with throttling (django-axes) shared by the portal, console and API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from gridcare.core.errors import RateLimited, Unauthenticated
from gridcare.core.models import User

LOCKED_MESSAGE = "登录失败次数过多，请稍后再试"
BAD_CREDENTIALS_MESSAGE = "账号或密码不正确"


def login_check(*, request: HttpRequest, username: str, password: str) -> User:
    """The user for these credentials, or a generic error that never says which part was wrong.

    django-axes counts failures per username + IP and refuses further tries once the limit
    (`GRIDCARE_LOGIN_FAILURE_LIMIT`) is reached, until the cool-off passes.
    """
    user = authenticate(request, username=username.strip(), password=password)
    if getattr(request, "axes_locked_out", False):
        raise RateLimited("core.auth.locked_out", LOCKED_MESSAGE)
    if user is None or not isinstance(user, User):
        raise Unauthenticated("core.auth.invalid_credentials", BAD_CREDENTIALS_MESSAGE)
    return user


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """What django-axes answers once a username+IP pair is locked out."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "core.auth.locked_out", "message": LOCKED_MESSAGE}, status=429)
    return render(request, "errors/locked.html", {"message": LOCKED_MESSAGE}, status=429)
