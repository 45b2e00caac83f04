"""The local fake SMS/WeChat gateway (demo, tests, benchmark): records what it is sent.

`POST /_fake-gateway/<sms|wechat>/` with the JSON the channel backends send. Each
idempotency key (the `Idempotency-Key` header) is recorded once; a repeat answers with the
first message id and counts as a duplicate, like a provider that de-duplicates client
message ids. A body that is not JSON or lacks an address or text gets a 400.
"""

from __future__ import annotations

import json

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gridcare.notify.models import GatewayReceipt

_FIELDS = {"sms": ("to", "text"), "wechat": ("touser", "content")}


@csrf_exempt
@require_POST
def receive(request: HttpRequest, channel: str) -> JsonResponse:
    if channel not in _FIELDS:
        return JsonResponse({"code": "gateway.channel.unknown", "message": "未知渠道"}, status=404)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse(
            {"code": "gateway.body.invalid", "message": "请求体不是JSON"}, status=400
        )
    to_field, text_field = _FIELDS[channel]
    key = request.headers.get("Idempotency-Key", "")
    if not key or not payload.get(to_field) or not payload.get(text_field):
        return JsonResponse(
            {"code": "gateway.body.incomplete", "message": "缺少号码、内容或幂等键"}, status=400
        )
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
    return JsonResponse({"message_id": f"fake-{receipt.pk}", "duplicate": duplicate})
