"""A management command made of subcommands (`gridcare outages listen`, `gridcare assistant
train`), each in its own module with `add_arguments(parser)` and `handle(options, out)`."""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandParser


class SubcommandCommand(BaseCommand):
    #: The package holding one module per subcommand (`gridcare.outages.cli`).
    package: ClassVar[str]
    #: Subcommand name → its one-line help.
    subcommands: ClassVar[dict[str, str]]

    def _module(self, name: str) -> Any:
        return importlib.import_module(f"{self.package}.{name}")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, text in self.subcommands.items():
            child = sub.add_parser(name, help=text, description=text)
            self._module(name).add_arguments(child)

    def handle(self, *args: Any, **options: Any) -> None:
        self._module(options["subcommand"]).handle(options, self.stdout)
