"""`gridcare report monthly --month 2026-11 [--org CODE] [--out DIR]`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--org", help="org unit code (default: the whole utility)")
    parser.add_argument("--out", help="directory (default: MONITORING_REPORT_DIR)")


def handle(options: dict[str, Any], out: Any) -> None:
    raise NotImplementedError
