"""`gridcare service sweep` (send the SLA warnings and escalations that are due; cron or a
systemd timer can run it every minute where no `gridcare worker` runs), `gridcare service
recompute [--year Y ...]` (recompute provisional deadlines after a calendar was entered)
and `gridcare service use-policy CODE` (put an SLA policy in use)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridcare.core.errors import DomainError
from gridcare.service.services.sla import clocks_recompute, sla_policy_use
from gridcare.service.services.sla_escalation import sla_sweep


class Command(BaseCommand):
    help = "Work-order housekeeping: the SLA sweep, deadline recompute, the policy in use."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser("sweep", help="send SLA warnings and escalations that are due")
        sweep.add_argument("--now", type=dt.datetime.fromisoformat, default=None)
        recompute = sub.add_parser("recompute", help="recompute provisional SLA deadlines")
        recompute.add_argument("--year", type=int, action="append", default=[])
        use = sub.add_parser("use-policy", help="put an SLA policy in use (by code)")
        use.add_argument("code")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "sweep":
                now = options["now"]
                if now is not None and now.tzinfo is None:
                    raise CommandError("--now needs a time zone offset, e.g. +08:00")
                tally = sla_sweep(now=now)
                self.stdout.write(f"warned {tally.warned}, escalated {tally.escalated}")
            elif action == "recompute":
                done = clocks_recompute(years=options["year"] or None)
                self.stdout.write(f"recomputed {done} provisional deadlines")
            else:
                policy = sla_policy_use(actor=None, code=options["code"])
                self.stdout.write(f"in use: {policy.code}")
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
