"""Notify fixtures: published templates, a scripted local HTTP gateway, a daytime clock."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridcare.notify.channels.base import backend_for
from gridcare.notify.services import template_publish

BEIJING = ZoneInfo("Asia/Shanghai")
#: 10:00 Beijing: outside the default quiet hours.
DAYTIME = datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
OUTAGE_BODY = "尊敬的客户，户号{account}所在区域将于{start}停电，预计{end}恢复。"


@pytest.fixture
def templates(db: None) -> dict[str, Any]:
    made = {}
    for channel in ("sms", "wechat", "portal", "email", "app_push"):
        made[channel] = template_publish(
            actor=None,
            code="outage.planned",
            channel=channel,
            purpose="outage",
            subject="停电通知：{account}",
            body=OUTAGE_BODY,
        )
    made["promo"] = template_publish(
        actor=None,
        code="marketing.promo",
        channel="sms",
        purpose="marketing",
        body="峰谷电价{offer}",
    )
    made["urgent"] = template_publish(
        actor=None,
        code="outage.emergency",
        channel="sms",
        purpose="outage",
        urgent=True,
        body="紧急：户号{account}故障停电，抢修中。",
    )
    return made


def outage_context(**extra: Any) -> dict[str, Any]:
    return {"account": "3100000000001", "start": "12月2日09:00", "end": "17:00", **extra}


@dataclass
class ScriptedGateway:
    """A real HTTP server on 127.0.0.1 answering with the scripted statuses in turn (then
    200), recording every request's JSON body and headers."""

    statuses: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def answer(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200


@pytest.fixture
def gateway(settings: Any) -> Iterator[ScriptedGateway]:
    script = ScriptedGateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            script.requests.append({"body": body, "key": self.headers.get("Idempotency-Key")})
            status = script.answer()
            payload = json.dumps({"message_id": f"gw-{len(script.requests)}"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    script.url = f"http://127.0.0.1:{server.server_port}/"
    settings.NOTIFY_SMS_GATEWAY_URL = script.url
    settings.NOTIFY_WECHAT_GATEWAY_URL = script.url
    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    backend_for.cache_clear()
    yield script
    server.shutdown()
    server.server_close()
    backend_for.cache_clear()
