"""SMS through an HTTP gateway (`GRIDCARE_SMS_GATEWAY_URL`; the fake gateway by default)."""

from __future__ import annotations

from django.conf import settings

from gridcare.notify.channels.base import Outbound, SendResult
from gridcare.notify.channels.http import post_json


class HttpSmsBackend:
    def send(self, message: Outbound) -> SendResult:
        payload = {"to": message.destination, "text": message.body, "out_id": message.key}
        return post_json(settings.NOTIFY_SMS_GATEWAY_URL, payload, key=message.key)
