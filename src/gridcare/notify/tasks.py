"""Background entry points (django-tasks, database backend), run by `gridcare worker`."""

from __future__ import annotations

import os
import socket

from django_tasks import task

from gridcare.notify import queue, services


def worker_name() -> str:
    return os.environ.get("GRIDCARE_WORKER_ID") or f"{socket.gethostname()}:{os.getpid()}"


@task(queue_name="notify")
def deliver_notifications_task(ids: list[int]) -> dict[str, int]:
    """Deliver these notifications (those still due; see `services.notifications_deliver`)."""
    return services.notifications_deliver(ids=ids, worker=worker_name()).to_dict()


queue.delivery_task_register(deliver_notifications_task)


@task(queue_name="notify")
def send_staff_sms_task(ids: list[int]) -> int:
    """Send these staff notices' SMS (those still pending; see `services.staff_sms_deliver`)."""
    return services.staff_sms_deliver(ids=ids)


queue.staff_sms_task_register(send_staff_sms_task)
