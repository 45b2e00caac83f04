"""`gridcare monitoring rollup | alerts`: the monitoring facts and alert rules from the
command line. Each subcommand lives in gridcare.monitoring.cli.<name>."""

from __future__ import annotations

from gridcare.core.subcommands import SubcommandCommand

SUBCOMMANDS = {
    "rollup": "Rebuild the daily KPI facts for a range of days (default: the last 400 days)",
    "alerts": "Evaluate the active alert rules now and notify the responsible managers",
}


class Command(SubcommandCommand):
    help = "Monitoring: daily KPI facts and alert rules."
    package = "gridcare.monitoring.cli"
    subcommands = SUBCOMMANDS
