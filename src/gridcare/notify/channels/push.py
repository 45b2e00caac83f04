"""App push over MQTT: one topic per user, `gridcare/users/<user id>/notifications`, QoS 1.

The payload carries the idempotency key, so the app drops a message it has shown already.
"""

from __future__ import annotations

import json
import threading

import paho.mqtt.client as mqtt
from django.conf import settings

from gridcare.notify.channels.base import Outbound, SendResult


def user_topic(user_id: int) -> str:
    return f"{settings.NOTIFY_MQTT_TOPIC_PREFIX}/users/{user_id}/notifications"


class MqttPushBackend:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: mqtt.Client | None = None

    def _connected(self) -> mqtt.Client:
        if self._client is None or not self._client.is_connected():
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="")
            client.connect(settings.NOTIFY_MQTT_HOST, settings.NOTIFY_MQTT_PORT, keepalive=30)
            client.loop_start()
            self._client = client
        return self._client

    def send(self, message: Outbound) -> SendResult:
        if message.user_id is None:
            return SendResult(ok=False, retryable=False, error="客户未注册APP账号")
        payload = json.dumps(
            {"key": message.key, "title": message.subject, "body": message.body},
            ensure_ascii=False,
        )
        try:
            with self._lock:
                info = self._connected().publish(user_topic(message.user_id), payload, qos=1)
            info.wait_for_publish(timeout=settings.NOTIFY_HTTP_TIMEOUT_SECONDS)
        except (OSError, RuntimeError, ValueError) as exc:
            self._client = None
            return SendResult(ok=False, retryable=True, error=f"推送服务不可用：{exc}")
        if not info.is_published():
            return SendResult(ok=False, retryable=True, error="推送未确认")
        return SendResult(ok=True, provider_id=f"mqtt:{info.mid}")
