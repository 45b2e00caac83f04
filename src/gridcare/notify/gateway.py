"""The local fake SMS/WeChat gateway (demo, tests, benchmark): records what it is sent.

`POST /_fake-gateway/<sms|wechat>/` with the JSON the channel backends send. Each
idempotency key (the `Idempotency-Key` header) is recorded once; a repeat answers with the
first message id and counts as a duplicate, like a provider that de-duplicates client
message ids. A body that is not JSON or lacks an address or text gets a 400.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gridcare.notify.models import GatewayReceipt

_FIELDS = {"sms": ("to", "text"), "wechat": ("touser", "content")}


def record(channel: str, key: str, body: bytes) -> tuple[int, dict[str, object]]:
    """(HTTP status, JSON answer) for one request to the fake gateway."""
    if channel not in _FIELDS:
        return 404, {"code": "gateway.channel.unknown", "message": "未知渠道"}
    try:
        payload = json.loads(body)
    except ValueError:
        return 400, {"code": "gateway.body.invalid", "message": "请求体不是JSON"}
    to_field, text_field = _FIELDS[channel]
    if (
        not key
        or not isinstance(payload, dict)
        or not payload.get(to_field)
        or not payload.get(text_field)
    ):
        return 400, {"code": "gateway.body.incomplete", "message": "缺少号码、内容或幂等键"}
    try:
        with transaction.atomic():
            receipt = GatewayReceipt.objects.create(
                channel=channel, idempotency_key=key, to=payload[to_field], body=payload[text_field]
            )
        duplicate = False
    except IntegrityError:
        GatewayReceipt.objects.filter(idempotency_key=key).update(duplicates=F("duplicates") + 1)
        receipt = GatewayReceipt.objects.get(idempotency_key=key)
        duplicate = True
    return 200, {"message_id": f"fake-{receipt.pk}", "duplicate": duplicate}


@csrf_exempt
@require_POST
def receive(request: HttpRequest, channel: str) -> JsonResponse:
    """The gateway inside the GridCare site (the demo posts to itself)."""
    status, answer = record(channel, request.headers.get("Idempotency-Key", ""), request.body)
    return JsonResponse(answer, status=status)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """The gateway as a WSGI application of its own (`gunicorn
    gridcare.notify.gateway:application`), as the tests and the benchmark run it: an
    outside system, not behind GridCare's sessions and middleware."""
    close_old_connections()
    parts = environ.get("PATH_INFO", "").strip("/").split("/")
    channel = parts[-1] if environ.get("REQUEST_METHOD") == "POST" else ""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    status, answer = record(channel, environ.get("HTTP_IDEMPOTENCY_KEY", ""), body)
    data = json.dumps(answer, ensure_ascii=False).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]
