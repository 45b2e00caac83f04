"""Payment test fixtures (imported by tests/billing/conftest.py):
demo keys made once per session, and the demo gateway served as its own WSGI application
on 127.0.0.1 (a real HTTP server in a thread) that the adapters talk to."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from gridcare.billing.payments.demo.app import application
from gridcare.billing.payments.demo.world import DemoWorld, demo_world
from gridcare.billing.payments.demo_keys import demo_keys_ensure
from tests.billing.pay_support import Gateway


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def demo_keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "paykeys"
    demo_keys_ensure(folder)
    return folder


@pytest.fixture
def demo_pay(settings: Any, demo_keys_dir: Path, tmp_path: Path) -> DemoWorld:
    """The demo payment world switched on (keys, the gateway's books), no server yet."""
    settings.PRODUCTION = False
    settings.PAY_DEMO_GATEWAY = True
    settings.PAY_PROVIDERS = ["wechat", "alipay"]
    settings.PAY_DEMO_KEYS_DIR = demo_keys_dir
    settings.PAY_DEMO_GATEWAY_DB = tmp_path / "demo-pay-gateway.sqlite3"
    settings.PAY_DEMO_REDELIVER_SECONDS = 0
    # Callbacks the gateway sends in the background go nowhere unless a test serves them.
    settings.PAY_CALLBACK_ORIGIN = "http://127.0.0.1:9"
    settings.PAY_WECHAT_GATEWAY = ""
    settings.PAY_ALIPAY_GATEWAY = ""
    settings.PAY_DEMO_GATEWAY_URL = "http://127.0.0.1:9"
    world = demo_world()
    assert world is not None
    return world


@pytest.fixture
def gateway(settings: Any, demo_pay: DemoWorld) -> Iterator[Gateway]:
    """The demo gateway on a port of its own; the adapters talk to it over HTTP."""
    server = make_server("127.0.0.1", 0, application, _ThreadingServer, _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.PAY_DEMO_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}"
    yield Gateway(url=settings.PAY_DEMO_GATEWAY_URL)
    server.shutdown()
    server.server_close()
