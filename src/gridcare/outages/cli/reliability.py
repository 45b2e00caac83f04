"""`gridcare outages reliability --from DATE --to DATE [--feeder CODE] [--station CODE] [--json]`.

Both dates are Beijing calendar days and both are included. --json prints one line:
customers_served, saifi, saidi_minutes, caidi_minutes, asai, rs1, rs3 first, then the
planned / unplanned split and the major event days with the figures without them.
"""

from __future__ import annotations

import argparse
import json
from typing import IO, Any

from django.core.management.base import CommandError

from gridcare.core.errors import DomainError
from gridcare.core.params import parse_date
from gridcare.outages.engine.reliability import Indices, Report
from gridcare.outages.selectors.reliability import reliability_selection, reliability_total


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="from_day", required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="to_day", required=True, help="last day (included)")
    parser.add_argument("--feeder", default="", help="only this 10 kV feeder (its code)")
    parser.add_argument("--station", default="", help="only this supply station (org unit code)")
    parser.add_argument("--json", action="store_true", help="one JSON line instead of a table")


def handle(options: dict[str, Any], out: IO[str]) -> None:
    try:
        start = parse_date(options["from_day"], field="from")
        end = parse_date(options["to_day"], field="to")
        assert start is not None, "required argument"
        assert end is not None, "required argument"
        selection = reliability_selection(
            user=None,
            start_day=start,
            end_day=end,
            feeder_code=options["feeder"],
            station_code=options["station"],
        )
        report = reliability_total(selection)
    except DomainError as exc:
        raise CommandError(f"{exc.code}: {exc.message}") from exc
    if options["json"]:
        out.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
        return
    out.write(_table(report, title=f"{start} … {end}" + _where(options)))


def _where(options: dict[str, Any]) -> str:
    parts = [f"feeder {options['feeder']}" if options["feeder"] else ""]
    parts.append(f"station {options['station']}" if options["station"] else "")
    return "".join(f", {p}" for p in parts if p)


def _line(name: str, figures: Indices) -> str:
    return (
        f"{name:<22}{figures.customer_interruptions:>8}{figures.saifi:>10.4f}"
        f"{figures.saidi_minutes:>12.2f}{figures.caidi_minutes:>12.2f}{figures.rs_percent:>11.4f}%\n"
    )


def _table(report: Report, *, title: str) -> str:
    meds = report.major_events
    threshold = "—" if meds.threshold_minutes is None else f"{meds.threshold_minutes:.2f} min"
    return (
        f"Reliability {title}: {report.all.customers_served} customers served, "
        f"{report.all.period_hours:.0f} h\n"
        f"{'':<22}{'CI':>8}{'SAIFI':>10}{'SAIDI min':>12}{'CAIDI min':>12}{'RS':>12}\n"
        + _line("RS-1 (all)", report.all)
        + _line("RS-3 (w/o limited)", report.without_limited_supply)
        + _line("planned", report.planned)
        + _line("unplanned", report.unplanned)
        + _line("without MEDs", report.without_major_events)
        + f"major event days (T_MED {threshold}): "
        + (", ".join(d.isoformat() for d in meds.days) or "none")
        + "\n"
    )
