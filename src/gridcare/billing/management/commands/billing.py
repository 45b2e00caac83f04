"""`gridcare billing run --period 2026-11` (bill a month), `gridcare billing holds --period
2026-11` (the accounts its last run held, with why), `gridcare billing quote --tariff CODE
--month YYYY-MM (--kwh N | --peak N --flat N --valley N [--critical N]) [--max-demand-kw N]
[--json]` (电费试算) and `gridcare billing show NUMBER` (one bill with its lines)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gridcare.billing.models import BillingRun
from gridcare.billing.selectors.runs import bill_by_number, run_holds, run_latest
from gridcare.billing.services.cycle import cycle_run
from gridcare.billing.services.quote import Quote, quote
from gridcare.billing.services.run import billing_run
from gridcare.core.errors import DomainError

#: Holds printed after a run; `billing holds` lists them all.
HOLDS_SHOWN = 50


def month_arg(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a month: YYYY-MM, e.g. 2026-11"
        ) from None


def amount_arg(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of at least 0")
    return value


def day_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Billing: run a month, list its holds, run the daily cycle, quote a month's usage, "
        "show a bill."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="bill every account for a month")
        run.add_argument("--period", type=month_arg, required=True, help="YYYY-MM")
        holds = sub.add_parser("holds", help="accounts the month's last run could not bill")
        holds.add_argument("--period", type=month_arg, required=True, help="YYYY-MM")
        cycle = sub.add_parser(
            "cycle", help="the daily arrears and prepaid cycle (what the worker runs hourly)"
        )
        cycle.add_argument("--day", type=day_arg, default=None, help="YYYY-MM-DD (default today)")
        show = sub.add_parser("show", help="one bill with its lines")
        show.add_argument("number")
        q = sub.add_parser("quote", help="what a month's usage costs on a tariff (电费试算)")
        q.add_argument("--tariff", required=True, help="tariff code, e.g. GZ-RES-TIER")
        q.add_argument("--month", type=month_arg, required=True, help="YYYY-MM")
        q.add_argument("--kwh", type=amount_arg, help="the month's kWh (single-price tariffs)")
        for name in ("peak", "flat", "valley"):
            q.add_argument(f"--{name}", type=amount_arg, help=f"{name} kWh")
        q.add_argument("--critical", type=amount_arg, help="critical-peak (尖峰) kWh")
        q.add_argument("--max-demand-kw", type=amount_arg, help="maximum demand, kW (two-part)")
        q.add_argument("--capacity-kva", type=amount_arg, help="capacity, kVA (two-part)")
        q.add_argument("--json", action="store_true", help="one line of JSON")
        self._quote_parser = q

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "quote":
                self._quote(options)
            elif action == "run":
                self._run(options["period"])
            elif action == "holds":
                self._holds(options["period"])
            elif action == "cycle":
                summary = cycle_run(today=options["day"] or timezone.localdate())
                self.stdout.write(json.dumps(summary.to_dict(), ensure_ascii=False))
            else:
                self._show(options["number"])
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _console(self) -> Console:
        # rich writes partial lines; Django's OutputWrapper would end each with a newline.
        return Console(file=cast(IO[str], self.stdout._out), soft_wrap=True)

    def _quote(self, options: dict[str, Any]) -> None:
        tou = [options[b] for b in ("peak", "flat", "valley")]
        if options["kwh"] is not None and (any(v is not None for v in tou) or options["critical"]):
            self._quote_parser.error("give either --kwh or --peak/--flat/--valley, not both")
        if options["kwh"] is None and any(v is None for v in tou):
            self._quote_parser.error("give --kwh N, or all of --peak N --flat N --valley N")
        result = quote(
            tariff_code=options["tariff"],
            month=options["month"],
            kwh=options["kwh"],
            peak=options["peak"],
            flat=options["flat"],
            valley=options["valley"],
            critical=options["critical"],
            max_demand_kw=options["max_demand_kw"],
            capacity_kva=options["capacity_kva"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            _print_quote(self._console(), result)

    def _run(self, period: dt.date) -> None:
        console = self._console()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            tasks: dict[str, Any] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=max(total, 1))
                progress.update(tasks[stage], completed=done, total=max(total, 1))

            run = billing_run(period=period, progress=report)
        table = Table(title=f"Billing run {run.pk}, {period:%Y-%m}")
        table.add_column("accounts")
        table.add_column("count", justify="right")
        table.add_row("billed", f"{run.accounts_billed:,}")
        table.add_row("unchanged", f"{run.accounts_unchanged:,}")
        table.add_row("held", f"{run.accounts_held:,}")
        console.print(table)
        console.print(f"Total billed by this run: ¥{run.total:,.2f}")
        self._print_holds(console, run, limit=HOLDS_SHOWN)

    def _holds(self, period: dt.date) -> None:
        run = run_latest(period=period)
        if run is None:
            raise CommandError(f"no billing run for {period:%Y-%m}")
        console = self._console()
        console.print(f"Run {run.pk} ({run.status}) held {run.accounts_held:,} accounts")
        self._print_holds(console, run, limit=None)

    def _print_holds(self, console: Console, run: BillingRun, *, limit: int | None) -> None:
        holds = run_holds(run=run)
        shown = holds[:limit] if limit is not None else holds
        for hold in shown:
            console.print(f"{hold.account.number}  {hold.reason}  {hold.detail}", highlight=False)
        if limit is not None and run.accounts_held > limit:
            console.print(
                f"… {run.accounts_held - limit:,} more: gridcare billing holds"
                f" --period {run.period:%Y-%m}"
            )

    def _show(self, number: str) -> None:
        bill = bill_by_number(number=number)
        if bill is None:
            raise CommandError(f"no bill {number}")
        console = self._console()
        console.print(
            f"{bill.number}  {bill.account.number}  {bill.period:%Y-%m}"
            f" ({bill.period_start}–{bill.period_end})  {bill.get_kind_display()}"
            f"  {bill.get_status_display()}  due {bill.due_date}",
            highlight=False,
        )
        if bill.replaces:
            console.print(f"replaces {bill.replaces.number}")
        table = _lines_table()
        for line in bill.lines.all():
            table.add_row(
                line.item, str(line.quantity), line.unit, str(line.unit_price), str(line.amount)
            )
        table.add_row("total", "", "", "", str(bill.total))
        console.print(table)
        if bill.has_estimates:
            console.print("includes estimated readings")


def _lines_table() -> Table:
    table = Table()
    for name in ("item", "quantity", "unit", "unit price", "amount"):
        table.add_column(name, justify="left" if name in ("item", "unit") else "right")
    return table


def _print_quote(console: Console, result: Quote) -> None:
    table = _lines_table()
    table.title = f"{result.tariff_code} {result.month:%Y-%m}"
    for line in result.lines:
        table.add_row(
            line.item, str(line.quantity), line.unit, str(line.unit_price), str(line.amount)
        )
    table.add_row("total", "", "", "", str(result.total))
    console.print(table)
