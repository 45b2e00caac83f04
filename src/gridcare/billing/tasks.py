"""Background entry points of the billing app (django-tasks), run by `gridcare worker`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from gridcare.billing.services.run import billing_run


@task(queue_name="default")
def billing_run_task(period: str) -> dict[str, Any]:
    """Bill the month `period` ("YYYY-MM"); returns the run's counts."""
    month = dt.datetime.strptime(period, "%Y-%m").date()
    run = billing_run(period=month)
    return {
        "run": run.pk,
        "period": period,
        "billed": run.accounts_billed,
        "unchanged": run.accounts_unchanged,
        "held": run.accounts_held,
        "total": f"{run.total:.2f}",
    }
