"""Monitoring benchmark (issue 28 targets: with a year of 1,000,000 work orders and
5,000,000 contacts on PostgreSQL, every dashboard p95 < 1 s, cold cache measured too; the
monthly report in < 30 s).

    .venv/bin/python -m bench.monitoring.generate --orders 1000000 --contacts 5000000
    .venv/bin/python -m bench.monitoring.run [--requests 20] [--cold 5] [--query 'start=…&end=…']

On the database `generate.py` built (its `meta.json` says which and what year):

1. **Rollup**: `facts_rebuild` over the whole year (the first build) and over the last two
   days (what the nightly/periodic job redoes), timed.
2. **Headline KPIs, facts against raw tables**: the same year's figures read from the
   facts (`monitoring.selectors.facts`) and computed directly from the raw tables with one
   GROUP BY each (what a dashboard without the rollup would run), median of 3, and the ratio.
3. **Dashboards**: every monitoring page, GET by `django.test.Client` logged in as a
   manager of the bureau. WARM: one process, a first request discarded, then `--requests`
   timed (p50/p95). COLD: `--cold` fresh processes per page, each timing its first request
   after `DISCARD ALL` on a new database connection and with Django's caches cleared (no
   template, plan or Python-level cache of the page). The process has booted as a web
   worker does (`gridcare.wsgi` imports the URLconf, so every view module, at start): the
   first request of a process is the page's, not the product's imports. The OS page cache
   and PostgreSQL's shared buffers are NOT dropped (that needs root and a server
   restart): "cold" here is the application and the session, not the disk.
4. **Monthly report**: `gridcare report monthly --month <the last complete month>` in a
   fresh process, wall time (when the command exists).

Prints a markdown table and one JSON line; both are also written to var/bench/monitoring/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.monitoring.generate import META, REPO, setup_django
from bench.monitoring.kpis import headline_compare

PAGES = (
    ("overview", "/console/monitoring/"),
    ("complaints", "/console/monitoring/complaints/"),
    ("sla", "/console/monitoring/sla/"),
    ("satisfaction", "/console/monitoring/satisfaction/"),
    ("channels", "/console/monitoring/channels/"),
    ("reliability", "/console/monitoring/reliability/"),
    ("wall", "/console/monitoring/wall/"),
    ("wall live", "/console/monitoring/wall/live/"),
    ("index", "/console/monitoring/index/"),
    ("scorecards", "/console/monitoring/scorecards/"),
    ("alerts", "/console/monitoring/alerts/"),
    ("reports", "/console/monitoring/reports/"),
)
TARGET_MS = 1000.0


def _client() -> Any:
    from django.test import Client

    from bench.monitoring.world import MANAGER
    from gridcare.core.models import User

    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=MANAGER))
    return client


def _get(client: Any, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    return (time.perf_counter() - started) * 1000, response.status_code


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def cold_child(url: str) -> None:
    """One cold first request (run in a fresh process): prints {"ms":…, "status":…}."""
    from django.core.cache import caches
    from django.db import connection

    # A worker boots as gridcare.wsgi does (the URLconf and so every view imported); what
    # is cold is everything after that: no page served yet, no compiled template, empty
    # caches, a new database session.
    import gridcare.wsgi  # noqa: F401

    client = _client()  # the login's session write is not part of the timing
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("DISCARD ALL")
    for cache in caches.all():
        cache.clear()
    ms, status = _get(client, url)
    print(json.dumps({"ms": ms, "status": status}))


def _cold(url: str, runs: int, db: str) -> list[float]:
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-m", "bench.monitoring.run", "--db", db, "--cold-url", url],
            capture_output=True, text=True, cwd=REPO, check=True,
        )  # fmt: skip
        data = json.loads(out.stdout.strip().splitlines()[-1])
        if data["status"] == 200:
            times.append(data["ms"])
    return times


def pages(args: argparse.Namespace, db: str) -> list[dict[str, Any]]:
    client = _client()
    results = []
    for name, path in PAGES:
        url = f"{path}?{args.query}" if args.query else path
        _, status = _get(client, url)  # warm-up (and is it there at all?)
        if status != 200:
            results.append({"page": name, "url": url, "status": status})
            continue
        warm = [_get(client, url)[0] for _ in range(args.requests)]
        cold = _cold(url, args.cold, db) if args.cold else []
        row: dict[str, Any] = {"page": name, "url": url, "status": status,
                               "warm_p50_ms": percentile(warm, 50), "warm_p95_ms": percentile(warm, 95)}  # fmt: skip
        if cold:
            row |= {"cold_p50_ms": percentile(cold, 50), "cold_p95_ms": percentile(cold, 95)}
        results.append(row)
    return results


def rollup(start: dt.date, until: dt.date) -> dict[str, Any]:
    from gridcare.monitoring.services.rollup import facts_rebuild
    from gridcare.monitoring.services.sources import SOURCES

    t0 = time.perf_counter()
    rows = facts_rebuild(start=start, end=until)
    full = time.perf_counter() - t0
    t0 = time.perf_counter()
    nightly_rows = facts_rebuild(start=until - dt.timedelta(days=1), end=until)
    nightly = time.perf_counter() - t0
    # What autovacuum does minutes after a bulk load, done now so the pages are not timed
    # against a table whose statistics and visibility map still describe it empty.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE monitoring_fact")
    return {"sources": len(SOURCES), "fact_rows": rows, "rebuild_year_s": round(full, 2),
            "nightly_2_days_s": round(nightly, 2), "nightly_rows": nightly_rows}  # fmt: skip


def report(until: dt.date, db: str) -> dict[str, Any]:
    month = until.replace(day=1) - dt.timedelta(days=1)
    if until.month != (until + dt.timedelta(days=1)).month:
        month = until  # the year ends on a month's last day: that month is complete
    label = f"{month:%Y-%m}"
    with tempfile.TemporaryDirectory(prefix="bench-report-") as out:
        env = {**os.environ, "GRIDCARE_DATABASE_URL": db, "PYTHONPATH": str(REPO / "src")}
        command = [sys.executable, "-m", "gridcare", "report", "monthly", "--month", label, "--out", out]  # fmt: skip
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
        seconds = time.perf_counter() - t0
        files = sorted(p.name for p in Path(out).iterdir())
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["?"])[-1][:120]
        return {"month": label, "error": f"exit {done.returncode}: {last}"}
    return {"month": label, "seconds": round(seconds, 2), "files": files}


def table(meta: dict[str, Any], result: dict[str, Any]) -> str:
    lines = [
        f"Data: {meta['orders']:,} work orders, {meta['contacts']:,} contacts, year "
        f"{meta['start']} – {meta['until']} ({result['machine']}).",
        "",
        f"Rollup: {result['rollup']['fact_rows']:,} fact rows from {result['rollup']['sources']} "
        f"sources; whole year {result['rollup']['rebuild_year_s']} s, nightly 2 days "
        f"{result['rollup']['nightly_2_days_s']} s.",
        "",
        "| page | warm p50 ms | warm p95 ms | cold p50 ms | cold p95 ms | target p95 < 1 s |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in result["pages"]:
        if "warm_p50_ms" not in row:
            lines.append(f"| {row['page']} | – | – | – | – | not measured (HTTP {row['status']}) |")
            continue
        worst = max(row["warm_p95_ms"], row.get("cold_p95_ms", 0))
        verdict = "met" if worst < TARGET_MS else "MISSED"
        cold = [f"{row[k]:.0f}" if k in row else "–" for k in ("cold_p50_ms", "cold_p95_ms")]
        lines.append(f"| {row['page']} | {row['warm_p50_ms']:.0f} | {row['warm_p95_ms']:.0f} | {cold[0]} | {cold[1]} | {verdict} |")  # fmt: skip
    rep = result["report"]
    lines += ["", f"Monthly report {rep['month']}: " + (
        f"{rep['seconds']} s (target < 30 s; {', '.join(rep['files'])})" if "seconds" in rep else rep["error"]
    ), "", "| headline KPI (the year, whole bureau) | from facts ms | raw GROUP BY ms | raw / facts |",
        "| --- | ---: | ---: | ---: |"]  # fmt: skip
    for row in result["kpis"]:
        ratio = f"{row['raw_ms'] / row['facts_ms']:.1f}×" if row["facts_ms"] else "–"
        lines.append(f"| {row['kpi']} | {row['facts_ms']:.1f} | {row['raw_ms']:.1f} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None, help="default: the database meta.json names")
    parser.add_argument("--requests", type=int, default=20, help="warm requests per page")
    parser.add_argument("--cold", type=int, default=5, help="fresh processes per page (0: none)")
    parser.add_argument("--query", default="", help="query string for every page")
    parser.add_argument("--skip-rollup", action="store_true", help="facts already built")
    parser.add_argument("--cold-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    meta = json.loads(META.read_text())
    db = args.db or meta["db"]
    setup_django(db)
    # A page that is not built yet answers 500; its traceback is not the benchmark's output.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    if args.cold_url:
        cold_child(args.cold_url)
        return
    start, until = dt.date.fromisoformat(meta["start"]), dt.date.fromisoformat(meta["until"])
    result: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "at": f"{dt.datetime.now():%Y-%m-%d %H:%M}", "orders": meta["orders"], "contacts": meta["contacts"],
    }  # fmt: skip
    result["rollup"] = {} if args.skip_rollup else rollup(start, until)
    result["rollup"].setdefault("fact_rows", 0)
    for key in ("sources", "rebuild_year_s", "nightly_2_days_s"):
        result["rollup"].setdefault(key, "–")
    result["kpis"] = headline_compare(start, until)
    result["pages"] = pages(args, db)
    result["report"] = report(until, db)
    text = table(meta, result)
    out = META.parent
    (out / "result.md").write_text(text + "\n")
    (out / "result.json").write_text(json.dumps(result))
    print(text)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
