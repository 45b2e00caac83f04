"""Periodic jobs run by `gridcare worker` (its sweeper thread) without importing upwards.

An app registers a job in its `AppConfig.ready` (`periodic_register("service.sla_sweep",
fn, every=60)`); the worker, which lives in a lower app, only calls `periodic_run_due()`
every sweep round. Each worker process keeps its own "last run"; jobs must therefore be
safe to run in several processes at once (claim by compare-and-set), as the SLA sweep is.
`gridcare worker --batch` runs every registered job once, for cron or a systemd timer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger("gridcare.worker")


@dataclass
class PeriodicJob:
    name: str
    run: Callable[[], object]
    every: float
    last_started: float | None = None


_jobs: dict[str, PeriodicJob] = {}
_lock = threading.Lock()


def periodic_register(name: str, run: Callable[[], object], *, every: float) -> None:
    """Run `run()` every `every` seconds in each worker (registering a name again replaces it)."""
    with _lock:
        _jobs[name] = PeriodicJob(name=name, run=run, every=every)


def periodic_jobs() -> list[str]:
    return sorted(_jobs)


def periodic_run_due(*, clock: Callable[[], float] = time.monotonic) -> list[str]:
    """Run the jobs whose interval has passed (all of them the first time); a failing job is
    logged and tried again next interval. Returns the names run."""
    now = clock()
    with _lock:
        due = [
            job
            for job in _jobs.values()
            if job.last_started is None or now - job.last_started >= job.every
        ]
        for job in due:
            job.last_started = now
    for job in due:
        try:
            job.run()
        except Exception:  # the next interval retries; the worker keeps running
            logger.exception("periodic job %s failed", job.name)
    return [job.name for job in due]
