"""`gridcare monitoring alerts`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any


def add_arguments(parser: ArgumentParser) -> None:
    pass


def handle(options: dict[str, Any], out: Any) -> None:
    raise NotImplementedError
