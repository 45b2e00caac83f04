"""Background entry points of the service app (django-tasks), run by `gridcare worker`."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

from gridcare.service.services.sla_escalation import sla_sweep
from gridcare.service.services.visit_rating import visits_expire

logger = logging.getLogger("gridcare.worker")


@task(queue_name="default")
def sla_sweep_task(now: str | None = None) -> dict[str, int]:
    """Send the SLA warnings and escalations that are due (at `now`, ISO, default: now)."""
    when = dt.datetime.fromisoformat(now) if now else None
    return sla_sweep(now=when).to_dict()


def sla_sweep_periodic() -> None:
    """What `gridcare worker` runs every minute (core.periodic): the sweep, in-process."""
    tally = sla_sweep()
    if tally.warned or tally.escalated:
        logger.info("SLA sweep: %d warned, %d escalated", tally.warned, tally.escalated)


def visits_expire_periodic() -> None:
    """What `gridcare worker` runs every few minutes: return visits past their due time
    close as "no answer" and their orders are archived."""
    closed = visits_expire()
    if closed:
        logger.info("Return visits: %d closed without an answer", closed)
