"""`gridcare outages simulate --scenario feeder-trip|planned|lone-faults|storm --feeder CODE
[--meters N] [--seed S] [--via mqtt|http] [--restore-after MIN] [--replay]`: replay a storm
of power events from the stored topology (services.simulator)."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.management.base import CommandError

from gridcare.core.errors import DomainError
from gridcare.outages.engine.simulate import SCENARIOS, unique_events
from gridcare.outages.services.simulator import Storm, items_post, items_publish, storm_items


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value!r}")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", choices=SCENARIOS, default="feeder-trip")
    parser.add_argument("--feeder", required=True, help="feeder code (the one that trips)")
    parser.add_argument("--meters", type=_count, default=None, help="only the first N meters")
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--via", choices=("mqtt", "http"), default="mqtt")
    parser.add_argument("--restore-after", type=_count, default=None, metavar="MINUTES")
    parser.add_argument("--lone", type=_count, default=5, help="single-meter faults (storm)")
    parser.add_argument(
        "--replay",
        action="store_true",
        help="the story ended now: deliver everything at once (else an event more than two "
        "minutes ahead, a restoration or a later lone fault, is sent when its time comes)",
    )
    parser.add_argument("--host", default=None, help="broker host (GRIDCARE_MQTT_HOST)")
    parser.add_argument("--port", type=int, default=None, help="broker port (GRIDCARE_MQTT_PORT)")
    parser.add_argument("--client-id", default="", help="publisher session id (default: clean)")
    parser.add_argument(
        "--url", default="http://127.0.0.1:8000/api/v1/outages/events", help="--via http"
    )
    parser.add_argument("--token", default=None, help="API token (else GRIDCARE_API_TOKEN)")


def handle(options: dict[str, Any], out: IO[str]) -> None:
    if settings.PRODUCTION:
        # Its events are indistinguishable from a real trip's: customers would be told of an
        # outage that never happened and a crew dispatched to it.
        raise CommandError(
            "GRIDCARE_PRODUCTION=true: 模拟的停电事件会被当作真实事件处理，生产环境不可运行模拟器"
        )
    restore = options.get("restore_after")
    storm = Storm(
        scenario=options["scenario"],
        feeder=options["feeder"],
        meters=options.get("meters"),
        seed=options["seed"],
        restore_after=timedelta(minutes=restore) if restore else None,
        replay=options.get("replay", False),
        lone=options.get("lone") or 5,
    )
    try:
        items = storm_items(storm)
    except DomainError as exc:
        raise CommandError(exc.message) from exc
    out.write(
        f"simulate: {storm.scenario} on {storm.feeder}: {len(items)} messages, "
        f"{unique_events(items)} distinct events\n"
    )

    def say(line: str) -> None:
        out.write(line + "\n")

    if options.get("via") == "http":
        token = options.get("token") or os.environ.get("GRIDCARE_API_TOKEN")
        if not token:
            raise CommandError("--via http needs --token or GRIDCARE_API_TOKEN")
        try:
            items_post(items, url=options["url"], token=token, say=say)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        return
    items_publish(
        items,
        host=options.get("host") or settings.NOTIFY_MQTT_HOST,
        port=options.get("port") or settings.NOTIFY_MQTT_PORT,
        client_id=options.get("client_id") or "",
        say=say,
    )
