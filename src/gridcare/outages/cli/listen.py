"""`gridcare outages listen [--host H] [--port P] [--client-id ID] [--stop-after-idle S]
[--max-events N] [--json]`: subscribe to the power-event topics and store what arrives until
SIGTERM / Ctrl-C (services.listener says how nothing is lost)."""

from __future__ import annotations

import argparse
import json
import signal
from types import FrameType
from typing import IO, Any

from django.conf import settings
from django.core.management.base import CommandError

from gridcare.outages.services.listener import ListenerOptions, PowerEventListener
from gridcare.outages.services.listener_fleet import listener_fleet_run


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be above 0: {value!r}")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None, help="broker host (default GRIDCARE_MQTT_HOST)")
    parser.add_argument("--port", type=int, default=None, help="broker port (GRIDCARE_MQTT_PORT)")
    parser.add_argument("--client-id", default=None, help="persistent session id (settings)")
    parser.add_argument("--batch-size", type=int, default=None, help="events per commit")
    parser.add_argument("--stop-after-idle", type=_positive, default=None, metavar="SECONDS")
    parser.add_argument("--max-events", type=int, default=None, help="stop after N messages")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON line")
    parser.add_argument(
        "--workers", type=int, default=1, help="listener processes sharing the subscription"
    )
    parser.add_argument("--worker-index", type=int, default=None, help=argparse.SUPPRESS)


def options_from(options: dict[str, Any]) -> ListenerOptions:
    batch = options.get("batch_size") or settings.OUTAGES_INGEST_BATCH
    if batch < 1 or (options.get("max_events") is not None and options["max_events"] < 1):
        raise CommandError("--batch-size and --max-events must be at least 1")
    client_id = options.get("client_id") or settings.OUTAGES_MQTT_CLIENT_ID
    index = options.get("worker_index")
    return ListenerOptions(
        host=options.get("host") or settings.NOTIFY_MQTT_HOST,
        port=options.get("port") or settings.NOTIFY_MQTT_PORT,
        # A worker of a fleet: its own session, one share of the group's messages.
        client_id=client_id if index is None else f"{client_id}-{index}",
        shared_group=client_id if index is not None else "",
        topic_prefix=settings.OUTAGES_MQTT_TOPIC_PREFIX,
        batch_size=batch,
        flush_ms=settings.OUTAGES_INGEST_FLUSH_MS,
        session_expiry_seconds=settings.OUTAGES_MQTT_SESSION_EXPIRY_SECONDS,
        stop_after_idle=options.get("stop_after_idle"),
        max_events=options.get("max_events"),
    )


def _fleet_argv(options: dict[str, Any]) -> list[str]:
    """The options a worker of the fleet is started with (the same as the parent's)."""
    argv = []
    for name in ("host", "port", "client_id", "batch_size", "stop_after_idle", "max_events"):
        if options.get(name) is not None:
            argv += ["--" + name.replace("_", "-"), str(options[name])]
    return argv


def handle(options: dict[str, Any], out: IO[str]) -> None:
    def say(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    workers = options.get("workers")
    workers = 1 if workers is None else workers
    if workers < 1 or workers > 32:
        raise CommandError("--workers must be between 1 and 32")
    if workers > 1 and options.get("worker_index") is None:
        total = listener_fleet_run(workers=workers, argv=_fleet_argv(options), say=say)
        _summary(total, options, say)
        return
    listener = PowerEventListener(options_from(options), say=say)

    def stop(signum: int, frame: FrameType | None) -> None:
        say(f"{signal.Signals(signum).name}: storing what has arrived, then stopping")
        listener.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _summary(listener.run().as_dict(), options, say)


def _summary(stats: dict[str, Any], options: dict[str, Any], say: Any) -> None:
    if options.get("json"):
        say(json.dumps(stats))
    else:
        say(
            "listen: {received} received, {stored} stored, {duplicates} duplicates, "
            "{dead_letters} dead letters in {batches} batches".format(**stats)
        )
