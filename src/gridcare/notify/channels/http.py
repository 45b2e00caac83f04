"""All outbound HTTP of the notification channels goes through here (one pooled client per
process, timeouts from settings), so tests point a channel at a local server instead of
patching code."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
from django.conf import settings

from gridcare.notify.channels.base import SendResult


@cache
def client() -> httpx.Client:
    return httpx.Client(timeout=settings.NOTIFY_HTTP_TIMEOUT_SECONDS)


def post_json(url: str, payload: dict[str, Any], *, key: str) -> SendResult:
    """POST `payload`; 2xx with a `message_id` is success, 429/5xx/network errors are worth a
    retry, other 4xx are not (the request itself is wrong)."""
    try:
        response = client().post(url, json=payload, headers={"Idempotency-Key": key})
    except httpx.HTTPError as exc:
        return SendResult(ok=False, retryable=True, error=f"网关连接失败：{type(exc).__name__}")
    if response.is_success:
        try:
            message_id = str(response.json().get("message_id", ""))
        except ValueError:
            message_id = ""
        return SendResult(ok=True, provider_id=message_id)
    retryable = response.status_code == 429 or response.status_code >= 500
    return SendResult(ok=False, retryable=retryable, error=f"网关返回 HTTP {response.status_code}")
