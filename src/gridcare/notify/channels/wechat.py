"""WeChat template messages through an HTTP endpoint (`GRIDCARE_WECHAT_GATEWAY_URL`)."""

from __future__ import annotations

from django.conf import settings

from gridcare.notify.channels.base import Outbound, SendResult
from gridcare.notify.channels.http import post_json


class HttpWeChatBackend:
    def send(self, message: Outbound) -> SendResult:
        payload = {
            "touser": message.destination,
            "title": message.subject,
            "content": message.body,
            "client_msg_id": message.key,
        }
        return post_json(settings.NOTIFY_WECHAT_GATEWAY_URL, payload, key=message.key)
