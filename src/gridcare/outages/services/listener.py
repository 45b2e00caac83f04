"""`gridcare outages listen`: power events from Mosquitto into the store, losing nothing.

How nothing is lost (issue 26 "Reliability and bad input"):

- MQTT v5, QoS 1, a fixed client id, clean_start False and a session expiry: the broker
  keeps the subscription and queues the messages while the listener is down.
- Manual acknowledgement: a message is acknowledged (PUBACK) only after the batch holding
  it is committed. A listener killed before that gets it again from the broker; the
  store's insert-once turns the redelivery into a duplicate.
- A message received on a connection that has since dropped is not acknowledged on the
  new one (its packet id belongs to the old connection); the broker redelivers it.
- paho's network thread reconnects with exponential backoff (a broker restart); the
  database is retried with backoff too, the batch kept until it is stored.
- A malformed payload is a dead letter (services.ingest), never an exception here.

The network thread only queues messages; this thread batches (size or time), stores and
acknowledges, so the Django connection is used from one thread.
"""

from __future__ import annotations

import logging
import queue
import re
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from django.db import DatabaseError, IntegrityError, close_old_connections
from django.utils import timezone
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from gridcare.outages.choices import EventSource
from gridcare.outages.services.detect import detect_notices_send
from gridcare.outages.services.ingest import DeviceDirectory, RawEvent, events_store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListenerOptions:
    host: str
    port: int
    client_id: str
    topic_prefix: str
    batch_size: int = 2000
    flush_ms: int = 200
    session_expiry_seconds: int = 7 * 24 * 3600
    keepalive: int = 30
    reconnect_max_seconds: int = 30
    stop_after_idle: float | None = None  # seconds without a message (tests, bench)
    max_events: int | None = None  # stop after this many messages (bench)
    # One of several worker processes: an MQTT v5 shared subscription, the broker hands
    # each message to one member of the group (cli/listen.py --workers).
    shared_group: str = ""

    @property
    def subscription(self) -> str:
        topics = f"{self.topic_prefix}/events/#"
        if not self.shared_group:
            return topics
        # A share name is one topic level: no '/', '+' or '#'.
        group = re.sub(r"[/+#]", "_", self.shared_group)
        return f"$share/{group}/{topics}"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class ListenerStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    batches: int = 0
    connects: int = 0
    store_retries: int = 0
    first_at: float | None = None
    last_at: float | None = None
    # CPU seconds this process spent from run() to the end (the benchmark's measure that
    # does not depend on what else the machine runs).
    cpu_started: float = field(default_factory=_cpu_seconds)

    def as_dict(self) -> dict[str, Any]:
        span = (self.last_at - self.first_at) if self.first_at and self.last_at else 0.0
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "dead_letters": self.dead_letters,
            "batches": self.batches,
            "connects": self.connects,
            "store_retries": self.store_retries,
            "seconds": round(span, 3),
            "cpu_seconds": round(_cpu_seconds() - self.cpu_started, 3),
        }


@dataclass(frozen=True, slots=True)
class _Received:
    mid: int
    generation: int  # which connection it came on
    topic: str
    payload: bytes
    at: datetime


class PowerEventListener:
    """Subscribe, batch, store, acknowledge; `run()` blocks until `stop()` (SIGTERM), idle
    or `max_events`."""

    def __init__(self, options: ListenerOptions, *, say: Callable[[str], None] = logger.info):
        self.options = options
        self.stats = ListenerStats()
        self._say = say
        self._inbox: queue.Queue[_Received] = queue.Queue()
        self._stopping = threading.Event()
        self._generation = 0
        self._directory = DeviceDirectory()
        self._notices_due: set[int] = set()
        self._client = self._make_client()

    # --- The network thread (paho callbacks): queue, never store ---

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.options.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        client.reconnect_delay_set(min_delay=1, max_delay=self.options.reconnect_max_seconds)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _connect_properties(self) -> Properties:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.options.session_expiry_seconds
        # As many unacknowledged messages in flight as MQTT allows: batches of thousands
        # are acknowledged together, after their commit.
        props.ReceiveMaximum = 65535
        return props

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            self._say(f"broker refused the connection: {reason}")
            return
        self._generation += 1
        self.stats.connects += 1
        client.subscribe(self.options.subscription, qos=1)
        self._say(
            f"connected to {self.options.host}:{self.options.port} "
            f"(session present: {bool(flags.session_present)}), "
            f"subscribed to {self.options.subscription}"
        )

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if not self._stopping.is_set():
            self._say(f"connection lost ({reason}); reconnecting")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(
            _Received(message.mid, self._generation, message.topic, message.payload, timezone.now())
        )

    # --- This thread: batch, store, acknowledge ---

    def run(self) -> ListenerStats:
        self._client.connect_async(
            self.options.host,
            self.options.port,
            keepalive=self.options.keepalive,
            clean_start=False,
            properties=self._connect_properties(),
        )
        self._client.loop_start()
        self.stats.cpu_started = _cpu_seconds()
        try:
            self._batches()
        finally:
            self._client.disconnect()
            self._client.loop_stop()
        return self.stats

    def stop(self) -> None:
        """Finish the batch in hand (store and acknowledge it), then disconnect."""
        self._stopping.set()

    def _batches(self) -> None:
        idle_since = time.monotonic()
        while not self._stopping.is_set():
            batch = self._collect()
            if batch:
                self._store(batch)
                idle_since = time.monotonic()
            if self._inbox.empty():
                self._notices_send()
            if not batch and self._idle_for(idle_since):
                self._say(f"no message for {self.options.stop_after_idle:g} s: stopping")
                return
            if self.options.max_events and self.stats.received >= self.options.max_events:
                return
        # Stopping: what has already arrived is stored and acknowledged before leaving.
        self._drain()

    def _collect(self) -> list[_Received]:
        """Up to batch_size messages, waiting at most flush_ms after the first."""
        try:
            first = self._inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.options.flush_ms / 1000
        while len(batch) < self.options.batch_size:
            left = deadline - time.monotonic()
            try:
                batch.append(
                    self._inbox.get(timeout=left) if left > 0 else self._inbox.get_nowait()
                )
            except queue.Empty:
                break
        return batch

    def _drain(self) -> None:
        leftover = []
        while True:
            try:
                leftover.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        for start in range(0, len(leftover), self.options.batch_size):
            self._store(leftover[start : start + self.options.batch_size], retry=False)
        self._notices_send()

    def _notices_send(self) -> None:
        """The customers' messages of the outages detected since the inbox was last empty:
        a storm's batches are all correlated first (the outage reaches its whole scope),
        then each customer is told once. A failure is logged; the worker's detection sweep
        sends what is still due (`notified_at` stays empty)."""
        if not self._notices_due:
            return
        due, self._notices_due = self._notices_due, set()
        try:
            detect_notices_send(outage_ids=due)
        except Exception as exc:  # the listener goes on whatever failed; the sweep resends
            self._say(f"outage notices not sent ({exc.__class__.__name__}): the sweep will")

    def _idle_for(self, since: float) -> bool:
        limit = self.options.stop_after_idle
        return limit is not None and time.monotonic() - since >= limit

    def _store(self, batch: list[_Received], *, retry: bool = True) -> None:
        items = [RawEvent(payload=m.payload, topic=m.topic, received_at=m.at) for m in batch]
        delay = 0.5
        while True:
            close_old_connections()
            try:
                result = events_store(
                    items, source=EventSource.MQTT, directory=self._directory, notify=False
                )
                break
            except IntegrityError as exc:
                # A device the directory still holds is gone (or moved): forget every
                # place and resolve again; an id no longer known becomes a dead letter.
                self._directory = DeviceDirectory()
                self.stats.store_retries += 1
                self._say(f"store failed ({exc.__class__.__name__}); reloading the devices")
                if not retry:
                    return
                continue
            except DatabaseError as exc:
                # Not acknowledged: the batch is kept and tried again (or, when stopping,
                # left to the broker, which redelivers it to the next listener).
                self.stats.store_retries += 1
                self._say(
                    f"store failed ({exc.__class__.__name__}: {exc}); retrying in {delay:g} s"
                )
                if not retry or self._stopping.wait(delay):
                    return
                delay = min(delay * 2, 30.0)
        self._acknowledge(batch)
        self._notices_due.update(result.notices_due)
        self._count(len(batch), result.stored, result.duplicates, result.dead_letters)

    def _acknowledge(self, batch: list[_Received]) -> None:
        for message in batch:
            if message.generation == self._generation:
                self._client.ack(message.mid, 1)

    def _count(self, received: int, stored: int, duplicates: int, dead_letters: int) -> None:
        now = time.monotonic()
        stats = self.stats
        stats.first_at = stats.first_at or now
        stats.last_at = now
        stats.received += received
        stats.stored += stored
        stats.duplicates += duplicates
        stats.dead_letters += dead_letters
        stats.batches += 1
