"""Feeder trip, end to end through the real Mosquitto: how long after the last power event
is the outage open with its whole scope, and how long until every affected customer's
message is queued (issue 26 targets: 2 s and 5 s).

    python -m bench.outages.storm --pg-url postgresql://postgres@127.0.0.1:5432/bench_storm \\
        [--meters 5000] [--runs 3] [--port 1883]

The database is created if missing (migrated, then the storm world of
bench/outages/storm_world.py: one account and customer per meter). Each run empties the
outage, notification and work-order tables, starts `gridcare outages listen` (a subprocess,
its own persistent session), publishes the simulator's feeder trip (jitter, 0.5 % lost,
1 % duplicated, clocks off by minutes) at QoS 1 as fast as the broker acknowledges, and polls
the database every 20 ms. Times are from the broker's acknowledgement of the last event.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from typing import Any

RESET_TABLES = (
    "outages_powerevent",
    "outages_meterpowerstate",
    "outages_deadletter",
    "outages_outagecustomer",
    "outages_outageevent",
    "outages_outagescope",
    "outages_outage",
    "notify_notificationevent",
    "notify_notification",
    "service_workorder",
)


def _database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            conn.execute(f'create database "{name}"')


def _setup(url: str, meters: int) -> None:
    os.environ["GRIDCARE_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from gridcare.grid.models import Feeder

    call_command("migrate", verbosity=0)
    if not Feeder.objects.filter(code="OF1").exists():
        from bench.outages.storm_world import storm_world_build

        storm_world_build(meters=meters)


def _reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"truncate {', '.join(RESET_TABLES)} cascade")


def _items(meters: int, seed: int) -> list[Any]:
    from django.conf import settings
    from django.utils import timezone

    from gridcare.outages.engine.simulate import feeder_trip
    from gridcare.outages.selectors.devices import feeder_layouts

    layout = feeder_layouts(codes=["OF1"])[0]
    return feeder_trip(
        layout,
        start=timezone.now() - timedelta(seconds=30),
        seed=seed,
        prefix=settings.OUTAGES_MQTT_TOPIC_PREFIX,
        meters=meters,
    )


def _listener(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GRIDCARE_DATABASE_URL": url}
    command = [sys.executable, "-m", "gridcare", "outages", "listen", "--port", str(port)]
    command += ["--client-id", f"bench-storm-{uuid.uuid4().hex[:8]}"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _publish(port: int, items: list[Any]) -> float:
    import paho.mqtt.client as mqtt

    acknowledged = [0]
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_publish = lambda c, u, mid, reason, props: acknowledged.__setitem__(
        0, acknowledged[0] + 1
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for item in items:
        client.publish(item.topic, item.payload, qos=1)
    while acknowledged[0] < len(items):
        time.sleep(0.002)
    done = time.monotonic()
    client.disconnect()
    client.loop_stop()
    return done


def _expected_customers() -> int:
    from gridcare.customers.models import Account

    return Account.objects.filter(meter_links__meter__feeder__code="OF1").distinct().count()


def _watch(last_event: float, customers: int, timeout: float = 120) -> dict[str, float | None]:
    from gridcare.notify.models import Notification
    from gridcare.outages.models import Outage

    opened: float | None = None
    queued: float | None = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and queued is None:
        if opened is None:
            outage = Outage.objects.filter(
                kind="unplanned", level="feeder", state="active", feeder__code="OF1"
            ).first()
            if outage is not None and outage.affected_count >= customers:
                opened = time.monotonic()
        if opened is not None:
            # A customer told under a 台区 outage that the feeder outage then absorbed is not
            # told again: count every detection notice of the run (the table starts empty).
            sent = Notification.objects.filter(
                idempotency_key__startswith="outage:", idempotency_key__endswith=":detected"
            ).count()
            if sent >= customers:
                queued = time.monotonic()
        time.sleep(0.02)
    return {
        "open_after_last_event_s": None if opened is None else round(opened - last_event, 2),
        "queued_after_last_event_s": None if queued is None else round(queued - last_event, 2),
    }


def run_once(url: str, port: int, meters: int, seed: int) -> dict[str, Any]:
    _reset()
    customers = _expected_customers()
    items = _items(meters, seed)
    listener = _listener(url, port)
    time.sleep(4)  # the listener connects and subscribes (its session is new)
    try:
        started = time.monotonic()
        last = _publish(port, items)
        result = _watch(last, customers)
    finally:
        listener.terminate()
        listener.wait(30)
    return {
        "events_published": len(items),
        "customers": customers,
        "publish_s": round(last - started, 2),
        **result,
    }


def machine() -> str:
    load = os.getloadavg()[0]
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", required=True)
    parser.add_argument("--meters", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=1883)
    args = parser.parse_args()
    _database(args.pg_url)
    _setup(args.pg_url, args.meters)
    rows = [run_once(args.pg_url, args.port, args.meters, seed=26 + n) for n in range(args.runs)]
    print(f"Machine: {machine()}")
    print(
        "| run | events | customers | publish s | outage open after last event s | all messages queued after last event s |"
    )
    print("|---|---|---|---|---|---|")
    for n, row in enumerate(rows, 1):
        print(
            f"| {n} | {row['events_published']} | {row['customers']} | {row['publish_s']} | "
            f"{row['open_after_last_event_s']} | {row['queued_after_last_event_s']} |"
        )
    print(json.dumps({"runs": rows}))


if __name__ == "__main__":
    main()
