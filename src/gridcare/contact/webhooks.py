"""Webhook endpoints of the messaging platforms: thin over the adapters and services.

    GET  /webhooks/wechat/<app_id>/   server check (signature, then echo `echostr`)
    POST /webhooks/wechat/<app_id>/   a message (XML); answers a passive text reply
    POST /webhooks/alipay/<app_id>/   a message (form, RSA2-signed); answers `success`
    POST /webhooks/sms/               an SMS reply (JSON, HMAC-signed); a digit 1–5 is a rating

Refusals (logged, nothing created): unknown app 404, bad signature 403, timestamp more than
five minutes off 403 (a replay), body over `CONTACT_WEBHOOK_MAX_BYTES` 413, unreadable
body 400 — JSON `{code, message}`. A message id seen before is answered like the first
time (the platforms retry until they get an answer) and creates nothing.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from gridcare.contact.adapters import alipay, sms, wechat
from gridcare.contact.adapters.base import PayloadTooLarge, UnknownApp
from gridcare.contact.services import inbound_receive
from gridcare.core.errors import DomainError
from gridcare.core.params import parse_int

logger = logging.getLogger("gridcare.contact")


def _refused(request: HttpRequest, error: DomainError) -> JsonResponse:
    logger.warning(
        "webhook refused: %s %s from %s", error.code, request.path, request.META.get("REMOTE_ADDR")
    )
    return JsonResponse({"code": error.code, "message": error.message}, status=error.status)


def _body(request: HttpRequest) -> bytes:
    limit = settings.CONTACT_WEBHOOK_MAX_BYTES
    declared = parse_int(request.META.get("CONTENT_LENGTH"), field="Content-Length", default=0)
    if (declared or 0) > limit or len(request.body) > limit:
        raise PayloadTooLarge(limit)
    return request.body


@csrf_exempt
def wechat_webhook(request: HttpRequest, app_id: str) -> HttpResponse:
    try:
        token = settings.CONTACT_WECHAT_APPS.get(app_id)
        if token is None:
            raise UnknownApp(app_id)
        q = request.GET
        wechat.verify(
            token=token,
            signature=q.get("signature", ""),
            timestamp=q.get("timestamp", ""),
            nonce=q.get("nonce", ""),
            now=time.time(),
        )
        if request.method == "GET":
            return HttpResponse(q.get("echostr", ""), content_type="text/plain")
        if request.method != "POST":
            return HttpResponse(status=405)
        inbound = wechat.parse(app_id, _body(request))
        received = inbound_receive(inbound=inbound)
    except DomainError as error:
        return _refused(request, error)
    answer = wechat.reply(inbound.sender, app_id, received.reply, int(time.time()))
    return HttpResponse(answer, content_type="application/xml; charset=utf-8")


@csrf_exempt
def alipay_webhook(request: HttpRequest, app_id: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        key_path = settings.CONTACT_ALIPAY_APPS.get(app_id)
        if key_path is None:
            raise UnknownApp(app_id)
        params = dict(parse_qsl(_body(request).decode("utf-8", "replace"), keep_blank_values=True))
        if params.get("app_id") != app_id:
            raise UnknownApp(params.get("app_id", ""))
        alipay.verify(public_key_pem=Path(key_path).read_bytes(), params=params, now=timezone.now())
        inbound_receive(inbound=alipay.parse(params))
    except DomainError as error:
        return _refused(request, error)
    return HttpResponse("success", content_type="text/plain")


@csrf_exempt
def sms_webhook(request: HttpRequest) -> HttpResponse:
    """SMS replies from the gateway (HMAC-signed JSON); answers `{"ok": true}`."""
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        body = _body(request)
        sms.verify(
            secret=settings.CONTACT_SMS_SECRET,
            body=body,
            signature=request.headers.get("X-Signature", ""),
        )
        inbound_receive(inbound=sms.parse(body))
    except DomainError as error:
        return _refused(request, error)
    return JsonResponse({"ok": True})
