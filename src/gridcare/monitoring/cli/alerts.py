"""`gridcare monitoring alerts [--now ISO]`: evaluate the active alert rules once (as the
worker does every MONITORING_ALERT_SECONDS) and print what fired. A rule fires once per
window and subject, so running it again in the same window prints nothing new."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import IO, Any, cast

from django.core.management.base import CommandError
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from gridcare.monitoring.services.alerts import alerts_evaluate


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        help="evaluate as of this time, ISO 8601 (default: now; local time when no offset)",
    )


def _now(raw: str | None) -> dt.datetime:
    if not raw:
        return timezone.now()
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--now 应为 ISO 8601 时间，例如 2026-11-21T10:00：{raw}") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def handle(options: dict[str, Any], out: Any) -> None:
    now = _now(options.get("now"))
    fired = alerts_evaluate(now=now)
    # rich writes partial lines; Django's OutputWrapper would end each with a newline.
    console = Console(file=cast(IO[str], out._out), width=160, highlight=False)
    if not fired:
        console.print(f"No alert fired at {timezone.localtime(now):%Y-%m-%d %H:%M}.")
        return
    table = Table(title=f"Alerts fired at {timezone.localtime(now):%Y-%m-%d %H:%M}")
    for column in ("rule", "subject", "value", "baseline", "threshold", "window", "notified"):
        table.add_column(
            column, justify="right" if column in {"value", "baseline"} else "left", no_wrap=True
        )
    for firing in fired:
        table.add_row(
            firing.rule.code,
            firing.subject_label or firing.subject,
            f"{firing.value:.1f}",
            "" if firing.baseline is None else f"{firing.baseline:.1f}",
            f"{firing.threshold:g}",
            f"{timezone.localtime(firing.window_start):%m-%d %H:%M}"
            f"–{timezone.localtime(firing.window_end):%m-%d %H:%M}",
            str(firing.notified),
        )
    console.print(table)
