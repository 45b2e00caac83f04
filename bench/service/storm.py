"""Benchmark: a storm surge of repair reports against a real server on PostgreSQL.

    .venv/bin/python -m bench.service.storm                     # 10,000 reports in 60 s
    .venv/bin/python -m bench.service.storm --total 2000 --seconds 20 --no-baselines

Creates (or empties) `bench_service` on the local PostgreSQL, builds the demo county into it
(a year of orders included), picks three feeders and every account on their 台区, and starts
gunicorn (docs/deploy.md) with `--workers` sync workers on 127.0.0.1. Locust then posts the
reports (95598 hotline, one CTI id each) paced to `--total` in `--seconds`; afterwards
`check.storm_check` verifies every order (SLA clocks and merge suggestions where those rules
exist, saying what it skipped). Baselines, same sitting: the same load with the after-create
hooks switched off (no risk, merge, SLA or notice work), and the floor — the same number of
order rows written by one COPY. Writes the table to var/bench/service/storm.md.
"""

from __future__ import annotations

import argparse
import json
import time

from bench.service import common


def _feeder_accounts() -> tuple[list[str], list[str]]:
    from django.db.models import Count

    from gridcare.customers.models import AccountMeter

    links = AccountMeter.objects.filter(
        meter__transformer__isnull=False, meter__is_transformer_total=False
    )
    busiest = list(
        links.values("meter__transformer__feeder__code").annotate(n=Count("pk")).order_by("-n", "meter__transformer__feeder__code")[:3]
    )  # fmt: skip
    feeders = [row["meter__transformer__feeder__code"] for row in busiest]
    numbers = sorted(set(links.filter(meter__transformer__feeder__code__in=feeders).values_list("account__number", flat=True)))  # fmt: skip
    return feeders, numbers


def _copy_floor(total: int) -> float:
    """Seconds to write `total` order rows with one COPY into a table shaped like the orders'."""
    from django.db import connection

    from gridcare.service.models import WorkOrder

    sample = WorkOrder.objects.filter(source_ref__startswith="storm-").values_list(
        "number", "order_type", "origin", "state", "priority", "title", "description", "account_id",
        "customer_id", "transformer_id", "feeder_id", "area_class", "org_unit_id", "created_at",
    ).first()  # fmt: skip
    columns = "number, order_type, origin, state, priority, title, description, account_id, customer_id, transformer_id, feeder_id, area_class, org_unit_id, created_at, updated_at, contact_name, contact_mobile, address, risk_score, risk_reasons, source_ref, data, version"  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_floor")
        cursor.execute("CREATE TABLE bench_copy_floor (LIKE service_workorder INCLUDING ALL)")
        raw = cursor.cursor
        started = time.perf_counter()
        with raw.copy(f"COPY bench_copy_floor ({columns}) FROM STDIN") as copy:
            for i in range(total):
                row = list(sample or ())
                row[0] = f"F{i:019d}"
                copy.write_row([*row, row[-1], "", "", "", 0, "[]", f"floor-{i}", "{}", 0])
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_floor")
    return elapsed


def _storm(args: argparse.Namespace, token: str, accounts: str, *, hooks: bool, prefix: str, port: int) -> tuple[dict[str, str], float]:  # fmt: skip
    from django.db import connections

    connections.close_all()
    server = common.start_server(args.db, port=port, workers=args.workers, hooks=hooks)
    try:
        started = time.perf_counter()
        stats = common.run_locust(
            user_class="StormUser", host=server.url, users=args.users,
            run_time=f"{int(args.seconds * 3)}s", name=prefix,
            env={"BENCH_TOKEN": token, "BENCH_ACCOUNTS": accounts, "BENCH_TOTAL": str(args.total),
                 "BENCH_SECONDS": str(args.seconds), "BENCH_PREFIX": prefix},
        )  # fmt: skip
        wall = time.perf_counter() - started
    finally:
        server.stop()
    return stats.get("POST /api/v1/service/orders", {}), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/bench_service")
    parser.add_argument("--total", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--size", type=float, default=1.0, help="demo county size factor")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    machine = common.machine()
    common.prepare_database(args.db)
    common.django_setup(args.db)
    from gridcare.service.models import WorkOrder

    t = time.perf_counter()
    common.build_county(factor=args.size)
    build_seconds = time.perf_counter() - t
    feeders, numbers = _feeder_accounts()
    common.OUT.mkdir(parents=True, exist_ok=True)
    accounts = common.OUT / "storm-accounts.json"
    accounts.write_text(json.dumps(numbers))
    token = common.token_for("demo-manager")
    before = WorkOrder.objects.count()

    runs = [("storm", True)] + ([] if args.no_baselines else [("calm", False)])
    rows = []
    for prefix, hooks in runs:
        stats, wall = _storm(args, token, str(accounts), hooks=hooks, prefix=prefix, port=args.port)
        created = WorkOrder.objects.filter(source_ref__startswith=f"{prefix}-").count()
        rows.append((prefix, hooks, stats, wall, created))
    from bench.service.check import storm_check

    first = rows[0][2]
    answered = int(first.get("Request Count", 0)) - int(first.get("Failure Count", 0))
    findings = storm_check(prefix="storm", created=answered)
    floor = None if args.no_baselines else _copy_floor(args.total)

    lines = [
        f"`python -m bench.service.storm --total {args.total} --seconds {args.seconds:g} --workers {args.workers} --users {args.users}`"
        f" — {time.strftime('%Y-%m-%d %H:%M')}, {machine}",
        "",
        f"Demo county size {args.size:g} built first ({build_seconds:.0f} s, {before:,} orders); storm on feeders "
        f"{', '.join(feeders)} ({len(numbers):,} accounts); gunicorn {args.workers} sync workers; locust {args.users} users on the same machine.",
        "",
        "| run | requests | errors | p50 ms | p95 ms | p99 ms | req/s | wall s | orders stored |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for _prefix, hooks, s, wall, created in rows:
        label = (
            "storm (intake + hooks)"
            if hooks
            else "baseline: hooks off (no risk/merge/SLA/notice work)"
        )
        lines.append(
            f"| {label} | {int(s.get('Request Count', 0)):,} | {int(s.get('Failure Count', 0)):,} | "
            f"{s.get('50%', '-')} | {s.get('95%', '-')} | {s.get('99%', '-')} | "
            f"{float(s.get('Requests/s', 0)):.0f} | {wall:.1f} | {created:,} |"
        )
    if floor is not None:
        lines.append(
            f"| floor: {args.total:,} order rows by one COPY | | | | | | {args.total / floor:,.0f} | {floor:.2f} | |"
        )
    lines += ["", "Correctness afterwards:", ""]
    lines += [f"- checked: {c}" for c in findings.checked]
    lines += [f"- skipped: {c}" for c in findings.skipped]
    lines += [f"- **error**: {c}" for c in findings.errors] or ["- errors: none"]
    report = "\n".join(lines) + "\n"
    (common.OUT / "storm.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
