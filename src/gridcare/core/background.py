"""Housekeeping of the background-task queue (django-tasks, database backend).

django-tasks-db marks a task row RUNNING when a worker claims it and only that worker ever
finishes the row: a worker killed mid-task leaves it RUNNING for good. The work itself is
recovered by its owner (notifications by their lease, `notifications_recover`); this only
makes the row tell the truth, so that monitoring does not count dead tasks as running.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

WORKER_LOST = "gridcare.core.background.WorkerLost"


def tasks_lost_fail(*, now: datetime | None = None) -> int:
    """Mark as failed every task row still RUNNING `TASKS_LOST_AFTER_SECONDS` after it
    started (its worker stopped: killed or crashed). Returns how many. A task that was in
    fact still running and finishes later records its own outcome over this one."""
    now = now or timezone.now()
    after = settings.TASKS_LOST_AFTER_SECONDS
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - timedelta(seconds=after)
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=WORKER_LOST,
        traceback=f"WorkerLost: still running {after} s after it started; its worker stopped.",
    )
