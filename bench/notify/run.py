"""Benchmark: outage notices from enqueue to delivered at the fake gateway, with real
processes (the gateway under gunicorn, `gridcare worker` × N) on PostgreSQL.

    .venv/bin/python -m bench.notify.run                      # 10,000 messages, 2 workers
    .venv/bin/python -m bench.notify.run --messages 2000 --workers 1
    .venv/bin/python -m bench.notify.run --kill               # SIGKILL a worker half-way

Creates (or empties) the database in `--db` (default `gridcare_bench_notify` on the local
PostgreSQL), migrates it, makes 1,000 customers, enqueues the messages in one bulk send
and times until every one is `sent`. Prints a table and writes it to var/bench/notify.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 30.0


def _prepare_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _customers(count: int) -> list[int]:
    from gridcare.customers.models import Customer

    rows = [Customer(kind="person", name=f"客户{i}", mobile=f"139{i:08d}") for i in range(count)]
    return [c.pk for c in Customer.objects.bulk_create(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill", action="store_true", help="SIGKILL one worker half-way")
    parser.add_argument(
        "--db", default="postgresql://postgres@127.0.0.1:5432/gridcare_bench_notify"
    )
    args = parser.parse_args()

    _prepare_database(args.db)
    os.environ["GRIDCARE_DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Sum
    from rich.console import Console
    from rich.table import Table

    from gridcare.notify.models import GatewayReceipt, Notification
    from gridcare.notify.services import MessageRequest, notifications_enqueue, template_publish
    from gridcare.testing.processes import Fleet, wait_until

    console = Console()
    call_command("migrate", verbosity=0)
    customers = _customers(1_000)
    template_publish(
        actor=None, code="outage.planned", channel="sms", purpose="outage", urgent=True,
        body="尊敬的客户，您所在区域将于{start}停电，预计{end}恢复。",
    )  # fmt: skip
    requests = [
        MessageRequest(customers[i % len(customers)], f"bench:{i}", {"start": "9:00", "end": "17:00"})
        for i in range(args.messages)
    ]  # fmt: skip
    from django.conf import settings

    settings.NOTIFY_CUSTOMER_DAILY_LIMIT = args.messages
    logs = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    fleet = Fleet(args.db, log_dir=logs)
    fleet.start_gateway()
    sent = Notification.objects.filter(status="sent")
    started = time.perf_counter()
    notifications_enqueue(actor=None, requests=requests, template_code="outage.planned")
    enqueued = time.perf_counter() - started
    try:
        for i in range(args.workers):
            fleet.start_worker(f"w{i + 1}")
        killed = ""
        if args.kill:
            wait_until(lambda: sent.count() >= args.messages // 2, timeout=600)
            fleet.kill("w1")
            killed = f", w1 killed at {sent.count():,}"
            fleet.start_worker("w1-restarted")
        done = wait_until(lambda: sent.count() == args.messages, timeout=900, step=0.1)
        seconds = time.perf_counter() - started
    finally:
        fleet.stop()
    receipts = GatewayReceipt.objects.count()
    resent = GatewayReceipt.objects.aggregate(n=Sum("duplicates"))["n"] or 0
    lost = args.messages - receipts
    table = Table(title=f"notify: {args.messages:,} messages, {args.workers} workers{killed}")
    for column in ("measure", "value", "target"):
        table.add_column(column)
    rows = [
        ("enqueue (one bulk send, in one transaction)", f"{enqueued:.2f} s", ""),
        ("enqueue → all delivered at the gateway", f"{seconds:.2f} s" + ("" if done else " (timed out)"), f"< {TARGET_SECONDS:.0f} s"),
        ("messages per second", f"{args.messages / seconds:,.0f}", ""),
        ("delivered (distinct keys at the gateway)", f"{receipts:,}", f"{args.messages:,}"),
        ("lost", f"{lost:,}", "0"),
        ("duplicates delivered", "0", "0"),
        ("resends recognised by key at the gateway", f"{resent:,}", ""),
    ]  # fmt: skip
    for row in rows:
        table.add_row(*row)
    console.print(table)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    out = REPO / "var" / "bench" / "notify.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"`python -m bench.notify.run --messages {args.messages} --workers {args.workers}"
        f"{' --kill' if args.kill else ''}` — {dt.datetime.now():%Y-%m-%d %H:%M}, {machine}",
        "",
        "| measure | value | target |",
        "| --- | ---: | ---: |",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
    ]
    out.write_text("\n".join(lines) + "\n")
    console.print(f"Markdown: {out}; logs: {logs}")


if __name__ == "__main__":
    main()
