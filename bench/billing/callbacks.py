"""Payment callbacks over HTTP on PostgreSQL (issue 25: ≥ 300 callbacks/s with p95 <
100 ms; the same 10,000 callbacks delivered twice concurrently: 0 lost, 0 applied twice).

    .venv/bin/python -m bench.billing.callbacks [--callbacks 10000] [--workers 4]
        [--concurrency 16] [--db postgresql://postgres@127.0.0.1:5432/wt_payments]

1. The database is dropped, created and migrated; `--accounts` accounts each get a
   billing profile and an issued bill of ¥100.00 (so every payment is allocated).
2. gunicorn (gridcare.wsgi:application, sync workers, as docs/deploy.md runs it) serves
   on 127.0.0.1 with the demo pay keys (var/bench/billing/paykeys).
3. Run 1, throughput: N fresh orders, one genuine callback each — alternately WeChat Pay
   v3 (RSA-SHA256 signature, AES-256-GCM resource) and Alipay (RSA2 form) — signed before
   the clock starts and sent by an asyncio client keeping `--concurrency` requests in
   flight (a new connection each, as the providers do).
4. Run 2, duplicates: N more orders, each callback sent twice at the same moment. Then:
   every order paid, one ledger posting per order, N APPLIED and N DUPLICATE records,
   every account's ledger balanced.
5. The floor, in this process: the adapters' verification alone (per callback), and the
   whole service (verify + apply + record, no HTTP) on PostgreSQL.

Because the machine is shared, each run also reports the CPU time the server spent per
callback — gunicorn's workers plus their PostgreSQL backends, read from /proc — and the
rate two dedicated cores would sustain at that cost (2 / CPU seconds per callback), a
figure other processes on the machine do not move.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "var" / "bench" / "billing"
BIN = Path(sys.executable).parent
AMOUNT = Decimal("12.34")


def environment(db_url: str) -> dict[str, str]:
    return {
        "GRIDCARE_DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "gridcare.settings",
        "GRIDCARE_PAY_DEMO_GATEWAY": "true",
        "GRIDCARE_PAY_DEMO_KEYS_DIR": str(OUT / "paykeys"),
        "GRIDCARE_PAY_DEMO_GATEWAY_DB": str(OUT / "demo-pay-gateway.sqlite3"),
        "GRIDCARE_LOG_LEVEL": "WARNING",
    }


def prepare(db_url: str, accounts: int) -> None:
    import psycopg

    base, name = db_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(environment(db_url))
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _accounts(accounts)


def _accounts(count: int) -> None:
    """`count` accounts with a profile, a ¥100 bill and its ledger entry (bulk)."""
    from gridcare.billing.models import Bill, BillingProfile, LedgerEntry, Tariff
    from gridcare.core.choices import OrgUnitKind
    from gridcare.core.services import org_unit_create
    from gridcare.customers.models import Account, Customer, Premise

    unit = org_unit_create(actor=None, code="BENCH", name="压测供电局", kind=OrgUnitKind.BUREAU)
    customer = Customer.objects.create(kind="person", name="压测客户", mobile="13800000000")
    premise = Premise.objects.create(province="广东省", city="广州市", district="天河区",
                                     street="石牌街道", detail="压测路 1 号")  # fmt: skip
    made = Account.objects.bulk_create(
        Account(number=f"39{i:011d}", customer=customer, premise=premise, supply_unit=unit,
                registered_mobile="13800000000", tariff_class="residential",
                contracted_capacity_kva=Decimal("8.0"))
        for i in range(count)
    )  # fmt: skip
    tariff = Tariff.objects.get(code="GZ-RES-TIER")
    total, period = Decimal("100.00"), dt.date(2026, 11, 1)
    BillingProfile.objects.bulk_create(
        BillingProfile(account=a, tariff=tariff, balance=-total, ledger_version=1) for a in made
    )
    bills = Bill.objects.bulk_create(
        Bill(number=f"BB{a.number}", account=a, period=period, period_start=period,
             period_end=dt.date(2026, 11, 30), tariff_code="GZ-RES-TIER", payment_mode="postpaid",
             energy_kwh=Decimal("160"), total=total, due_date=dt.date(2026, 12, 20))
        for a in made
    )  # fmt: skip
    LedgerEntry.objects.bulk_create(
        LedgerEntry(account_id=b.account_id, seq=1, kind="bill", amount=-total, balance_after=-total,
                    key=f"bill:{b.number}", bill=b)
        for b in bills
    )  # fmt: skip


def orders(run: str, count: int) -> list[tuple[str, str]]:
    """`count` CREATED orders spread over the accounts, alternately WeChat and Alipay."""
    from django.utils import timezone

    from gridcare.billing.models import Payment
    from gridcare.customers.models import Account

    accounts = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    made = [
        Payment(out_trade_no=f"{run}{i:012d}", account_id=accounts[i % len(accounts)],
                provider="wechat" if i % 2 == 0 else "alipay", amount=AMOUNT, created_at=now,
                expires_at=now + dt.timedelta(minutes=30))
        for i in range(count)
    ]  # fmt: skip
    Payment.objects.bulk_create(made, batch_size=2000)
    return [(p.provider, p.out_trade_no) for p in made]


def signed(provider: str, out_trade_no: str) -> tuple[dict[str, str], bytes]:
    from gridcare.billing.payments.demo import callbacks
    from gridcare.billing.payments.demo.world import demo_world

    world = demo_world()
    assert world is not None
    txn = f"T{out_trade_no}"
    if provider == "wechat":
        resource = callbacks.wechat_transaction(
            world, out_trade_no=out_trade_no, txn_id=txn, total_fen=int(AMOUNT * 100)
        )
        return callbacks.wechat_callback(world, event_type="TRANSACTION.SUCCESS", resource=resource)
    fields = callbacks.alipay_trade(out_trade_no=out_trade_no, txn_id=txn, total=str(AMOUNT))
    return callbacks.alipay_notify(world, fields)


def raw_request(port: int, provider: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"POST /webhooks/pay/{provider}/ HTTP/1.1", f"Host: 127.0.0.1:{port}",
             f"Content-Length: {len(body)}", "Connection: close"]  # fmt: skip
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Answer:
    provider: str
    ok: bool
    seconds: float


async def _send(port: int, provider: str, raw: bytes) -> Answer:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = data[9:12]
    body = data.split(b"\r\n\r\n", 1)[-1]
    ok = status == b"200" and (body == b"success" or b'"SUCCESS"' in body)
    return Answer(provider, ok, time.perf_counter() - started)


async def deliver(
    port: int, jobs: list[list[tuple[str, bytes]]], concurrency: int
) -> tuple[list[Answer], float]:
    """Each job is a group of requests sent at the same moment (one, or the same twice)."""
    slots = asyncio.Semaphore(concurrency)

    async def group(requests: list[tuple[str, bytes]]) -> list[Answer]:
        async with slots:
            return list(await asyncio.gather(*(_send(port, p, raw) for p, raw in requests)))

    started = time.perf_counter()
    answers = await asyncio.gather(*(group(job) for job in jobs))
    return [a for batch in answers for a in batch], time.perf_counter() - started


def start_server(db_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **environment(db_url), "PYTHONPATH": str(REPO)}
    log = open(OUT / f"gunicorn-{port}.log", "ab")  # noqa: SIM115
    argv = [str(BIN / "gunicorn"), "gridcare.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--preload", "--chdir", str(REPO)]  # fmt: skip
    process = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/webhooks/pay/wechat/", timeout=2)
        except urllib.error.HTTPError:
            return process  # answered (405 for a GET): up
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 120 s (see var/bench/billing/)")


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process, 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(master: int, db_url: str) -> list[int]:
    """gunicorn's workers and the PostgreSQL backends serving this database."""
    import psycopg

    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                workers.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return workers + [row[0] for row in rows]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cpu_report(pids: list[int], before: float, count: int) -> dict[str, float]:
    per = (sum(_cpu(pid) for pid in pids) - before) / count
    return {"server_cpu_ms_per_request": per * 1000, "two_core_capacity_per_second": 2 / per}


def warm_up(port: int, concurrency: int) -> None:
    """Every worker loads its code and opens its database connection before the clock."""
    jobs = [[(p, raw_request(port, p, *signed(p, no)))] for p, no in orders("W", 200)]
    asyncio.run(deliver(port, jobs, concurrency))


def run_once(port: int, count: int, concurrency: int, pids: list[int]) -> dict[str, float]:
    jobs = [[(p, raw_request(port, p, *signed(p, no)))] for p, no in orders("A", count)]
    before = sum(_cpu(pid) for pid in pids)
    answers, seconds = asyncio.run(deliver(port, jobs, concurrency))
    cpu = cpu_report(pids, before, len(answers))
    times = [a.seconds * 1000 for a in answers]
    by = {p: [a.seconds * 1000 for a in answers if a.provider == p] for p in ("wechat", "alipay")}
    return {
        "callbacks": len(answers),
        "seconds": seconds,
        "per_second": len(answers) / seconds,
        "p50_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "p99_ms": percentile(times, 0.99),
        "p95_wechat_ms": percentile(by["wechat"], 0.95),
        "p95_alipay_ms": percentile(by["alipay"], 0.95),
        "not_accepted": sum(not a.ok for a in answers),
        **cpu,
    }


def run_twice(port: int, count: int, concurrency: int, pids: list[int]) -> dict[str, float]:
    from gridcare.billing.models import CallbackRecord, LedgerEntry, Payment
    from gridcare.billing.services.ledger import ledger_check
    from gridcare.customers.models import Account

    made = orders("D", count)
    jobs = []
    for provider, number in made:
        raw = raw_request(port, provider, *signed(provider, number))
        jobs.append([(provider, raw), (provider, raw)])
    before = sum(_cpu(pid) for pid in pids)
    answers, seconds = asyncio.run(deliver(port, jobs, concurrency // 2 or 1))
    cpu = cpu_report(pids, before, len(answers))
    numbers = [number for _, number in made]
    paid = Payment.objects.filter(out_trade_no__in=numbers, status="paid").count()
    postings = LedgerEntry.objects.filter(kind="payment", payment__out_trade_no__in=numbers).count()
    records = CallbackRecord.objects.filter(out_trade_no__in=numbers)
    return {
        "deliveries": len(answers),
        "seconds": seconds,
        "per_second": len(answers) / seconds,
        "p95_ms": percentile([a.seconds * 1000 for a in answers], 0.95),
        "not_accepted": sum(not a.ok for a in answers),
        "lost": count - paid,
        "applied_twice": postings - paid,
        "applied_records": records.filter(verdict="applied").count(),
        "duplicate_records": records.filter(verdict="duplicate").count(),
        "unbalanced_ledgers": sum(not ledger_check(account=a) for a in Account.objects.all()),
        **cpu,
    }


def floor(count: int) -> dict[str, float]:
    """Verification alone, then the whole service without HTTP, per callback."""
    from gridcare.billing.payments import adapter_for
    from gridcare.billing.services.pay_callbacks import payment_callback_receive

    result = {}
    for provider in ("wechat", "alipay"):
        batch = [signed(provider, f"F{provider[0]}{i:010d}") for i in range(count)]
        adapter = adapter_for(provider)
        started = time.perf_counter()
        for headers, body in batch:
            adapter.parse_callback(headers=headers, body=body, now=time.time())
        result[f"verify_{provider}_ms"] = (time.perf_counter() - started) * 1000 / count
    made = orders("S", count)
    batch = [(p, signed(p, no)) for p, no in made]
    started = time.perf_counter()
    for provider, (headers, body) in batch:
        answer = payment_callback_receive(provider=provider, headers=headers, body=body)
        assert answer.accepted, answer
    result["service_ms"] = (time.perf_counter() - started) * 1000 / count
    return result


def machine() -> str:
    import platform

    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load {os.getloadavg()[0]:.1f} at the start")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callbacks", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--floor", type=int, default=1_000, help="callbacks for the floor")
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/wt_payments")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    prepare(args.db, args.accounts)
    header = machine()
    from django.db import connections

    connections.close_all()
    server = start_server(args.db, args.port, args.workers)
    try:
        warm_up(args.port, args.concurrency)
        pids = server_pids(server.pid, args.db)
        once = run_once(args.port, args.callbacks, args.concurrency, pids)
        twice = run_twice(args.port, args.callbacks, args.concurrency, pids)
    finally:
        server.terminate()
        server.wait(timeout=30)
    below = floor(args.floor)
    report = {"machine": header, "args": vars(args), "once": once, "twice": twice, "floor": below}
    print(json.dumps(report, indent=2, default=str))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    (OUT / f"callbacks-{stamp}.json").write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
