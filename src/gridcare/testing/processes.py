"""Real processes for end-to-end delivery tests and the notify benchmark: the fake gateway
served by Django's development server and `gridcare worker` processes, all on a database
given by URL (the test database, or a benchmark one)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection


def database_url() -> str:
    """URL of the database the current Django connection uses (inside tests: the test DB)."""
    s: dict[str, Any] = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    user = s.get("USER") or ""
    auth = f"{user}@" if user else ""
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgresql://{auth}{s.get('HOST') or '127.0.0.1'}{port}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Fleet:
    """A fake gateway and workers on one database; `stop()` ends whatever is still running."""

    db_url: str
    env_extra: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    gateway_port: int = 0
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            GRIDCARE_DATABASE_URL=self.db_url,
            GRIDCARE_SMS_GATEWAY_URL=f"http://127.0.0.1:{self.gateway_port}/_fake-gateway/sms/",
            GRIDCARE_WECHAT_GATEWAY_URL=(
                f"http://127.0.0.1:{self.gateway_port}/_fake-gateway/wechat/"
            ),
            GRIDCARE_FAKE_GATEWAY="true",
            GRIDCARE_LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.env_extra)
        return env

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "ab") if self.log_dir else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(argv, env=self.env(), stdout=log, stderr=log)
        self.processes[name] = process
        return process

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        return self._spawn(name, [sys.executable, "-m", "gridcare", *args])

    def start_gateway(self, timeout: float = 30.0) -> None:
        self.gateway_port = self.gateway_port or free_port()
        # The fake gateway as an outside system: its own WSGI app under gunicorn, whose
        # threads keep their database connections.
        self._spawn(
            "gateway",
            [
                sys.executable, "-m", "gunicorn", "gridcare.notify.gateway_wsgi:application",
                "--bind", f"127.0.0.1:{self.gateway_port}", "--workers", "2", "--threads", "4",
            ],
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.gateway_port}/_fake-gateway/sms/"
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(urllib.request.Request(url, data=b"{}"), timeout=1)
            except urllib.error.HTTPError:  # 400 for the empty body: it is up
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the fake gateway did not start")

    def start_worker(self, name: str, *extra: str) -> subprocess.Popen[bytes]:
        return self._start(name, "worker", "--worker-id", name, "--sweep", "1", *extra)

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up, as when a machine dies."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()
