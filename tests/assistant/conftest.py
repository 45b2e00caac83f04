"""A fake OpenAI-compatible server on 127.0.0.1 for the optional language model's tests
(the knowledge base's and the dialogue's)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

GOOD = "您好！如果电费逾期，每天会按欠费的千分之一收违约金，总额不足1元的按1元收。"


@dataclass
class FakeLlm:
    """What the server answers next, and what it received."""

    reply: str = GOOD
    status: int = 200
    raw: bytes | None = None  # sent as is instead of a chat completion
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def fake_llm(settings: Any) -> Iterator[FakeLlm]:
    fake = FakeLlm()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            fake.requests.append({"path": self.path, **json.loads(self.rfile.read(length))})
            fake.headers.append(dict(self.headers))
            time.sleep(fake.delay)
            body = fake.raw
            if body is None:
                completion = {
                    "choices": [{"message": {"role": "assistant", "content": fake.reply}}]
                }
                body = json.dumps(completion).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (the timeout test)
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.ASSISTANT_LLM_URL = fake.url
    settings.ASSISTANT_LLM_API_KEY = "sk-test"
    settings.ASSISTANT_LLM_MODEL = "fake-model"
    settings.ASSISTANT_LLM_TIMEOUT_SECONDS = 1.0
    yield fake
    server.shutdown()
    server.server_close()
