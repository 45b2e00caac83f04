"""`gridcare monitoring rollup [--from DATE] [--to DATE]`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: today)")


def handle(options: dict[str, Any], out: Any) -> None:
    raise NotImplementedError
