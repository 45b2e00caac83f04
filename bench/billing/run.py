"""Billing run benchmark (issue 25 target: 100,000 accounts under 30 s on PostgreSQL, also
measured on SQLite, side by side with a plain per-account ORM loop).

    .venv/bin/python -m bench.billing.run                       # 100k run + 10k vs naive, PG and SQLite
    .venv/bin/python -m bench.billing.run --accounts 2000 --naive 2000 --databases sqlite

Each measurement is a child process with a fresh database (PostgreSQL: `--pg-url`, dropped
and created; SQLite: a file in a temporary folder) and a fresh warehouse folder: migrate,
build the accounts (bench/billing/world.py), write November 2026's `daily_tou` partitions,
then time `billing_run` (determinants read through metering's `meter_usage`), a rerun
(every bill unchanged), and, where asked, the naive loop (bench/billing/naive.py) on the
same accounts after the run's output is removed, checking both give the same bills.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
MONTH = dt.date(2026, 11, 1)


def _child(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from bench.billing.world import accounts_build, determinants_write

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    plan = accounts_build(count=args.accounts, month=MONTH)
    setup = time.perf_counter() - started
    rows = determinants_write(root=Path(os.environ["GRIDCARE_WAREHOUSE_ROOT"]), plan=plan)
    out: dict[str, Any] = {
        "database": args.child,
        "accounts": args.accounts,
        "setup_s": round(setup, 1),
        "daily_rows": rows,
    }
    out.update(_ours(args))
    if args.naive:
        out.update(_naive(args.naive, out.pop("_bills")))
    out.pop("_bills", None)
    return out


def _bills() -> dict[str, tuple[str, list[tuple[str, str, str]]]]:
    from gridcare.billing.models import Bill, BillLine

    lines: dict[int, list[tuple[str, str, str]]] = {}
    for bill_id, item, quantity, amount in BillLine.objects.order_by(
        "bill_id", "position"
    ).values_list("bill_id", "item", "quantity", "amount"):
        lines.setdefault(bill_id, []).append((item, str(quantity), str(amount)))
    return {
        number: (str(total), lines.get(pk, []))
        for pk, number, total in Bill.objects.values_list("pk", "number", "total")
    }


def _ours(args: argparse.Namespace) -> dict[str, Any]:
    from gridcare.billing.services.ledger import ledger_check
    from gridcare.billing.services.run import billing_run
    from gridcare.customers.models import Account

    started = time.perf_counter()
    run = billing_run(period=MONTH)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    again = billing_run(period=MONTH)
    rerun = time.perf_counter() - started
    sample = Account.objects.order_by("?")[:50]
    return {
        "run_s": round(elapsed, 2),
        "billed": run.accounts_billed,
        "held": run.accounts_held,
        "rerun_s": round(rerun, 2),
        "rerun_unchanged": again.accounts_unchanged,
        "rerun_billed": again.accounts_billed,
        "ledger_ok": all(ledger_check(account=a) for a in sample if hasattr(a, "billing_profile")),
        "_bills": _bills(),
    }


def _naive(count: int, ours: dict[str, Any]) -> dict[str, Any]:
    from bench.billing.naive import naive_run
    from gridcare.billing.models import (
        Bill,
        BillEvent,
        BillingHold,
        BillingProfile,
        BillingRun,
        BillLine,
        LedgerEntry,
    )
    from gridcare.customers.models import Account

    for model in (LedgerEntry, BillEvent, BillLine, BillingHold, Bill, BillingRun):
        model.objects.all().delete()
    BillingProfile.objects.update(balance=0, ledger_version=0)
    ids = list(Account.objects.order_by("number").values_list("pk", flat=True)[:count])
    started = time.perf_counter()
    run = naive_run(month=MONTH, account_ids=ids)
    elapsed = time.perf_counter() - started
    theirs = _bills()
    same = all(ours.get(number) == bill for number, bill in theirs.items())
    return {
        "naive_accounts": len(ids),
        "naive_s": round(elapsed, 2),
        "naive_billed": run.accounts_billed,
        "naive_same": same and len(theirs) == run.accounts_billed,
    }


def _spawn(database: str, accounts: int, naive: int, pg_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-billing-") as tmp:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="gridcare.settings",
            PYTHONPATH=str(REPO),
            GRIDCARE_DATA_DIR=tmp,
            GRIDCARE_WAREHOUSE_ROOT=str(Path(tmp) / "warehouse"),
            GRIDCARE_LOG_LEVEL="WARNING",
        )
        if database == "postgresql":
            _recreate(pg_url)
            env["GRIDCARE_DATABASE_URL"] = pg_url
        else:
            env["GRIDCARE_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        result = Path(tmp) / "result.json"
        command = [
            sys.executable, "-m", "bench.billing.run", "--child", database,
            "--accounts", str(accounts), "--naive", str(naive), "--result", str(result),
        ]  # fmt: skip
        subprocess.run(command, env=env, check=True, cwd=REPO)
        data: dict[str, Any] = json.loads(result.read_text())
        return data


def _recreate(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _table(results: list[dict[str, Any]]) -> str:
    head = (
        "| database | accounts | billed | held | run s | accounts/s | rerun s (unchanged) "
        "| naive loop s | naive accounts/s | speed-up | same bills |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    )
    rows = [head]
    for r in results:
        rate = r["accounts"] / r["run_s"]
        naive = "–"
        naive_rate = "–"
        ratio = "–"
        if r.get("naive_s"):
            naive = f"{r['naive_s']:.1f} ({r['naive_accounts']:,})"
            naive_rate = f"{r['naive_accounts'] / r['naive_s']:,.0f}"
            ratio = f"{rate / (r['naive_accounts'] / r['naive_s']):.1f}×"
        rows.append(
            f"| {r['database']} | {r['accounts']:,} | {r['billed']:,} | {r['held']:,} "
            f"| {r['run_s']:.1f} | {rate:,.0f} | {r['rerun_s']:.1f} ({r['rerun_unchanged']:,}) "
            f"| {naive} | {naive_rate} | {ratio} | {r.get('naive_same', '–')} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", default="100000,10000", help="sizes, comma-separated")
    parser.add_argument("--naive", type=int, default=10000, help="naive loop on sizes ≤ this")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/wt_run_bench")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.accounts = int(args.accounts)
        args.result.write_text(json.dumps(_child(args)))
        return
    results = []
    for database in args.databases.split(","):
        for size in (int(s) for s in args.accounts.split(",")):
            naive = size if size <= args.naive else 0
            result = _spawn(database, size, naive, args.pg_url)
            print(json.dumps(result), flush=True)
            results.append(result)
    print(
        f"\n`python -m bench.billing.run {' '.join(sys.argv[1:])}` — "
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}\n"
    )
    print(_table(results))


if __name__ == "__main__":
    main()
