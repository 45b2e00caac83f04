"""`gridcare outages listen --workers N`: N listener processes behind one MQTT v5 shared
subscription (`$share/<client id>/<prefix>/events/#`), so storing uses N cores (one Python
process receives about 12,000 messages/s and stores about 6,000/s on the bench machine).

Each worker is a whole listener with its own persistent session (client id
`<client id>-<k>`): it acknowledges only after its commit, and a worker killed and started
again gets back what it had not acknowledged. This parent starts the workers, starts again
one that dies, passes SIGTERM on and adds up their summaries.

Keep N fixed for a broker: Mosquitto goes on handing a share of the messages to a member
whose session still exists, so a worker taken away for good must have its session ended
(start it once with the same id and --workers it belongs to, or wait for the session
expiry) — docs/deploy.md "Outage listener".
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any

SUMMED = ("received", "stored", "duplicates", "dead_letters", "batches", "connects", "cpu_seconds")


def listener_fleet_run(
    *, workers: int, argv: Sequence[str], say: Callable[[str], None]
) -> dict[str, Any]:
    """Run `workers` copies of `gridcare outages listen <argv> --worker-index k` until they
    all stop; a worker that dies (killed, crashed) is started again, since the broker goes
    on queueing its share for it. Their summed summary."""
    stopping = threading.Event()
    summaries: list[dict[str, Any]] = [{} for _ in range(workers)]
    processes = [_start(k, workers, argv, summaries, say) for k in range(workers)]

    def forward(signum: int, frame: Any) -> None:
        stopping.set()
        for process in processes:
            if process.poll() is None:
                process.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while any(process.poll() is None for process in processes):
        for k, process in enumerate(processes):
            code = process.poll()
            if code not in (None, 0) and not stopping.is_set():
                say(f"[{k}] exited with {code}: starting it again")
                processes[k] = _start(k, workers, argv, summaries, say)
        stopping.wait(0.5)
    total: dict[str, Any] = {key: sum(s.get(key, 0) for s in summaries) for key in SUMMED}
    total["workers"] = workers
    total["seconds"] = max((s.get("seconds", 0) for s in summaries), default=0)
    total["exit_codes"] = [process.returncode for process in processes]
    return total


def _start(
    k: int,
    workers: int,
    argv: Sequence[str],
    summaries: list[dict[str, Any]],
    say: Callable[[str], None],
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gridcare",
            "outages",
            "listen",
            *argv,
            "--worker-index",
            str(k),
            "--workers",
            str(workers),
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    relay = threading.Thread(target=_relay, args=(k, process.stdout, summaries, say), daemon=True)
    relay.start()
    return process


def _relay(
    k: int, stream: IO[str] | None, summaries: list[dict[str, Any]], say: Callable[[str], None]
) -> None:
    """A worker's lines, prefixed with its index; its last JSON line is its summary."""
    for line in stream or ():
        line = line.rstrip("\n")
        if line.startswith("{"):
            try:
                summaries[k] = json.loads(line)
                continue
            except ValueError:
                pass
        say(f"[{k}] {line}")
