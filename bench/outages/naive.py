"""The plain way, for comparison: one message, one lookup, one insert in its own
transaction (a duplicate is an IntegrityError), one state update, and paho acknowledges
each message when its callback returns."""

from __future__ import annotations

import time
from typing import Any

import paho.mqtt.client as mqtt
from django.db import IntegrityError, transaction
from django.utils import timezone
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from gridcare.grid.models import Meter, Terminal
from gridcare.outages.engine.events import PowerEventIn, event_parse
from gridcare.outages.models import DeadLetter, MeterPowerState, PowerEvent
from gridcare.outages.services.ingest import parse_limits


def _store_one(topic: str, payload: bytes, counts: dict[str, int]) -> None:
    event = event_parse(payload, received_at=timezone.now(), limits=parse_limits(), topic=topic)
    if not isinstance(event, PowerEventIn):
        DeadLetter.objects.create(
            source="mqtt", topic=topic, payload=payload.decode(), reason=event.reason
        )
        counts["dead_letters"] += 1
        return
    meter = Meter.objects.filter(asset_number=event.device_id).first()
    terminal = (
        None if meter else Terminal.objects.select_related("transformer").get(code=event.device_id)
    )
    transformer = meter.transformer_id if meter else terminal.transformer_id  # type: ignore[union-attr]
    feeder = meter.feeder_id if meter else terminal.transformer.feeder_id  # type: ignore[union-attr]
    try:
        with transaction.atomic():
            PowerEvent.objects.create(
                device_kind=event.device_kind, device_id=event.device_id, kind=event.kind,
                device_time=event.device_time, source="mqtt", meter=meter,
                transformer_id=transformer, feeder_id=feeder,
            )  # fmt: skip
    except IntegrityError:
        counts["duplicates"] += 1
        return
    counts["stored"] += 1
    if meter is not None:
        state = MeterPowerState.objects.filter(meter=meter).first()
        if state is None or state.changed_at < event.device_time:
            MeterPowerState.objects.update_or_create(
                meter=meter,
                defaults={
                    "transformer_id": transformer, "feeder_id": feeder,
                    "is_off": event.kind == "power_off", "changed_at": event.device_time,
                },
            )  # fmt: skip


def naive_subscribe(*, port: int, prefix: str, client_id: str, count: int) -> dict[str, Any]:
    """Read `count` messages (0: just open the session) and store each on arrival."""
    counts = {"stored": 0, "duplicates": 0, "dead_letters": 0, "received": 0}
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )

    def on_message(c: Any, u: Any, message: mqtt.MQTTMessage) -> None:
        _store_one(message.topic, message.payload, counts)
        counts["received"] += 1

    client.on_message = on_message
    client.on_connect = lambda c, u, f, r, p: c.subscribe(f"{prefix}/events/#", qos=1)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    deadline = time.monotonic() + (1 if count == 0 else 600)
    while counts["received"] < count and time.monotonic() < deadline:
        time.sleep(0.01)
    if count == 0:
        time.sleep(0.5)
    client.disconnect()
    client.loop_stop()
    return counts
