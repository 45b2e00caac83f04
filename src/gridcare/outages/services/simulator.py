"""`gridcare outages simulate`: make a storm from the topology (engine.simulate) and deliver
it like the field does, over MQTT (QoS 1) or the HTTP batch endpoint.

Events whose time lies ahead (the power_on of `--restore-after`) are delivered when their
time comes, unless `replay` shifts the whole story into the past so it goes out at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from django.conf import settings
from django.utils import timezone

from gridcare.core.errors import DomainError
from gridcare.outages.engine import simulate as engine
from gridcare.outages.selectors.devices import feeder_layouts

FUTURE_SLACK_SECONDS = 120


@dataclass(frozen=True)
class Storm:
    scenario: str
    feeder: str
    meters: int | None = None
    seed: int = 26
    restore_after: timedelta | None = None
    replay: bool = False
    lone: int = 5


def storm_items(storm: Storm, *, now: datetime | None = None) -> list[engine.SimItem]:
    """The messages of a scenario on a feeder of the stored topology, delivery-ordered."""
    now = (now or timezone.now()).replace(microsecond=0)
    layouts = feeder_layouts()
    feeder = next((f for f in layouts if f.code == storm.feeder), None)
    if feeder is None:
        raise DomainError("outages.simulate.no_feeder", f"没有线路 {storm.feeder}")
    start = now - (storm.restore_after or timedelta(0)) if storm.replay else now
    prefix = settings.OUTAGES_MQTT_TOPIC_PREFIX
    common: dict[str, Any] = {"start": start, "seed": storm.seed, "prefix": prefix}
    if storm.scenario == "feeder-trip":
        items = engine.feeder_trip(
            feeder, meters=storm.meters, restore_after=storm.restore_after, **common
        )
    elif storm.scenario == "planned":
        end = start + (storm.restore_after or timedelta(hours=2))
        items = engine.planned_switch_off(feeder.transformers[:1], end=end, **common)
    elif storm.scenario == "lone-faults":
        items = engine.lone_faults(
            feeder.meters, count=storm.lone, restore_after=storm.restore_after, **common
        )
    elif storm.scenario == "storm":
        items = engine.storm(
            layouts,
            tripped=feeder.code,
            meters=storm.meters,
            restore_after=storm.restore_after,
            lone=storm.lone,
            **common,
        )
    else:
        raise DomainError("outages.simulate.scenario", f"未知的场景 {storm.scenario}")
    return items


def items_publish(
    items: Sequence[engine.SimItem],
    *,
    host: str,
    port: int,
    client_id: str = "",
    timed: bool = True,
    patience: float = 60.0,
    say: Callable[[str], None] = print,
) -> int:
    """Publish at QoS 1 and wait until the broker acknowledged every message (paho keeps
    the unacknowledged ones and sends them again after a reconnect)."""
    acknowledged = [0]  # PUBACKs so far (packet ids wrap at 65,535; a count does not)
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not client_id
    )
    # Counted from the broker's PUBACKs: a message published while the connection was down
    # is kept by paho and sent after the reconnect, and acknowledged then.
    client.on_publish = lambda c, u, mid, reason, props: acknowledged.__setitem__(
        0, acknowledged[0] + 1
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.reconnect_delay_set(min_delay=1, max_delay=5)
    client.connect_async(host, port, keepalive=30)
    client.loop_start()
    try:
        sent = 0
        for item in _when_due(items, timed=timed):
            client.publish(item.topic, item.payload, qos=1)
            sent += 1
        _wait_acknowledged(sent, acknowledged, patience=patience)
    finally:
        client.disconnect()
        client.loop_stop()
    say(f"simulate: published {sent} messages to {host}:{port}")
    return sent


def _wait_acknowledged(sent: int, acknowledged: list[int], *, patience: float) -> None:
    """Until every message is acknowledged; a broker silent for `patience` seconds (none
    acknowledged meanwhile) is an error, not a hang."""
    seen, last_progress = -1, time.monotonic()
    while acknowledged[0] < sent:
        if acknowledged[0] > seen:
            seen, last_progress = acknowledged[0], time.monotonic()
        elif time.monotonic() - last_progress > patience:
            raise DomainError(
                "outages.simulate.broker",
                f"消息代理 {patience:g} 秒内未确认，仍有 {sent - seen} 条未送达",
            )
        time.sleep(0.02)


def items_post(
    items: Sequence[engine.SimItem],
    *,
    url: str,
    token: str,
    timed: bool = True,
    chunk: int = 5000,
    say: Callable[[str], None] = print,
) -> dict[str, int]:
    """POST the payloads to /api/v1/outages/events in chunks; the summed counts."""
    totals = {"stored": 0, "duplicates": 0, "dead_letters": 0}
    headers = {"Authorization": f"Bearer {token}"}
    due = list(_when_due(items, timed=timed))
    with httpx.Client(timeout=60) as client:
        for start in range(0, len(due), chunk):
            body = [json.loads(item.payload) for item in due[start : start + chunk]]
            try:
                response = client.post(url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                raise DomainError("outages.simulate.http", f"无法连接 {url}：{exc}") from exc
            if response.status_code != 200:
                raise DomainError(
                    "outages.simulate.http",
                    f"接口返回 {response.status_code}：{response.text[:200]}",
                )
            for key in totals:
                totals[key] += response.json()[key]
    say(f"simulate: posted {len(due)} events to {url}: {totals}")
    return totals


def _when_due(items: Sequence[engine.SimItem], *, timed: bool) -> Any:
    """The items in delivery order; when `timed`, an item more than two minutes ahead (a
    restoration) waits until its time has come. The burst of a trip, spread over seconds
    in device time, goes out at once: the store and detection go by device time."""
    for item in sorted(items):
        wait = (item.at - timezone.now()).total_seconds()
        if timed and wait > FUTURE_SLACK_SECONDS:
            time.sleep(wait)
        yield item
