"""`gridcare report monthly --month 2026-11`: the monthly service report (PDF and Excel).
Each subcommand lives in gridcare.monitoring.cli.report_<name>."""

from __future__ import annotations

from typing import Any

from gridcare.core.subcommands import SubcommandCommand

SUBCOMMANDS = {
    "monthly": "Write the monthly service report of a month as PDF and Excel",
}


class Command(SubcommandCommand):
    help = "Reports: the monthly service report."
    package = "gridcare.monitoring.cli"
    subcommands = SUBCOMMANDS

    def _module(self, name: str) -> Any:
        return super()._module(f"report_{name}")
