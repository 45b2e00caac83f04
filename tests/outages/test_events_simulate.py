"""The storm simulator (engine, no database) and `gridcare outages simulate`: deterministic
for a seed, every device of a tripped feeder reports, a few lost and a few twice, clocks a
few minutes off, restoration later; the command refuses what it cannot do."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from gridcare.outages.engine.events import ParseLimits, PowerEventIn, event_parse
from gridcare.outages.engine.simulate import (
    FeederLayout,
    TransformerLayout,
    feeder_trip,
    lone_faults,
    planned_switch_off,
    storm,
    unique_events,
)
from gridcare.outages.models import PowerEvent
from gridcare.testing.personas import World

PREFIX = "gridcare/outages"
START = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
F1 = FeederLayout(
    "F1",
    tuple(
        TransformerLayout(f"TR{t}", (f"TM{t}",), tuple(f"M{t}{i:04d}" for i in range(500)))
        for t in range(10)
    ),
)
F2 = FeederLayout(
    "F2", (TransformerLayout("TRX", ("TMX",), tuple(f"X{i:03d}" for i in range(50))),) * 2
)


def _events(items):  # type: ignore[no-untyped-def]
    limits = ParseLimits(topic_prefix=PREFIX)
    now = START + timedelta(hours=1)
    return [event_parse(i.payload, received_at=now, limits=limits, topic=i.topic) for i in items]


def test_a_feeder_trip_of_5000_meters_sends_each_device_once_give_or_take_noise() -> None:
    items = feeder_trip(F1, start=START, seed=7, prefix=PREFIX)

    events = _events(items)
    assert all(isinstance(e, PowerEventIn) for e in events)  # every message parses, topic agrees
    devices = Counter(e.device_id for e in events)  # type: ignore[union-attr]
    lost = 5010 - len(devices)
    twice = len(items) - unique_events(items)
    assert 5 <= lost <= 60  # ~0.5 % lost
    assert 20 <= twice <= 100  # ~1 % delivered twice
    assert {"TM0", "TM9"} <= set(devices) or lost > 0
    offsets = [e.device_time - START for e in events]  # type: ignore[union-attr]
    assert max(offsets) > timedelta(minutes=1)  # some clocks run minutes ahead …
    assert min(offsets) < timedelta(0)  # … or behind


def test_the_same_seed_gives_the_same_storm_and_another_seed_another() -> None:
    one = feeder_trip(F1, start=START, seed=1, prefix=PREFIX, meters=300)
    same = feeder_trip(F1, start=START, seed=1, prefix=PREFIX, meters=300)
    other = feeder_trip(F1, start=START, seed=2, prefix=PREFIX, meters=300)

    assert one == same
    assert one != other


def test_delivery_order_is_not_device_time_order() -> None:
    items = feeder_trip(F1, start=START, seed=3, prefix=PREFIX, meters=1000)

    times = [i.device_time for i in items]
    assert times != sorted(times)


def test_restoration_comes_after_the_trip_for_each_device() -> None:
    items = feeder_trip(
        F1, start=START, seed=4, prefix=PREFIX, meters=200, restore_after=timedelta(minutes=45)
    )

    kinds = Counter(json.loads(i.payload)["event"] for i in items)
    assert kinds["power_on"] > 190
    first_on = min(i.device_time for i in items if b"power_on" in i.payload)
    last_off = max(i.device_time for i in items if b"power_off" in i.payload)
    assert first_on - last_off > timedelta(minutes=30)


def test_a_planned_switch_off_is_exact_and_lone_faults_are_single_meters() -> None:
    planned = planned_switch_off(
        F1.transformers[:1], start=START, end=START + timedelta(hours=2), seed=5, prefix=PREFIX
    )
    lone = lone_faults(F1.meters, count=4, start=START, seed=6, prefix=PREFIX)

    assert len(planned) == unique_events(planned) == 2 * 501  # nothing lost or doubled
    assert len({i.topic for i in lone}) == 4
    assert len(lone) == 8  # off, then on


def test_a_storm_trips_one_feeder_one_other_area_and_some_lone_meters() -> None:
    items = storm([F1, F2], tripped="F1", start=START, seed=8, prefix=PREFIX, meters=100, lone=3)

    topics = {i.topic.rsplit("/", 1)[1] for i in items}
    assert "TMX" in topics  # the other feeder's first 台区
    assert sum(1 for t in topics if t.startswith("M")) <= 100


def test_simulate_refuses_an_unknown_feeder(world: World) -> None:
    with pytest.raises(CommandError, match="没有线路 NOPE"):
        call_command("outages", "simulate", "--feeder", "NOPE", stdout=StringIO())


def test_simulate_never_runs_in_production(world: World, settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="GRIDCARE_PRODUCTION"):
        call_command("outages", "simulate", "--feeder", "F1", stdout=StringIO())
    assert not PowerEvent.objects.exists()


def test_simulate_over_http_needs_a_token(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRIDCARE_API_TOKEN", raising=False)

    with pytest.raises(CommandError, match="--token"):
        call_command("outages", "simulate", "--feeder", "F1", "--via", "http", stdout=StringIO())


def test_simulate_over_http_to_nowhere_says_so(world: World) -> None:
    with pytest.raises(CommandError, match="无法连接"):
        call_command(
            "outages", "simulate", "--feeder", "F1", "--via", "http", "--token", "gc_x",
            "--url", "http://127.0.0.1:9/api/v1/outages/events", stdout=StringIO(),
        )  # fmt: skip
