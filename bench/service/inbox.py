"""Benchmark: the order inbox with 100,000 open orders, p95 per page with a state filter.

    .venv/bin/python -m bench.service.inbox                     # 100,000 open orders
    .venv/bin/python -m bench.service.inbox --orders 20000 --seconds 20

Creates (or empties) `bench_service_inbox`, builds a small demo county (org tree, network,
accounts), then loads `--orders` open orders (accepted … return_visit, spread over the three
stations, their teams and accounts, over the last 30 days) with one COPY, and ANALYZEs.
Measured, same sitting:

1. HTTP: gunicorn (`--workers`) on 127.0.0.1, locust agents paging
   `GET /api/v1/service/orders?state=…&page=1…50` as the bureau's manager (every order in
   scope) — the orders API where it is on the branch, else the bench stand-in
   (`bench/service/urls.py`: `orders_visible_to` + state filter + 20 a page);
2. the selector alone, in process: the same page as a list of rows, no HTTP (the floor of
   what any inbox page or API costs).
Writes the table to var/bench/service/inbox.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

from bench.service import common

STATES = ("accepted", "dispatched", "taken", "arrived", "resolved", "return_visit")
WEIGHTS = (20, 15, 25, 10, 15, 15)


def load_orders(total: int, seed: int = 7) -> float:
    """COPY `total` open orders; returns seconds."""
    from django.db import connection
    from django.utils import timezone

    from gridcare.core.models import OrgUnit
    from gridcare.customers.models import AccountMeter
    from gridcare.service.models import Category

    rng = random.Random(seed)
    links = list(
        AccountMeter.objects.filter(meter__transformer__isnull=False, meter__is_transformer_total=False)
        .values_list("account_id", "account__customer_id", "account__supply_unit_id", "meter__transformer_id", "meter__transformer__feeder_id")
        .order_by("account_id")
    )  # fmt: skip
    teams = {u.parent_id: u.pk for u in OrgUnit.objects.filter(kind="team", code__endswith="-T1")}
    category = Category.objects.get(code="fault.low_voltage.no_power").pk
    now = timezone.now()
    columns = ("number, order_type, category_id, origin, state, priority, title, description, customer_id, account_id, "
               "contact_name, contact_mobile, address, transformer_id, feeder_id, area_class, org_unit_id, team_id, "
               "risk_score, risk_reasons, source_ref, data, created_at, updated_at, version")  # fmt: skip
    started = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY service_workorder ({columns}) FROM STDIN") as copy:  # fmt: skip
        for i in range(total):
            account, customer, unit, transformer, feeder = links[rng.randrange(len(links))]
            state = rng.choices(STATES, weights=WEIGHTS)[0]
            created = now - dt.timedelta(seconds=rng.randrange(30 * 86400))
            team = None if state == "accepted" else teams.get(unit)
            copy.write_row((
                f"B{i:019d}", "fault_repair", category, "hotline", state, "normal", "停电报修", "",
                customer, account, "", "", "", transformer, feeder, "urban", unit, team,
                0, "[]", f"inbox-{i}", "{}", created, created, 0,
            ))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE service_workorder")
    return time.perf_counter() - started


def selector_pages(username: str, samples: int, seed: int = 11) -> dict[str, list[float]]:
    """Milliseconds per page through `orders_visible_to`, per state filter."""
    from gridcare.core.models import User
    from gridcare.service.selectors import orders_visible_to

    user = User.objects.get(username=username)
    rng = random.Random(seed)
    times: dict[str, list[float]] = {s: [] for s in STATES[:4]}
    for _ in range(samples):
        state = rng.choice(STATES[:4])
        page = rng.randint(1, 50)
        t = time.perf_counter()
        found = orders_visible_to(user).filter(state__in=[state])
        rows = list(found.order_by("-created_at", "-id")[(page - 1) * 20 : page * 20])
        found.count()
        assert rows
        times[state].append((time.perf_counter() - t) * 1000)
    return times


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/bench_service_inbox")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--rate", type=float, default=1.0, help="pages per second per user")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    machine = common.machine()
    common.prepare_database(args.db)
    common.django_setup(args.db)
    from django.db import connections

    from gridcare.service.models import WorkOrder

    common.build_county(factor=0.1)
    WorkOrder.objects.update(parent=None)
    WorkOrder.objects.all().delete()  # only the loaded orders count
    copy_seconds = load_orders(args.orders)
    token = common.token_for("demo-manager")
    direct = selector_pages("demo-manager", 400)
    connections.close_all()
    server = common.start_server(args.db, port=args.port, workers=args.workers)
    try:
        stats = common.run_locust(
            user_class="InboxUser", host=server.url, users=args.users, run_time=f"{args.seconds}s",
            name="inbox", env={"BENCH_TOKEN": token, "BENCH_RATE": str(args.rate), "BENCH_STATES": ",".join(STATES[:4])},
        )  # fmt: skip
    finally:
        server.stop()
    lines = [
        f"`python -m bench.service.inbox --orders {args.orders} --seconds {args.seconds} --users {args.users} --workers {args.workers}`"
        f" — {time.strftime('%Y-%m-%d %H:%M')}, {machine}",
        "",
        f"{args.orders:,} open orders loaded by COPY in {copy_seconds:.1f} s; pages of 20, newest first, as the bureau manager.",
        "",
        "| path | filter | pages | errors | p50 ms | p95 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for name, s in sorted(stats.items()):
        if name.startswith("GET") or name == "Aggregated":
            lines.append(f"| HTTP (gunicorn) | {name.removeprefix('GET orders?')} | {int(s['Request Count']):,} | {int(s['Failure Count']):,} | {s['50%']} | {s['95%']} | {s['99%']} |")  # fmt: skip
    for state, values in direct.items():
        lines.append(f"| selector in process | state={state} | {len(values)} | 0 | {p(values, 50):.0f} | {p(values, 95):.0f} | {p(values, 99):.0f} |")  # fmt: skip
    report = "\n".join(lines) + "\n"
    (common.OUT / "inbox.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
