"""The monitoring part of the demo: the year's daily facts, and the alert rules run once.

Built last, after bills, payments and the bot's chats, because the facts read them all.
The facts cover the demo year (365 days ending on its last day, `until`) and nothing after;
a later run of `gridcare demo` rebuilds them, so they end on the new yesterday. The alert
rules are then evaluated once, so the duty wall and the alerts page open with the weak
station's firing rather than empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from gridcare.demo.orders_draft import HISTORY_DAYS
from gridcare.demo.plan import LOCAL_TZ
from gridcare.monitoring.models import AlertFiring
from gridcare.monitoring.services.alerts import alerts_evaluate
from gridcare.monitoring.services.rollup import facts_rebuild
from gridcare.monitoring.services.sources import SOURCES

Progress = Callable[[str, int, int], None]


def demo_monitoring_build(*, until: dt.date, progress: Progress | None = None) -> tuple[int, int]:
    """Rebuild the facts of the demo year and evaluate the alert rules; returns (fact rows,
    firings). `progress(stage, done, total)` is told each source as it runs."""
    start = until - dt.timedelta(days=HISTORY_DAYS - 1)
    total = len(SOURCES) + 1
    done = 0

    def step(name: str) -> None:
        nonlocal done
        if progress is not None:
            progress(name, done, total)
        done += 1

    before = AlertFiring.objects.count()
    rows = facts_rebuild(start=start, end=until, progress=step)
    if progress is not None:
        progress("alert rules", total - 1, total)
    # The rules look at the windows that end when the demo's history does (midnight after
    # `until`), so what fires is the story's, not whatever today's live items add.
    alerts_evaluate(now=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), LOCAL_TZ))
    if progress is not None:
        progress("done", total, total)
    return rows, AlertFiring.objects.count() - before
