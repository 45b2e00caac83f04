"""The delivery queue: how notify's services hand messages to `gridcare worker`.

`tasks.py` imports the services (a task runs one use case), and the services must enqueue
that task in their own transaction (rule 6 of `services`). Importing `tasks` back from the
services made a cycle, hidden in function-level imports. Instead the services call
`delivery_enqueue` here, and `tasks.py` registers the task it defines when it is imported
(`NotifyConfig.ready` imports it, so it is registered before any request or worker runs).
This module imports neither side; import-linter keeps it so (`[tool.importlinter]`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django_tasks.base import Task

_delivery: Task[..., Any] | None = None


def delivery_task_register(task: Task[..., Any]) -> None:
    """Called once by `notify.tasks`: the task that delivers notifications by id."""
    global _delivery
    _delivery = task


def delivery_enqueue(ids: Sequence[int], *, run_after: datetime | None = None) -> None:
    """One delivery task per `NOTIFY_TASK_BATCH` ids, to run now or from `run_after`."""
    if _delivery is None:
        raise RuntimeError("notify.tasks is not loaded (NotifyConfig.ready imports it)")
    task = _delivery if run_after is None else _delivery.using(run_after=run_after)
    size = settings.NOTIFY_TASK_BATCH
    for i in range(0, len(ids), size):
        task.enqueue(ids=list(ids[i : i + size]))


_staff_sms: Task[..., Any] | None = None


def staff_sms_task_register(task: Task[..., Any]) -> None:
    """Called once by `notify.tasks`: the task that sends staff notices' SMS by id."""
    global _staff_sms
    _staff_sms = task


def staff_sms_enqueue(ids: Sequence[int], *, run_after: datetime | None = None) -> None:
    """Send these staff notices' SMS in the background (in the caller's transaction)."""
    if _staff_sms is None:
        raise RuntimeError("notify.tasks is not loaded (NotifyConfig.ready imports it)")
    if not ids:
        return
    task = _staff_sms if run_after is None else _staff_sms.using(run_after=run_after)
    task.enqueue(ids=list(ids))
