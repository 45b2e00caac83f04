"""`gridcare outages listen | simulate | detect | reliability …`: outage management from the
command line. Each subcommand lives in gridcare.outages.cli.<name>."""

from __future__ import annotations

from gridcare.core.subcommands import SubcommandCommand

SUBCOMMANDS = {
    "listen": "Subscribe to the power-event topics (MQTT, QoS 1) and store what arrives",
    "simulate": "Replay a storm of power events (feeder trip, planned outage, lone faults)",
    "detect": "Correlate the stored events now (the listener does this after every batch)",
    "reliability": "Reliability indices (SAIFI, SAIDI, CAIDI, ASAI, RS-1, RS-3) for a period",
}


class Command(SubcommandCommand):
    help = "Outages: event listener, simulator, detection and reliability indices."
    package = "gridcare.outages.cli"
    subcommands = SUBCOMMANDS
