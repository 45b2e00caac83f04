"""Refuse NUL characters at the edge: PostgreSQL cannot store or compare them, so a query
parameter or JSON string holding one would otherwise end in a server error. HTML forms are
already covered by Django's `ProhibitNullCharactersValidator`."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

NUL_ERROR = {"code": "core.request.nul_character", "message": "请求中包含非法的空字符（\\0）"}
_CHECKED_PREFIXES = ("/api/", "/webhooks/", "/_fake-gateway/")


class RejectNulCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_CHECKED_PREFIXES) and _has_nul(request):
            return JsonResponse(NUL_ERROR, status=400)
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query or "\x00" in request.path:
        return True
    if request.method in ("POST", "PUT", "PATCH"):
        body = request.body
        # Raw bytes, and the JSON escape of NUL (a backslash-escaped backslash is not one).
        if b"\x00" in body or b"\\u0000" in body.replace(b"\\\\", b""):
            return True
    return False
