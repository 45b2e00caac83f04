"""Reads of billing runs and their holds (the CLI and the console's run pages)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from gridcare.billing.choices import RunStatus
from gridcare.billing.models import Bill, BillingHold, BillingRun


def run_latest(*, period: dt.date) -> BillingRun | None:
    """The newest run of the month that finished (or the newest at all)."""
    runs = BillingRun.objects.filter(period=period).order_by("-started_at", "-pk")
    return runs.filter(status=RunStatus.DONE).first() or runs.first()


def run_holds(*, run: BillingRun) -> QuerySet[BillingHold]:
    """The accounts the run held, with why, by account number."""
    return (
        BillingHold.objects.filter(run=run)
        .select_related("account")
        .order_by("reason", "account__number")
    )


def bill_by_number(*, number: str) -> Bill | None:
    """A bill with its lines and events (the CLI's `billing show`)."""
    return (
        Bill.objects.filter(number=number)
        .select_related("account", "replaces")
        .prefetch_related("lines", "events")
        .first()
    )
