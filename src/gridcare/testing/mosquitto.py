"""A Mosquitto broker of our own for tests and benchmarks: on a free port, with persistence
in a folder, so it can be restarted mid-storm without losing queued QoS 1 messages (the
system broker on 1883 is never stopped)."""

from __future__ import annotations

import getpass
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from gridcare.testing.processes import free_port

CONFIG = """\
# Started as root, Mosquitto would switch to the "mosquitto" user, which cannot write the
# persistence file in our folder: stay who we are.
user {user}
listener {port} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {folder}/
autosave_interval 1
# Storms are bursts: queue (per client) far beyond the default 1,000, or a burst beyond
# it while the listener is busy or down would be dropped by the broker.
max_queued_messages 10000000
max_queued_bytes 0
log_dest file {folder}/mosquitto.log
"""


def mosquitto_available() -> bool:
    return shutil.which("mosquitto") is not None


@dataclass
class Broker:
    folder: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, timeout: float = 10.0) -> Broker:
        self.port = self.port or free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "mosquitto.conf"
        config.write_text(CONFIG.format(port=self.port, folder=self.folder, user=getpass.getuser()))
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while not self._accepts():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mosquitto did not start on {self.port}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """SIGTERM: Mosquitto writes its persistence file (sessions, queued messages)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def restart(self, down_seconds: float = 1.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def _accepts(self) -> bool:
        with socket.socket() as probe:
            probe.settimeout(0.2)
            return probe.connect_ex(("127.0.0.1", self.port)) == 0
