"""The demo gateway's routes, and the two ways to serve them.

    /wechat/v3/…          WeChat Pay API v3 (wechat_api.py)
    /alipay/gateway.do    Alipay's gateway (alipay_api.py)
    /pay/<token>[/confirm] the pay page (pages.py)

Off (404 for everything) unless the demo gateway is switched on and not in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt

from gridcare.billing.payments.demo import alipay_api, pages, wechat_api
from gridcare.billing.payments.demo.messages import Request, Response
from gridcare.billing.payments.demo.world import demo_world

MAX_BODY = 64 * 1024


def handle(request: Request) -> Response:
    world = demo_world()
    if world is None:
        return Response.text(404, "demo gateway is off")
    path = request.path
    if path.startswith("/wechat/v3/"):
        return wechat_api.handle(world, request, path.removeprefix("/wechat"))
    if path.rstrip("/") == "/alipay/gateway.do":
        return alipay_api.handle(world, request)
    if path.startswith("/pay/"):
        return pages.handle(world, request, path)
    return Response.text(404, "no such route")


@csrf_exempt
def django_view(request: HttpRequest, rest: str) -> HttpResponse:
    """The gateway mounted in the GridCare site (the demo's default)."""
    try:
        body = request.body
    except RawPostDataException:  # a multipart form: nothing the gateway reads
        body = b""
    if len(body) > MAX_BODY:
        return HttpResponse(status=413)
    answer = handle(
        Request(
            method=request.method or "GET",
            path="/" + rest,
            query=request.META.get("QUERY_STRING", ""),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=body,
        )
    )
    response = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers:
        response[name] = value
    return response


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The gateway as a WSGI application of its own: an outside system, not behind
    GridCare's middleware (as the tests and the benchmark run it)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if length > MAX_BODY:
        answer = Response(413)
    else:
        answer = handle(
            Request(
                method=environ.get("REQUEST_METHOD", "GET"),
                path=environ.get("PATH_INFO", "/"),
                query=environ.get("QUERY_STRING", ""),
                headers=headers,
                body=environ["wsgi.input"].read(length) if length > 0 else b"",
            )
        )
    start_response(
        f"{answer.status} {HTTPStatus(answer.status).phrase}",
        [*answer.headers, ("Content-Length", str(len(answer.body)))],
    )
    return [answer.body]
