"""`gridcare outages listen` against a real Mosquitto: a storm is stored with nothing lost
(published = stored + duplicates), also when the broker restarts mid-storm and when the
listener is killed and started again; a malformed payload never stops it; SIGTERM stops it
cleanly. The listener runs as its own process on the test database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone

from gridcare.grid.models import Feeder, Transformer
from gridcare.grid.services import meter_install, terminal_install, transformer_create
from gridcare.outages.engine import simulate as engine
from gridcare.outages.models import DeadLetter, PowerEvent
from gridcare.outages.selectors.devices import feeder_layouts
from gridcare.outages.services.simulator import items_publish
from gridcare.testing.mosquitto import Broker, mosquitto_available
from gridcare.testing.personas import World
from gridcare.testing.processes import database_url, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not mosquitto_available(), reason="mosquitto is not installed"),
]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    own = Broker(tmp_path / "broker").start()
    yield own
    own.stop()


@pytest.fixture
def prefix() -> str:
    """A topic prefix of this test alone (other listeners may share the system broker)."""
    return f"test-{uuid.uuid4().hex[:10]}/outages"


RUNNING: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _no_listener_left_behind() -> Iterator[None]:
    yield
    while RUNNING:
        process = RUNNING.pop()
        if process.poll() is None:
            process.kill()
            process.wait(10)


#: How long a listener (and its workers: each a new Python importing Django) may take to
#: subscribe. A readiness wait, not a speed figure: a loaded CI machine took over 30 s.
STARTUP = 120


class Listener:
    """`python -m gridcare outages listen` on the test database, output to a file."""

    def __init__(self, port: int, prefix: str, log: Path, *extra: str) -> None:
        self.log = log
        env = dict(
            os.environ,
            GRIDCARE_DATABASE_URL=database_url(),
            GRIDCARE_OUTAGES_MQTT_TOPIC_PREFIX=prefix,
            GRIDCARE_OUTAGES_INGEST_BATCH="500",
            PYTHONUNBUFFERED="1",
        )
        argv = [sys.executable, "-m", "gridcare", "outages", "listen", "--port", str(port)]
        argv += ["--client-id", f"listener-{prefix}", "--json", *extra]
        with open(log, "ab") as out:
            self.process = subprocess.Popen(argv, env=env, stdout=out, stderr=out)
        RUNNING.append(self.process)
        assert wait_until(lambda: "subscribed to" in log.read_text(), STARTUP), log.read_text()

    def wait(self, timeout: float = 60) -> dict[str, int]:
        self.process.wait(timeout)
        assert self.process.returncode == 0, self.log.read_text()
        lines = self.log.read_text().strip().splitlines()
        return json.loads(lines[-1])

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


def _grow_feeder(world: World, meters_per_area: int) -> engine.FeederLayout:
    """F1 with three 台区 of `meters_per_area` meters each (TR1 gets its extra meters)."""
    feeder = Feeder.objects.get(code="F1")
    for n in (2, 3):
        tr = transformer_create(
            actor=None,
            feeder=feeder,
            code=f"TR1-{n}",
            name=f"石牌{n}号台区",
            rated_kva=400,
            area_class="urban",
            org_unit=world.station_1,
        )
        terminal_install(actor=None, transformer=tr, code=f"TM-TR1-{n}")
    for tr in Transformer.objects.filter(feeder=feeder):
        for i in range(meters_per_area):
            meter_install(actor=None, transformer=tr, asset_number=f"M{tr.pk:03d}{i:05d}")
    return next(f for f in feeder_layouts() if f.code == "F1")


def _storm(feeder: engine.FeederLayout, prefix: str, seed: int = 5) -> list[engine.SimItem]:
    start = timezone.now().replace(microsecond=0)
    return engine.feeder_trip(
        feeder, start=start, seed=seed, prefix=prefix, restore_after=timedelta(minutes=20)
    )


def _missing(items: list[engine.SimItem]) -> list[tuple[int, bytes]]:
    """The items (position, payload) whose event is not stored."""
    stored = set(PowerEvent.objects.values_list("device_id", "kind", "device_time"))
    return [
        (i, item.payload)
        for i, item in enumerate(items)
        if (item.topic.rsplit("/", 1)[1], json.loads(item.payload)["event"], item.device_time)
        not in stored
    ]


def _publish(broker_port: int, items: list[engine.SimItem]) -> int:
    return items_publish(items, host="127.0.0.1", port=broker_port, timed=False, say=lambda _: None)


def test_a_storm_is_stored_with_nothing_lost(
    world: World, broker: Broker, prefix: str, tmp_path: Path
) -> None:
    items = _storm(_grow_feeder(world, 100), prefix)
    listener = Listener(broker.port, prefix, tmp_path / "listen.log", "--stop-after-idle", "3")

    published = _publish(broker.port, items)
    stats = listener.wait()

    assert published == len(items) > 600
    assert stats["received"] == published
    assert stats["stored"] + stats["duplicates"] == published
    assert stats["dead_letters"] == 0
    assert PowerEvent.objects.count() == engine.unique_events(items) == stats["stored"]


def test_the_broker_restarted_mid_storm_loses_nothing(
    world: World, broker: Broker, prefix: str, tmp_path: Path
) -> None:
    items = _storm(_grow_feeder(world, 150), prefix)
    listener = Listener(broker.port, prefix, tmp_path / "listen.log", "--stop-after-idle", "8")
    half = len(items) // 2

    _publish(broker.port, items[:half])
    # The second half is published while the broker goes down and comes back: the
    # publisher's paho keeps and resends what the broker did not acknowledge.
    publisher = threading.Thread(target=_publish, args=(broker.port, items[half:]))
    publisher.start()
    broker.restart(down_seconds=1.5)
    publisher.join(90)
    stats = listener.wait(120)

    assert not publisher.is_alive()
    assert stats["connects"] >= 2  # it reconnected
    assert _missing(items) == []
    assert not DeadLetter.objects.exists()


def test_a_listener_killed_and_started_again_loses_nothing(
    world: World, broker: Broker, prefix: str, tmp_path: Path
) -> None:
    items = _storm(_grow_feeder(world, 200), prefix)
    log = tmp_path / "listen.log"
    first = Listener(broker.port, prefix, log)

    publisher = threading.Thread(target=_publish, args=(broker.port, items))
    publisher.start()
    assert wait_until(lambda: PowerEvent.objects.count() > 0, 60, step=0.02)
    first.kill()  # SIGKILL: whatever was not committed was not acknowledged either
    stored_before = PowerEvent.objects.count()
    publisher.join(90)  # the rest waits in the broker for the persistent session
    second = Listener(broker.port, prefix, log, "--stop-after-idle", "3")
    stats = second.wait(120)

    assert stored_before < engine.unique_events(items)
    assert _missing(items) == []
    assert stats["stored"] == engine.unique_events(items) - stored_before


def _publish_raw(port: int, messages: list[tuple[str, bytes]]) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for topic, payload in messages:
        client.publish(topic, payload, qos=1).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()


def test_malformed_payloads_on_the_system_broker_are_dead_lettered_and_the_listener_goes_on(
    world: World, prefix: str, tmp_path: Path
) -> None:
    listener = Listener(1883, prefix, tmp_path / "listen.log", "--stop-after-idle", "3")
    good = engine.event_payload(
        device_id="MA0001", device_kind="meter", kind="power_off", device_time=timezone.now()
    )
    _publish_raw(
        1883,
        [
            (f"{prefix}/events/meter/MA0001", b"\x00\xff not json"),
            (f"{prefix}/events/meter/MA0001", b"x" * 5000),
            (f"{prefix}/events/meter/XX0404", good.replace(b"MA0001", b"XX0404")),
            (f"{prefix}/events/terminal/MA0001", good),
            (f"{prefix}/events/meter/MA0001", good),
        ],
    )
    stats = listener.wait()

    assert (stats["stored"], stats["dead_letters"]) == (1, 4)
    reasons = sorted(DeadLetter.objects.values_list("reason", flat=True))
    assert reasons == ["malformed_json", "oversized", "topic_mismatch", "unknown_device"]
    assert PowerEvent.objects.get().device_id == "MA0001"


def test_sigterm_stops_the_listener_cleanly_with_its_summary(
    world: World, broker: Broker, prefix: str, tmp_path: Path
) -> None:
    listener = Listener(broker.port, prefix, tmp_path / "listen.log")

    listener.process.send_signal(signal.SIGTERM)
    stats = listener.wait(30)

    assert stats["received"] == 0
    assert "SIGTERM" in listener.log.read_text()


def test_two_workers_share_the_subscription_and_store_everything_once(
    world: World, broker: Broker, prefix: str, tmp_path: Path
) -> None:
    items = _storm(_grow_feeder(world, 100), prefix, seed=9)
    log = tmp_path / "fleet.log"
    listener = Listener(broker.port, prefix, log, "--workers", "2", "--stop-after-idle", "3")
    assert wait_until(lambda: log.read_text().count("subscribed to") == 2, STARTUP), log.read_text()

    published = _publish(broker.port, items)
    stats = listener.wait()

    assert stats["workers"] == 2
    assert stats["received"] == published
    assert stats["stored"] + stats["duplicates"] == published
    assert "$share/" in log.read_text()
    assert _missing(items) == []


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def test_a_killed_worker_of_two_is_started_again_and_its_share_is_stored(
    world: World, broker: Broker, prefix: str, tmp_path: Path
) -> None:
    items = _storm(_grow_feeder(world, 150), prefix, seed=11)
    log = tmp_path / "fleet.log"
    listener = Listener(broker.port, prefix, log, "--workers", "2", "--stop-after-idle", "4")
    assert wait_until(lambda: log.read_text().count("subscribed to") == 2, STARTUP), log.read_text()

    publisher = threading.Thread(target=_publish, args=(broker.port, items))
    publisher.start()
    assert wait_until(lambda: PowerEvent.objects.exists(), 60, step=0.02)
    os.kill(_children(listener.process.pid)[0], signal.SIGKILL)
    publisher.join(90)
    listener.wait(120)

    assert "exited with -9: starting it again" in log.read_text()
    assert _missing(items) == []


def test_a_storm_through_the_listener_tells_each_customer_once_after_its_last_batch(
    world: World, broker: Broker, prefix: str, tmp_path: Path
) -> None:
    from gridcare.notify.models import Notification
    from gridcare.outages.models import Outage

    # The persona area TR1 (account A on MA0001) goes off with a storm of 100 meters beside
    # it on the same feeder; the listener stores it in several batches and defers the
    # messages until its inbox is empty.
    layout = _grow_feeder(world, 100)
    items = engine.feeder_trip(
        layout, start=timezone.now().replace(microsecond=0), seed=7, prefix=prefix
    )
    listener = Listener(
        broker.port,
        prefix,
        tmp_path / "listen.log",
        "--stop-after-idle",
        "3",
        "--batch-size",
        "200",
    )
    _publish(broker.port, items)
    stats = listener.wait()

    assert stats["batches"] > 1
    outage = Outage.objects.get(kind="unplanned", state="active", level="feeder")
    assert outage.customers.filter(account=world.account_a, on_at__isnull=True).exists()
    told = Notification.objects.filter(
        customer=world.customer_alice, idempotency_key__endswith=":detected"
    )
    assert told.count() == 1
