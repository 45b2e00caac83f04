from typing import Any

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.table import Table

from gridcare.core.services import encrypted_fields_rotate


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the newest GRIDCARE_FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console()
        with console.status("Re-encrypting…"):
            counts = encrypted_fields_rotate(actor=None)
        table = Table("model", "values re-encrypted")
        for label, count in counts.items():
            table.add_row(label, str(count))
        console.print(table)
