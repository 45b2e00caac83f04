"""Edge guards shared by every page and endpoint.

`RejectNulCharacters` refuses NUL characters before any view runs: PostgreSQL cannot store
or compare them, so a query parameter, form field or JSON string holding one would
otherwise end in a server error (or, on SQLite, in data PostgreSQL could not restore).

`DomainErrorPages` turns a `DomainError` that a portal or console view did not catch (a
`core.params.BadParameter` from `?day=abc`, say) into the error page with its status,
code and message; the API maps the same errors to JSON in `core.api_support`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from gridcare.core.errors import DomainError

NUL_ERROR = {"code": "core.request.nul_character", "message": "请求中包含非法的空字符（\\0）"}
#: Paths answered in JSON; everything else gets the HTML error page.
_JSON_PREFIXES = ("/api/", "/webhooks/", "/_fake-gateway/")


def error_page(request: HttpRequest, *, code: str, message: str, status: int) -> HttpResponse:
    """The error page (HTML, or `{code, message}` under the JSON prefixes)."""
    if request.path.startswith(_JSON_PREFIXES):
        return JsonResponse({"code": code, "message": message}, status=status)
    context = {"status": status, "code": code, "message": message}
    return render(request, "errors/error.html", context, status=status)


BAD_MULTIPART_ERROR = {
    "code": "request.bad_multipart",
    "message": "上传的表单格式不正确（multipart 边界缺失或内容不完整）",
}


class RejectNulCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            has_nul = _has_nul(request)
        except MultiPartParserError:
            # A multipart body without a boundary (or cut short) cannot be read at all.
            return error_page(request, **BAD_MULTIPART_ERROR, status=400)
        if has_nul:
            return error_page(request, **NUL_ERROR, status=400)
        return self.get_response(request)


class DomainErrorPages:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return error_page(
                request, code=exception.code, message=exception.message, status=exception.status
            )
        return None


def _has_nul(request: HttpRequest) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query or "\x00" in request.path:
        return True
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        # Only the fields: an uploaded file's bytes may hold NUL legitimately.
        return any("\x00" in value for _, values in request.POST.lists() for value in values)
    body = request.body
    if b"\x00" in body:
        return True
    if content_type == "application/x-www-form-urlencoded":
        # A typed "%00" arrives encoded as "%2500"; "%00" itself is a NUL.
        return b"%00" in body
    # The JSON escape of NUL (a backslash-escaped backslash is not one).
    return b"\\u0000" in body.replace(b"\\\\", b"")
