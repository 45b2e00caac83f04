"""`gridcare demo`: migrate, build the demo county utility once, print the logins, serve."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from gridcare.assistant.services.model import nlu_model
from gridcare.billing.payments.demo_keys import demo_keys_ensure
from gridcare.core.errors import DomainError
from gridcare.demo.assistant import demo_assistant_create
from gridcare.demo.billing import BILLED_MONTHS, demo_bills_create
from gridcare.demo.generator import BUILD_STEPS, DemoInfo, demo_build, demo_bureau, demo_find
from gridcare.demo.logins import BASE_URL, demo_accounts, login_rows
from gridcare.demo.meter_data import (
    ReadingDays,
    demo_reading_days,
    demo_reading_days_stored,
    demo_readings_load,
)
from gridcare.demo.monitoring import demo_monitoring_build
from gridcare.demo.outages_live import demo_live_outage_create
from gridcare.demo.plan import DEFAULT_SEED, DemoPlan, parse_size
from gridcare.demo.readings import DEMO_DAYS
from gridcare.demo.reset import demo_reset

COUNT_LABELS = (
    ("org_units", "org units (供电局/供电所/班组)"),
    ("substations", "substations (110 kV)"),
    ("feeders", "feeders (10 kV)"),
    ("transformers", "transformers (台区)"),
    ("meters", "meters (incl. 台区总表)"),
    ("customers", "customers"),
    ("accounts", "accounts (户号)"),
    ("consent_records", "consent records"),
    ("wechat_identities", "WeChat identities"),
    ("work_orders", "work orders (工单: a year, and today's open ones)"),
)


def parse_bill_months(value: str) -> int:
    """`--bill-months`: 0 (no bills) to 13 (a year and the month before it)."""
    try:
        months = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 0 <= months <= BILLED_MONTHS:
        raise argparse.ArgumentTypeError(f"{months}: from 0 to {BILLED_MONTHS} months")
    return months


def parse_until(value: str) -> dt.date:
    """`--until`: a past day as YYYY-MM-DD (today's readings are not complete yet)."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("until must be a date as YYYY-MM-DD") from None
    if day >= timezone.localdate():
        raise argparse.ArgumentTypeError("until must be before today (Beijing time)")
    return day


class Command(BaseCommand):
    help = (
        "Build the deterministic demo county utility (青溪县供电局) on the configured database, "
        "print its logins and serve it with gunicorn at http://127.0.0.1:PORT. Runs migrate and "
        "collectstatic first. Building again finds the existing demo and changes nothing; "
        "--reset deletes the demo's own rows (its org units, network, accounts, their customers "
        "and the demo logins; never other data, never the audit log) and builds it anew. "
        "All demo logins share the password printed in the table. Meter readings, contacts "
        "and notices end yesterday (or on --until), so every page looks current; rerun on a "
        "later day, it adds the readings of the days since."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            type=parse_size,
            default=1.0,
            help="small (≈1/10), default (≈12,000 accounts), large (×4) or a factor, e.g. 2",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same data")
        parser.add_argument("--port", type=int, default=8000, help="port to serve on")
        parser.add_argument("--no-serve", action="store_true", help="build and print only")
        parser.add_argument(
            "--days",
            type=int,
            default=DEMO_DAYS,
            help=f"days of 15-minute meter readings to load (default {DEMO_DAYS}; 0: none)",
        )
        parser.add_argument(
            "--bill-months",
            type=parse_bill_months,
            default=BILLED_MONTHS,
            help=f"months of bills and payments ending with the last complete one "
            f"(default {BILLED_MONTHS}; 0: none)",
        )
        parser.add_argument(
            "--until",
            type=parse_until,
            default=None,
            help="last day of the demo's data, YYYY-MM-DD (default yesterday); the same seed "
            "and day give the same data",
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete the existing demo first, then build"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            # A fictional county (with logins of a known password, and live orders made by
            # moving the clock) has no place in a real utility's database.
            raise CommandError("GRIDCARE_PRODUCTION=true: the demo utility is not built here")
        # Rich writes partial lines; Django's wrapper would otherwise end each with "\n".
        self.stdout.ending = ""
        # Logs and pipes get a width that fits the login URLs instead of rich's 80 columns.
        width = None if self.stdout.isatty() else 120
        console = Console(file=cast("IO[str]", self.stdout), highlight=False, width=width)
        plan = DemoPlan(seed=options["seed"], factor=options["size"])
        until = options["until"] or timezone.localdate() - dt.timedelta(days=1)
        with console.status("Migrating the database and collecting static files…"):
            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
        if options["reset"] and demo_bureau() is not None:
            self._reset(console)
        info = demo_find()
        if info is None:
            info = self._build(console, plan, until)
        else:
            self._report_existing(console, info, plan)
        wanted = demo_reading_days(until=until, days=options["days"])
        missing = wanted.without(demo_reading_days_stored())
        if len(missing):
            # Days added to an existing demo follow the seed it was built with.
            seed = info.seed if info.seed is not None else plan.seed
            self._load_readings(console, seed, missing)
        seed = info.seed if info.seed is not None else plan.seed
        if options["bill_months"]:
            self._bill(
                console,
                seed,
                until,
                with_readings=options["days"] > 0,
                months=options["bill_months"],
            )
        self._live_outage(console, info)
        self._assistant(console, until)
        self._monitoring(console, until)
        self._print_logins(console, info, options["port"])
        if not options["no_serve"]:
            self._serve(console, options["port"])

    def _assistant(self, console: Console, until: dt.date) -> None:
        with console.status("Assistant: the language model and a week of chats with the bot…"):
            nlu_model()  # trained here on a fresh machine, not on the first chat message
            played = demo_assistant_create(until=until)
        if played:
            console.print(f"Assistant: {played} conversations with the bot (see 智能客服).")

    def _monitoring(self, console: Console, until: dt.date) -> None:
        with Progress(*self._columns(), console=console) as progress:
            task = progress.add_task("Monitoring: the year's daily facts", total=1)

            def report(stage: str, done: int, total: int) -> None:
                progress.update(
                    task, description=f"Monitoring: {stage}", completed=done, total=total
                )

            rows, fired = demo_monitoring_build(until=until, progress=report)
        console.print(
            f"Monitoring: {rows:,} daily facts up to {until}, {fired} alert(s) fired "
            "(see 值班大屏 and 告警)."
        )

    def _live_outage(self, console: Console, info: DemoInfo) -> None:
        with console.status("Tripping the live feeder (power events through detection)…"):
            outage = demo_live_outage_create(tree=info.tree, now=timezone.now())
        if outage is None:
            return
        etr = timezone.localtime(outage.etr_at).strftime("%H:%M") if outage.etr_at else "—"
        console.print(
            f"Live outage {outage.number}: {outage.affected_count:,} customers off on "
            f"{outage.feeder.name if outage.feeder else '—'} since "
            f"{timezone.localtime(outage.starts_at):%H:%M}, estimated restoration {etr}."
        )

    def _reset(self, console: Console) -> None:
        try:
            deleted = demo_reset()
        except (ProtectedError, RestrictedError) as exc:
            # Another app has attached rows (bills, work orders…) to demo accounts.
            raise CommandError(
                f"cannot reset the demo, nothing was deleted: {exc.args[0]}"
            ) from exc
        console.print(f"Deleted the existing demo ({sum(deleted.values()):,} rows).")

    @staticmethod
    def _columns() -> tuple[ProgressColumn, ...]:
        return (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
        )

    def _build(self, console: Console, plan: DemoPlan, until: dt.date) -> DemoInfo:
        columns = self._columns()
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("Building the demo utility", total=len(BUILD_STEPS))

            def on_step(description: str) -> None:
                done = BUILD_STEPS.index(description)
                progress.update(task, description=description, completed=done)

            try:
                info = demo_build(plan=plan, until=until, on_step=on_step)
            except DomainError as exc:
                raise CommandError(f"cannot build the demo: {exc.message} ({exc.code})") from exc
            except ValidationError as exc:
                raise CommandError(f"cannot build the demo: {exc}") from exc
            progress.update(task, description="Demo utility built", completed=len(BUILD_STEPS))
        console.print(self._counts_table(info))
        return info

    def _load_readings(self, console: Console, seed: int, wanted: ReadingDays) -> None:
        columns = self._columns()
        with Progress(*columns, console=console) as progress:
            tasks: dict[str, Any] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(f"Meter readings: {stage}", total=total)
                progress.update(tasks[stage], completed=done, total=total)

            batch = demo_readings_load(seed=seed, wanted=wanted, progress=report)
        report_counts = batch.report
        span = ""
        if wanted.recent:
            span = f" {wanted.recent[0]} – {wanted.recent[-1]}"
        if wanted.last_year:
            span += (
                f"; {wanted.last_year[0]:%Y-%m} for the "
                f"{len(wanted.last_year_transformers)} 台区 on the demo customer's feeder"
            )
        console.print(
            f"Meter readings: {report_counts.get('accepted', 0):,} stored, "
            f"{report_counts.get('estimated', 0):,} gap values estimated, "
            f"{len(wanted)} days ({span.strip()})."
        )

    def _bill(
        self, console: Console, seed: int, until: dt.date, *, with_readings: bool, months: int
    ) -> None:
        if settings.PAY_DEMO_GATEWAY:
            # The demo gateway's keys (both providers' and the merchant's), generated here so
            # the demo's first payment runs the production code path with them.
            demo_keys_ensure(settings.PAY_DEMO_KEYS_DIR)
        with Progress(*self._columns(), console=console) as progress:
            task = progress.add_task(
                f"Billing: {months} months of bills and payments", total=months
            )

            def report(stage: str, done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            billed = demo_bills_create(
                seed=seed, until=until, with_readings=with_readings, months=months, progress=report
            )
        if billed:
            console.print(
                f"Billing: {len(billed)} months billed, {billed[0]:%Y-%m} – {billed[-1]:%Y-%m}."
            )

    def _report_existing(self, console: Console, info: DemoInfo, plan: DemoPlan) -> None:
        built = (
            f"size {info.factor}, seed {info.seed}" if info.factor is not None else "unknown size"
        )
        if info.counts["accounts"] != plan.accounts or info.seed not in (None, plan.seed):
            console.print(
                f"[yellow]A demo with {info.counts['accounts']:,} accounts ({built}) already "
                f"exists; the requested one would have {plan.accounts:,} (size {plan.factor}, "
                f"seed {plan.seed}). Keeping the existing demo; add --reset to rebuild it.[/]"
            )
        else:
            console.print(
                f"The demo utility already exists ({info.counts['accounts']:,} accounts); "
                "nothing to build."
            )

    def _counts_table(self, info: DemoInfo) -> Table:
        table = Table(title="青溪县供电局 demo utility")
        table.add_column("what")
        table.add_column("count", justify="right")
        for key, label in COUNT_LABELS:
            table.add_row(label, f"{info.counts.get(key, 0):,}")
        for key, value in info.counts.items():
            if key.startswith("accounts."):
                table.add_row(f"  {key.removeprefix('accounts.')}", f"{value:,}")
        return table

    def _print_logins(self, console: Console, info: DemoInfo, port: int) -> None:
        base = BASE_URL.format(port=port)
        table = Table(title=f"Demo logins at {base}")
        for column in ("角色", "role", "username", "password", "log in at"):
            table.add_column(column)
        for row in login_rows():
            where = "\n".join(base + path for path in row.paths)
            table.add_row(
                row.role_label("zh-hans"), row.role_label("en"), row.username, row.password, where
            )
        console.print(table)
        accounts = demo_accounts(info.tree.stations)
        console.print(f"Accounts (户号) bound to the demo customer: {', '.join(accounts.bound)}")
        console.print(
            "Try binding (same registered mobile; the simulated SMS code is shown on the page): "
            + ", ".join(accounts.to_bind)
        )

    def _serve(self, console: Console, port: int) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        if not gunicorn.exists():
            raise CommandError(f"gunicorn not found next to {sys.executable}")
        console.print(f"Serving at http://127.0.0.1:{port} (Ctrl-C stops).")
        self.stdout.flush()
        connections.close_all()
        # The background worker (notifications) and the outage listener run beside the
        # server, in the same process group, so the Ctrl-C that stops gunicorn stops them.
        env = dict(os.environ)
        for channel in ("sms", "wechat"):
            env.setdefault(
                f"GRIDCARE_{channel.upper()}_GATEWAY_URL",
                f"http://127.0.0.1:{port}/_fake-gateway/{channel}/",
            )
        subprocess.Popen([sys.executable, "-m", "gridcare", "worker"], env=env)
        # The power-event listener too, so `gridcare outages simulate --feeder <code>` trips
        # a demo feeder live (it waits and reconnects while no broker answers).
        subprocess.Popen([sys.executable, "-m", "gridcare", "outages", "listen"], env=env)
        argv = [str(gunicorn), "gridcare.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        argv += ["--workers", "2", "--access-logfile", "-"]
        # Replacing this process hands the terminal (and Ctrl-C) straight to gunicorn.
        os.execv(gunicorn, argv)
