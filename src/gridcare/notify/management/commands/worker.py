"""`gridcare worker`: run background tasks (django-tasks, database backend) and, every
`--sweep` seconds, put back notifications a dead worker left claimed, mark the task rows
it left RUNNING as failed (`core.background`) and run the periodic jobs apps registered
whose interval has passed (`core.periodic`: the SLA sweep, staff SMS recovery).

    gridcare worker              # until stopped (SIGTERM/Ctrl+C finish the current task)
    gridcare worker --batch      # run what is due, then exit (cron, tests)
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from gridcare.core.background import tasks_lost_fail
from gridcare.core.periodic import periodic_run_due
from gridcare.notify.services import notifications_recover
from gridcare.notify.tasks import worker_name

logger = logging.getLogger("gridcare.worker")


class Command(BaseCommand):
    help = "Run background tasks and recover notifications left behind by dead workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="*", help="queues to run (comma-separated, * = all)")
        parser.add_argument("--interval", type=float, default=0.5, help="poll interval, s")
        parser.add_argument("--sweep", type=float, default=15.0, help="recovery interval, s")
        parser.add_argument("--batch", action="store_true", help="run what is due, then exit")
        parser.add_argument("--worker-id", default="", help="unique id (default host:pid)")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options["worker_id"] or worker_name()
        os.environ["GRIDCARE_WORKER_ID"] = worker_id
        _recover()
        if not options["batch"]:
            threading.Thread(
                target=self._sweep, args=(options["sweep"],), daemon=True, name="sweeper"
            ).start()
        worker = Worker(
            queue_names=options["queue"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=not options["batch"],
            max_tasks=None,
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()

    def _sweep(self, interval: float) -> None:
        stop = threading.Event()
        while not stop.wait(interval):
            close_old_connections()
            try:
                _recover()
            except Exception:  # keep sweeping; the next round retries
                logger.exception("recovery failed")


def _recover() -> None:
    recovered = notifications_recover()
    if recovered:
        logger.info("recovered %d notifications", recovered)
    lost = tasks_lost_fail()
    if lost:
        logger.info("marked %d task rows of dead workers as failed", lost)
    periodic_run_due()  # jobs apps register (core.periodic): the SLA sweep every minute
