"""`gridcare outages detect [--transformer CODE …] [--json]`: correlate the stored power
events now (the listener and the HTTP endpoint do it after every batch; the worker every
minute). Prints what opened, grew and was restored."""

from __future__ import annotations

import argparse
import json
from typing import IO, Any

from django.core.management.base import CommandError

from gridcare.grid.models import Transformer
from gridcare.outages.services.detect import detect_run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--transformer",
        action="append",
        default=[],
        metavar="CODE",
        help="Judge the feeders of these 台区 (repeatable; default: as the worker's sweep, "
        "every feeder with an outage open or a power event of the last hour)",
    )
    parser.add_argument("--json", action="store_true", help="One JSON line instead of text")


def handle(options: dict[str, Any], out: IO[str]) -> None:
    codes: list[str] = options["transformer"]
    transformer_ids = None
    if codes:
        found = dict(Transformer.objects.filter(code__in=codes).values_list("code", "pk"))
        unknown = sorted(set(codes) - set(found))
        if unknown:
            raise CommandError(f"outages detect: unknown transformer {', '.join(unknown)}")
        transformer_ids = list(found.values())
    result = detect_run(transformer_ids=transformer_ids)
    if options["json"]:
        out.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
        return
    out.write(
        f"feeders judged: {result.feeders}; opened: {', '.join(result.opened) or '-'}; "
        f"grown: {', '.join(result.grown) or '-'}; restored: {', '.join(result.restored) or '-'}; "
        f"customer faults: {result.customer_faults}; customers restored: "
        f"{result.customers_restored}\n"
    )
