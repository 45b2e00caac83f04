"""Power-event ingest benchmark (issue 26 target: ≥ 10,000 events/s sustained from MQTT at
QoS 1 into the store, nothing lost: published = stored + duplicates), side by side with a
plain per-message insert.

    GRIDCARE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wt_ingest \\
    PYTHONPATH=src .venv/bin/python -m bench.outages.ingest [--events 60000] [--naive 6000]

On the given database (migrated; its power events, meter states and dead letters are
emptied first) it builds a feeder of `--meters` meters in 10 台区 with their terminals
(bench/outages/world.py), starts its own Mosquitto on a free port (persistence on), and
makes storms with the simulator: feeder trips with restoration, a new trip every ten
minutes of device time until `--events` messages (jitter, skewed clocks, ~1 % duplicates,
~0.5 % lost as the simulator makes them). Two ways, each measured:

- backlog: the storm waits in the broker for the listener's persistent session, then the
  listener (services.listener, in this process) drains it: messages per second from its
  start to its last commit and acknowledgement.
- live: a publisher process publishes the storm at full speed while the listener stores
  it: messages per second from the first publish to the last commit.
- naive: the same backlog read by a paho subscriber that, per message, parses, looks the
  meter up, inserts the event in its own transaction (a duplicate is an IntegrityError)
  and updates the meter's state (`bench/outages/naive.py`).

Each run checks that nothing was lost: stored + duplicates = messages published, and the
stored rows are exactly the distinct events of the storm.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BATCH = int(os.environ.get("BENCH_BATCH", "2000"))


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _storm(meters: int, events: int, prefix: str) -> list[Any]:
    from django.utils import timezone

    from bench.outages.world import bench_feeder
    from gridcare.outages.engine import simulate as engine

    feeder = bench_feeder(meters=meters)
    start = timezone.now().replace(microsecond=0) - timedelta(hours=30)
    items: list[Any] = []
    trip = 0
    while len(items) < events:
        items += engine.feeder_trip(
            feeder,
            start=start + timedelta(minutes=10 * trip),
            seed=trip,
            prefix=prefix,
            restore_after=timedelta(minutes=5),
        )
        trip += 1
    return sorted(items[:events])


def _empty() -> None:
    from gridcare.outages.models import DeadLetter, MeterPowerState, PowerEvent

    for model in (PowerEvent, MeterPowerState, DeadLetter):
        model.objects.all().delete()


def _listener(
    port: int, prefix: str, client_id: str, max_events: int | None = None, idle: float = 20
) -> Any:
    from gridcare.outages.services.listener import ListenerOptions, PowerEventListener

    options = ListenerOptions(
        host="127.0.0.1",
        port=port,
        client_id=client_id,
        topic_prefix=prefix,
        batch_size=BATCH,
        flush_ms=200,
        max_events=max_events,
        stop_after_idle=idle,
    )
    return PowerEventListener(options, say=lambda line: None)


def _session(port: int, prefix: str, client_id: str) -> None:
    """Connect once, so the broker holds the session (and queues for it) from now on."""
    _listener(port, prefix, client_id, idle=0.5).run()


def _publish(port: int, items: list[Any]) -> float:
    from gridcare.outages.services.simulator import items_publish

    started = time.perf_counter()
    items_publish(items, host="127.0.0.1", port=port, timed=False, say=lambda line: None)
    return time.perf_counter() - started


def _check(items: list[Any], stats: dict[str, int]) -> dict[str, Any]:
    from gridcare.outages.engine.simulate import unique_events
    from gridcare.outages.models import PowerEvent

    stored_rows = PowerEvent.objects.count()
    return {
        "stored_rows": stored_rows,
        "distinct_events": unique_events(items),
        "nothing_lost": stats["stored"] + stats["duplicates"] == len(items)
        and stored_rows == unique_events(items),
    }


def run_backlog(port: int, items: list[Any], prefix: str) -> dict[str, Any]:
    client_id = f"bench-backlog-{uuid.uuid4().hex[:6]}"
    _empty()
    _session(port, prefix, client_id)
    publish_s = _publish(port, items)
    listener = _listener(port, prefix, client_id, max_events=len(items))
    started = time.perf_counter()
    stats = listener.run().as_dict()
    elapsed = time.perf_counter() - started
    out = {"messages": len(items), "publish_s": round(publish_s, 2), "store_s": round(elapsed, 2)}
    out["per_s"] = round(len(items) / elapsed)
    out["cpu_s"] = stats["cpu_seconds"]
    out["per_cpu_s"] = round(len(items) / stats["cpu_seconds"]) if stats["cpu_seconds"] else 0
    return (
        out
        | {k: stats[k] for k in ("stored", "duplicates", "dead_letters", "batches")}
        | (_check(items, stats))
    )


def _fleet(port: int, prefix: str, client_id: str, workers: int, log: Path, idle: float) -> Any:
    env = dict(
        os.environ,
        PYTHONPATH=f"{REPO}:{REPO / 'src'}",
        GRIDCARE_OUTAGES_MQTT_TOPIC_PREFIX=prefix,
        GRIDCARE_OUTAGES_INGEST_BATCH=str(BATCH),
        GRIDCARE_LOG_LEVEL="WARNING",
    )
    argv = [sys.executable, "-m", "gridcare", "outages", "listen", "--port", str(port)]
    argv += ["--client-id", client_id, "--workers", str(workers), "--json"]
    argv += ["--stop-after-idle", str(idle)]
    with open(log, "w") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)


def _subscribed(log: Path, fleet: Any, count: int) -> None:
    while log.read_text().count("subscribed to") < count:
        assert fleet.poll() is None, log.read_text()
        time.sleep(0.005)


def run_fleet(
    port: int, items: list[Any], prefix: str, tmp: Path, workers: int, *, live: bool
) -> dict[str, Any]:
    """`gridcare outages listen --workers N` as its own processes (an MQTT v5 shared
    subscription). backlog: the storm waits in the broker for the workers' sessions and the
    clock starts when the first worker is subscribed. live: the workers are subscribed and
    a publisher process (as a head-end would be) publishes at full speed; the clock starts
    with the publisher. Either way it stops when every distinct event is stored (the
    database is polled every 20 ms)."""
    from gridcare.outages.engine.simulate import unique_events
    from gridcare.outages.models import PowerEvent

    _empty()
    client_id = f"bench-{'live' if live else 'backlog'}-{uuid.uuid4().hex[:6]}"
    log = tmp / f"listen-{client_id}.log"
    wanted = unique_events(items)
    path = tmp / "items.json"
    path.write_text(json.dumps([[i.topic, i.payload.decode()] for i in items]))
    publish = [sys.executable, "-m", "bench.outages.publish", str(port), str(path)]
    env = dict(os.environ, PYTHONPATH=f"{REPO}:{REPO / 'src'}")
    if not live:
        _fleet(port, prefix, client_id, workers, log, idle=0.5).wait(60)  # the sessions
        subprocess.run(publish, env=env, check=True, timeout=120)
    fleet = _fleet(port, prefix, client_id, workers, log, idle=3)
    _subscribed(log, fleet, workers if live else 1)
    started = time.perf_counter()
    publisher = subprocess.Popen(publish, env=env) if live else None
    while PowerEvent.objects.count() < wanted and time.perf_counter() - started < 120:
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    if publisher is not None:
        publisher.wait(60)
    # Detection runs after every batch in the listener (outages, repair orders, messages of
    # the ten trips): the store is timed above; here the listener finishes correlating.
    fleet.wait(900)
    stats = json.loads(log.read_text().strip().splitlines()[-1])
    out = {"workers": workers, "messages": len(items), "store_s": round(elapsed, 2)}
    out["per_s"] = round(len(items) / elapsed)
    # The workers' own clock: first commit to last (the bench's adds connect and polling).
    out["first_to_last_commit_s"] = stats["seconds"]
    # CPU seconds of the listener process(es): what the rate would be with a core each.
    out["cpu_s"] = stats["cpu_seconds"]
    out["per_cpu_s"] = round(len(items) / stats["cpu_seconds"]) if stats["cpu_seconds"] else 0
    return (
        out
        | {k: stats[k] for k in ("stored", "duplicates", "dead_letters", "batches")}
        | (_check(items, stats))
    )


def run_naive(port: int, items: list[Any], prefix: str) -> dict[str, Any]:
    from bench.outages.naive import naive_subscribe

    client_id = f"bench-naive-{uuid.uuid4().hex[:6]}"
    _empty()
    naive_subscribe(port=port, prefix=prefix, client_id=client_id, count=0)  # the session
    _publish(port, items)
    from gridcare.outages.services.listener import _cpu_seconds

    cpu = _cpu_seconds()
    started = time.perf_counter()
    stats = naive_subscribe(port=port, prefix=prefix, client_id=client_id, count=len(items))
    elapsed = time.perf_counter() - started
    stats["cpu_s"] = round(_cpu_seconds() - cpu, 2)
    stats["per_cpu_s"] = round(len(items) / stats["cpu_s"]) if stats["cpu_s"] else 0
    out = {
        "messages": len(items),
        "store_s": round(elapsed, 2),
        "per_s": round(len(items) / elapsed),
    }
    return out | stats | _check(items, stats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meters", type=int, default=5000)
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--naive", type=int, default=6000, help="messages for the naive run")
    parser.add_argument("--in-process", action="store_true", help="also the listener in-process")
    parser.add_argument(
        "--workers", type=int, nargs="*", default=[1, 2], help="live runs with N listeners"
    )
    args = parser.parse_args()
    _setup()
    from django.db import connection

    from gridcare.testing.mosquitto import Broker

    prefix = f"bench-{uuid.uuid4().hex[:6]}/outages"
    os.environ["GRIDCARE_OUTAGES_MQTT_TOPIC_PREFIX"] = prefix
    from django.conf import settings

    settings.OUTAGES_MQTT_TOPIC_PREFIX = prefix
    items = _storm(args.meters, args.events, prefix)
    results: dict[str, Any] = {
        "database": connection.vendor,
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
    }
    with tempfile.TemporaryDirectory(prefix="bench-outages-") as tmp:
        broker = Broker(Path(tmp) / "broker").start()
        try:
            if args.in_process:
                results["backlog_in_process"] = run_backlog(broker.port, items, prefix)
            for workers in args.workers:
                for live in (False, True):
                    key = f"{'live' if live else 'backlog'}_{workers}_workers"
                    results[key] = run_fleet(
                        broker.port, items, prefix, Path(tmp), workers, live=live
                    )
            if args.naive:
                results["naive"] = run_naive(broker.port, items[: args.naive], prefix)
        finally:
            broker.stop()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
