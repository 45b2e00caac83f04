"""A year of service data on PostgreSQL for the monitoring benchmark (issue 28: 1,000,000
work orders and 5,000,000 contacts).

    .venv/bin/python -m bench.monitoring.generate --orders 1000000 --contacts 5000000
    .venv/bin/python -m bench.monitoring.generate --orders 20000 --contacts 100000   # ~1 min

The database (`--db`, default bench_monitoring; its name must start with `bench_`) is
dropped, created and migrated (`gridcare migrate`); the small world goes in through Django
(`world.py`); everything large is server-side SQL, `INSERT … SELECT … generate_series` with
`random()` after `setseed` (so the same arguments give the same rows), in chunks of
`CHUNK` rows with a progress bar:

- work orders of the year ending `--until` (default yesterday), the 95598 type mix, the
  online share of origins rising over the year; with each chunk, their SLA clocks (repair
  arrival/restoration, complaint contact/reply, reply), lifecycle events (created, arrive,
  resolve, archive) and return visits (ratings on ~60 % of repairs, complaints and
  requests); orders of the last hours still open;
- contacts (customers.Interaction) on every channel, online rising; counter contacts carry
  `wait_seconds`/`service_seconds` (waits falling over the year), hotline calls a duration;
- assistant sessions (8 % of contacts, one in five handed off), notifications (1.5 per
  order, ~96 % sent) and payments (one a month per account, online providers rising).

`var/bench/monitoring/meta.json` records what was built for `run.py`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
META = REPO / "var" / "bench" / "monitoring" / "meta.json"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/bench_monitoring"
CHUNK = 100_000


def setup_django(url: str) -> None:
    os.environ["GRIDCARE_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    os.environ.setdefault("GRIDCARE_LOG_LEVEL", "WARNING")
    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    import django

    django.setup()


def recreate(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    if not name.startswith("bench_"):
        raise SystemExit(f"refusing to drop {name!r}: the bench database's name starts with bench_")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _ids(values: list[int]) -> str:
    return "ARRAY[" + ",".join(str(v) for v in values) + "]::bigint[]"


def _pick(array: str, rnd: str) -> str:
    return f"({array})[1 + floor({rnd} * cardinality({array}))::int]"


def categories_sql() -> str:
    """A CASE picking a leaf category of the order's type (complaints weighted by the
    seed's 36/28/28/5/3 structure)."""
    from gridcare.service.models import Category

    codes = dict(Category.objects.values_list("code", "pk"))
    weights = {"supply_quality": 36, "service": 28, "business": 28, "outage": 5, "grid_construction": 3}  # fmt: skip
    prefix = {
        "fault_repair": "fault.", "consultation": "consultation.", "service_request": "request.",
        "report": "report.", "opinion": "opinion.", "suggestion": "suggestion.", "praise": "praise.",
    }  # fmt: skip
    parts = []
    for order_type, start in prefix.items():
        ids = [
            pk
            for code, pk in sorted(codes.items())
            if code.startswith(start) and code.count(".") >= 1
        ]
        if ids:
            parts.append(f"WHEN '{order_type}' THEN {_pick(_ids(ids), 'rk')}")
    complaint: list[int] = []
    for group, weight in weights.items():
        leaves = [pk for code, pk in sorted(codes.items()) if code.startswith(group + ".")]
        complaint += (leaves * weight)[: max(weight, len(leaves))] if leaves else []
    if complaint:
        parts.append(f"WHEN 'complaint' THEN {_pick(_ids(complaint), 'rk')}")
    return "CASE order_type " + " ".join(parts) + " END"


def rules() -> dict[tuple[str, str], tuple[int, str, int]]:
    """The policy in use's rules: (clock, area class or order type) → (id, unit, limit)."""
    from gridcare.service.models import SlaRule

    found = SlaRule.objects.filter(policy__in_use=True, step="", category="", application_kind="")
    return {(r.clock, r.area_class or r.order_type): (r.pk, r.unit, r.limit) for r in found}


def run_chunks(progress: Any, label: str, total: int, sql: str, params: dict[str, Any]) -> float:
    from django.db import connection, transaction

    task = progress.add_task(label, total=total)
    started = time.perf_counter()
    for lo in range(1, total + 1, CHUNK):
        hi = min(total, lo + CHUNK - 1)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, {**params, "lo": lo, "hi": hi})
        progress.update(task, completed=hi)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=5_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--until", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    until = args.until or dt.date.today() - dt.timedelta(days=1)
    recreate(args.db)
    setup_django(args.db)

    from django.core.management import call_command
    from django.db import connection
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from bench.monitoring import sql
    from bench.monitoring.world import world_build

    console = Console()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with console.status("gridcare migrate…"):
        call_command("migrate", interactive=False, verbosity=0)
    timings["migrate_s"] = time.perf_counter() - started
    with console.status(f"World: org tree, staff, {args.customers:,} customers and accounts…"):
        t0 = time.perf_counter()
        world = world_build(customers=args.customers, seed=args.seed)
        timings["world_s"] = time.perf_counter() - t0
    start = until - dt.timedelta(days=364)
    params: dict[str, Any] = {
        "start": dt.datetime.combine(start, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=8))),
        "n_accounts": world.accounts,
        "end": dt.datetime.combine(until, dt.time(23, 59), tzinfo=dt.timezone(dt.timedelta(hours=8))),
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(args.seed % 1000) / 1000])
    agents, clerks = _ids(world.agents), _ids(world.clerks)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console) as progress:
        orders_sql = sql.orders(categories_sql(), rules(), agents, _ids(world.teams))
        timings["orders_s"] = run_chunks(progress, "work orders + clocks, events, visits", args.orders, orders_sql, params)  # fmt: skip
        timings["contacts_s"] = run_chunks(progress, "contacts", args.contacts, sql.contacts(agents, clerks), params)  # fmt: skip
        sessions = round(args.contacts * 0.08)
        timings["sessions_s"] = run_chunks(progress, "assistant sessions", sessions, sql.SESSIONS, params)  # fmt: skip
        notices = round(args.orders * 1.5)
        timings["notifications_s"] = run_chunks(progress, "notifications", notices, sql.notifications(world.template_id), params)  # fmt: skip
        payments = world.accounts * 12
        timings["payments_s"] = run_chunks(progress, "payments", payments, sql.PAYMENTS, params)
    with console.status("ANALYZE…"), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = sql.counts()
    meta = {
        "db": args.db, "start": start.isoformat(), "until": until.isoformat(),
        "orders": args.orders, "contacts": args.contacts, "customers": args.customers,
        "seed": args.seed, "bureau_id": world.bureau_id, "rows": counts,
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "total_s": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    META.parent.mkdir(parents=True, exist_ok=True)
    META.write_text(json.dumps(meta, indent=2))
    for table, n in counts.items():
        console.print(f"{table:32} {n:>12,}")
    console.print(f"built in {meta['total_s']} s; {META}")
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
