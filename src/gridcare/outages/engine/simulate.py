"""A storm of power events, made up from a seed (framework-free, deterministic).

The Django side (`cli/simulate.py`) reads the topology into `FeederLayout`s and delivers
the items over MQTT or HTTP; tests and the benchmark use the same generator.

    SUB ─ F1 ─┬─ TR1 (terminal TM-TR1) ─ {M1 … Mn}   feeder trip: every meter and terminal
              └─ TR2 (terminal TM-TR2) ─ {…}          of F1 sends power_off within seconds,
                                                        then power_on after the repair

What makes it realistic (issue 26 §7): meters report with jitter (a last gasp is sent over
a few seconds, the concentrator relays later), some device clocks are minutes off, a few
events are lost and a few delivered twice, delivery order is not device-time order.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gridcare.outages.engine.events import event_payload, event_topic

SCENARIOS = ("feeder-trip", "planned", "lone-faults", "storm")


@dataclass(frozen=True, slots=True)
class TransformerLayout:
    code: str
    terminals: tuple[str, ...]
    meters: tuple[str, ...]  # asset numbers


@dataclass(frozen=True, slots=True)
class FeederLayout:
    code: str
    transformers: tuple[TransformerLayout, ...]

    @property
    def meters(self) -> tuple[str, ...]:
        return tuple(m for tr in self.transformers for m in tr.meters)


@dataclass(frozen=True, slots=True)
class Noise:
    """How imperfect the field is. Shares are of the events generated."""

    jitter_seconds: float = 20.0  # spread of the last gasps after the trip
    skewed_share: float = 0.02  # devices whose clock is off …
    skew_minutes: int = 4  # … by up to this many minutes either way
    lost_share: float = 0.005  # never arrive
    duplicate_share: float = 0.01  # arrive twice (QoS 1 redelivery, a device retrying)


QUIET = Noise(jitter_seconds=0, skewed_share=0, lost_share=0, duplicate_share=0)


@dataclass(frozen=True, slots=True, order=True)
class SimItem:
    """One message to deliver: `at` is when it reaches the wire (delivery order)."""

    at: datetime
    topic: str
    payload: bytes
    device_time: datetime = field(compare=False)


@dataclass(frozen=True, slots=True)
class _Event:
    device_kind: str
    device_id: str
    kind: str
    true_time: datetime


def feeder_trip(
    feeder: FeederLayout,
    *,
    start: datetime,
    seed: int,
    prefix: str,
    meters: int | None = None,
    restore_after: timedelta | None = None,
    noise: Noise = Noise(),
) -> list[SimItem]:
    """A 10 kV feeder trips at `start`: every terminal and (the first `meters`) meters of
    the feeder send power_off; power_on `restore_after` later when given."""
    rng = random.Random(seed)
    chosen = set(feeder.meters[:meters] if meters is not None else feeder.meters)
    events = []
    for tr in feeder.transformers:
        devices = [("terminal", t) for t in tr.terminals]
        devices += [("meter", m) for m in tr.meters if m in chosen]
        events += _off_on(devices, start=start, restore_after=restore_after, rng=rng, noise=noise)
    return _deliver(events, rng=rng, noise=noise, prefix=prefix)


def planned_switch_off(
    transformers: Sequence[TransformerLayout],
    *,
    start: datetime,
    end: datetime,
    seed: int,
    prefix: str,
) -> list[SimItem]:
    """A planned outage as the devices see it: the 台区 are switched off at `start` and on
    at `end` (little jitter: a crew operates the switch at the announced time)."""
    rng = random.Random(seed)
    noise = Noise(jitter_seconds=5, skewed_share=0, lost_share=0, duplicate_share=0)
    devices = [("terminal", t) for tr in transformers for t in tr.terminals]
    devices += [("meter", m) for tr in transformers for m in tr.meters]
    events = _off_on(devices, start=start, restore_after=end - start, rng=rng, noise=noise)
    return _deliver(events, rng=rng, noise=noise, prefix=prefix)


def lone_faults(
    meters: Sequence[str],
    *,
    count: int,
    start: datetime,
    seed: int,
    prefix: str,
    restore_after: timedelta | None = timedelta(minutes=40),
) -> list[SimItem]:
    """`count` meters chosen at random lose supply alone (a customer-side fault), within
    ten minutes of `start`; each comes back `restore_after` later."""
    rng = random.Random(seed)
    events: list[_Event] = []
    for meter in rng.sample(list(meters), min(count, len(meters))):
        off = start + timedelta(seconds=rng.uniform(0, 600))
        events.append(_Event("meter", meter, "power_off", off))
        if restore_after is not None:
            events.append(_Event("meter", meter, "power_on", off + restore_after))
    return _deliver(events, rng=rng, noise=QUIET, prefix=prefix)


def storm(
    feeders: Sequence[FeederLayout],
    *,
    tripped: str,
    start: datetime,
    seed: int,
    prefix: str,
    meters: int | None = None,
    restore_after: timedelta | None = None,
    lone: int = 5,
) -> list[SimItem]:
    """A thunderstorm: the feeder `tripped` trips, one 台区 of another feeder (if any) goes
    out on its own a minute later, and `lone` single meters elsewhere fail."""
    by_code = {f.code: f for f in feeders}
    items = feeder_trip(
        by_code[tripped],
        start=start,
        seed=seed,
        prefix=prefix,
        meters=meters,
        restore_after=restore_after,
    )
    others = [f for f in feeders if f.code != tripped and f.transformers]
    if others:
        area = others[0].transformers[0]
        one_area = FeederLayout(others[0].code, (area,))
        later = start + timedelta(minutes=1)
        items += feeder_trip(
            one_area, start=later, seed=seed + 1, prefix=prefix, restore_after=restore_after
        )
    elsewhere = [m for f in others for tr in f.transformers[1:] for m in tr.meters]
    items += lone_faults(elsewhere, count=lone, start=start, seed=seed + 2, prefix=prefix)
    return sorted(items)


def unique_events(items: Iterable[SimItem]) -> int:
    """How many distinct events the items carry (what a store must end up holding)."""
    return len({(item.topic, item.device_time, item.payload) for item in items})


def _off_on(
    devices: Sequence[tuple[str, str]],
    *,
    start: datetime,
    restore_after: timedelta | None,
    rng: random.Random,
    noise: Noise,
) -> list[_Event]:
    events = []
    for kind, device in devices:
        events.append(_Event(kind, device, "power_off", start + _jitter(rng, noise)))
        if restore_after is not None:
            back = start + restore_after + _jitter(rng, noise)
            events.append(_Event(kind, device, "power_on", back))
    return events


def _jitter(rng: random.Random, noise: Noise) -> timedelta:
    return timedelta(seconds=round(rng.uniform(0, noise.jitter_seconds)))


def _deliver(
    events: Sequence[_Event], *, rng: random.Random, noise: Noise, prefix: str
) -> list[SimItem]:
    """Events → messages: some clocks off, some lost, some twice, delivery order shuffled
    by up to a few seconds against device time."""
    clocks: dict[str, timedelta] = {}
    items = []
    for event in events:
        if rng.random() < noise.lost_share:
            continue
        offset = clocks.setdefault(event.device_id, _clock_offset(rng, noise))
        device_time = (event.true_time + offset).replace(microsecond=0)
        payload = event_payload(
            device_id=event.device_id,
            device_kind=event.device_kind,
            kind=event.kind,
            device_time=device_time,
        )
        topic = event_topic(prefix, event.device_kind, event.device_id)
        arrives = event.true_time + timedelta(seconds=rng.uniform(0, 3))
        items.append(SimItem(arrives, topic, payload, device_time))
        if rng.random() < noise.duplicate_share:
            again = arrives + timedelta(seconds=rng.uniform(0, 5))
            items.append(SimItem(again, topic, payload, device_time))
    return sorted(items)


def _clock_offset(rng: random.Random, noise: Noise) -> timedelta:
    if rng.random() >= noise.skewed_share:
        return timedelta(0)
    return timedelta(minutes=rng.choice([-1, 1]) * rng.randint(1, max(1, noise.skew_minutes)))
