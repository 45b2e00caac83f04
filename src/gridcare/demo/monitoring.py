"""The monitoring part of the demo: the year's daily facts, and a month of alert-rule nights.

Built last, after bills, payments and the bot's chats, because the facts read them all.
The facts cover the demo year (365 days ending on its last day, `until`) and nothing after;
a later run of `gridcare demo` rebuilds them, so they end on the new yesterday. The alert
rules are then replayed over the last month's nights, so the alerts page opens with the
weak station's firings rather than empty.
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

#: The nights of alert evaluation the demo replays.
ALERT_DAYS = 30


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
    # The rules are run as the worker would have run them each night of the last month
    # (windows ending at each midnight up to the one after `until`), so the alerts page
    # shows the month's firings at their own times — the weak station's missed
    # commitments — and its managers' 我的提醒 a handful of notices, not a year of them.
    for back in range(ALERT_DAYS - 1, -1, -1):
        midnight = dt.datetime.combine(until - dt.timedelta(days=back - 1), dt.time(), LOCAL_TZ)
        alerts_evaluate(now=midnight)
    if progress is not None:
        progress("done", total, total)
    return rows, AlertFiring.objects.count() - before
