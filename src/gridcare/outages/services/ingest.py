"""Power events in: parse, resolve the device, store once, dead-letter the rest, keep each
meter's supply state, then let detection look at the touched 台区.

One batch is one transaction: the events, the dead letters and the meter states commit
together (the listener acknowledges the MQTT messages only after that). Stored once means
`INSERT … ON CONFLICT (device_id, kind, device_time) DO NOTHING`: a QoS 1 redelivery, a
device that retries and the same event over MQTT and HTTP all end as one row, counted as
duplicates. docs/data-formats.md "Power events".
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from gridcare.outages.engine.events import (
    UNKNOWN_DEVICE,
    ParseLimits,
    PowerEventIn,
    Rejected,
    event_parse,
)
from gridcare.outages.models import DeadLetter
from gridcare.outages.selectors.devices import DevicePlace, devices_place
from gridcare.outages.services import pipeline
from gridcare.outages.services.ingest_sql import events_insert, states_upsert

logger = logging.getLogger(__name__)
DeviceKey = tuple[str, str]  # (device_kind, device_id)


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One payload as it arrived: bytes from MQTT (with its topic), or a decoded JSON value
    from the HTTP batch (no topic)."""

    payload: bytes | Any
    topic: str | None = None
    received_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int  # position in the batch
    reason: str
    detail: str


@dataclass(frozen=True)
class IngestResult:
    stored: int
    duplicates: int
    dead_letters: int
    transformer_ids: frozenset[int]
    rejections: tuple[Rejection, ...] = ()
    correlated: bool = True  # False: detection failed after the commit (logged)
    notices_due: tuple[int, ...] = ()  # outages to tell their customers about (notify=False)

    def counts(self) -> dict[str, int]:
        return {
            "stored": self.stored,
            "duplicates": self.duplicates,
            "dead_letters": self.dead_letters,
        }


class DeviceDirectory:
    """Meter asset numbers and terminal codes → their 台区 and feeder, held in memory.

    An id it does not hold is looked up (one query per batch for all of them), so a meter
    installed a minute ago resolves at once; the whole directory is dropped after
    `max_age_seconds`, so a meter moved to another 台区 is seen there within that time.
    A long-running listener keeps one; a single call makes a fresh one.
    """

    def __init__(self, *, max_age_seconds: float | None = None) -> None:
        self.max_age = (
            settings.OUTAGES_DIRECTORY_MAX_AGE_SECONDS
            if max_age_seconds is None
            else max_age_seconds
        )
        self._places: dict[DeviceKey, DevicePlace] = {}
        self._loaded_at = time.monotonic()

    def resolve(self, keys: Iterable[DeviceKey]) -> dict[DeviceKey, DevicePlace]:
        if time.monotonic() - self._loaded_at > self.max_age:
            self._places, self._loaded_at = {}, time.monotonic()
        wanted = set(keys)
        missing = wanted - self._places.keys()
        if missing:
            self._places.update(
                devices_place(
                    meters={d for k, d in missing if k == "meter"},
                    terminals={d for k, d in missing if k == "terminal"},
                )
            )
        return {key: self._places[key] for key in wanted if key in self._places}


def parse_limits() -> ParseLimits:
    """The engine's limits from settings (docs/data-formats.md "Power events")."""
    return ParseLimits(
        topic_prefix=settings.OUTAGES_MQTT_TOPIC_PREFIX,
        max_bytes=settings.OUTAGES_EVENT_MAX_BYTES,
        max_ahead=timedelta(minutes=settings.OUTAGES_MAX_CLOCK_SKEW_MINUTES),
        max_age=timedelta(hours=settings.OUTAGES_MAX_EVENT_AGE_HOURS),
    )


def events_store(
    items: Sequence[RawEvent],
    *,
    source: str,
    directory: DeviceDirectory | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> IngestResult:
    """Store a batch of power events (one transaction), then correlate the touched 台区
    (with `notify=False` the customers' notices are left to the caller: `notices_due`).

    1. Parse each payload (engine.events); a rejection becomes a dead letter.
    2. Resolve each device to its meter / 台区 / feeder; unknown → dead letter.
    3. Insert the events once (conflicts on device + kind + device time are duplicates).
    4. Move each meter's supply state to its newest event by device time (a late, older
       event changes nothing).
    5. After the commit: `pipeline.after_ingest` for the 台区 of the newly stored events.
    """
    now = now or timezone.now()
    limits = parse_limits()
    parsed = [
        event_parse(
            item.payload, received_at=item.received_at or now, limits=limits, topic=item.topic
        )
        for item in items
    ]
    places = (directory or DeviceDirectory()).resolve(
        (p.device_kind, p.device_id) for p in parsed if isinstance(p, PowerEventIn)
    )
    accepted, repeats, rejections = _sort_out(parsed, places)
    with transaction.atomic():
        transformer_ids = events_insert(
            accepted, places=places, source=source, received_at=now, connection=connection
        )
        states_upsert(_newest_per_meter(accepted, places), connection=connection)
        _dead_letters_write(items, rejections, source=source, now=now)
    result = IngestResult(
        stored=len(transformer_ids),
        duplicates=repeats + len(accepted) - len(transformer_ids),
        dead_letters=len(rejections),
        transformer_ids=frozenset(transformer_ids),
        rejections=tuple(rejections),
    )
    return _correlated(result, notify=notify)


def _sort_out(
    parsed: Sequence[PowerEventIn | Rejected], places: dict[DeviceKey, DevicePlace]
) -> tuple[list[PowerEventIn], int, list[Rejection]]:
    """The storable events (each once), how many repeats of them the batch carried, and
    the rejections by index."""
    accepted: dict[tuple[str, str, datetime], PowerEventIn] = {}
    repeats = 0
    rejections = []
    for index, outcome in enumerate(parsed):
        if isinstance(outcome, Rejected):
            rejections.append(Rejection(index, outcome.reason, outcome.detail))
        elif (outcome.device_kind, outcome.device_id) not in places:
            detail = f"no {outcome.device_kind} {outcome.device_id} in the topology"
            rejections.append(Rejection(index, UNKNOWN_DEVICE, detail))
        elif outcome.key in accepted:
            repeats += 1
        else:
            accepted[outcome.key] = outcome
    # Sorted, so concurrent batches take their row locks in one order (no deadlock).
    return sorted(accepted.values(), key=lambda e: e.key), repeats, rejections


def _newest_per_meter(
    events: Iterable[PowerEventIn], places: dict[DeviceKey, DevicePlace]
) -> list[tuple[int, DevicePlace, bool, datetime]]:
    """(meter id, place, is_off, device time) per meter: its newest event of the batch (at
    the same instant power_on wins: the meter spoke after the gasp)."""
    newest: dict[int, tuple[datetime, bool]] = {}
    where: dict[int, DevicePlace] = {}
    for event in events:
        place = places[(event.device_kind, event.device_id)]
        if place.meter_id is None:
            continue
        candidate = (event.device_time, event.kind == "power_off")
        held = newest.get(place.meter_id)
        if held is None or (candidate[0], not candidate[1]) > (held[0], not held[1]):
            newest[place.meter_id], where[place.meter_id] = candidate, place
    return [(m, where[m], off, at) for m, (at, off) in sorted(newest.items())]


def _dead_letters_write(
    items: Sequence[RawEvent], rejections: Sequence[Rejection], *, source: str, now: datetime
) -> None:
    DeadLetter.objects.bulk_create(
        [
            DeadLetter(
                received_at=items[r.index].received_at or now,
                source=source,
                topic=_storable(items[r.index].topic or "", 200),
                payload=_payload_text(items[r.index].payload),
                reason=r.reason,
                detail=_storable(r.detail, 300),
            )
            for r in rejections
        ],
        batch_size=500,
    )


def _payload_text(payload: bytes | Any) -> str:
    """The payload as stored text: cut to OUTAGES_DEAD_LETTER_MAX_BYTES, undecodable bytes
    and NUL characters (PostgreSQL text cannot hold them) replaced."""
    limit = settings.OUTAGES_DEAD_LETTER_MAX_BYTES
    if isinstance(payload, bytes):
        raw = payload
    else:
        raw = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8", "replace")
    return raw[:limit].decode("utf-8", "replace").replace("\x00", "\ufffd")


def _storable(text: str, limit: int) -> str:
    return text.replace("\x00", "\ufffd")[:limit]


def _correlated(result: IngestResult, *, notify: bool) -> IngestResult:
    """Detection runs after the commit; if it fails the events stay stored (and are picked
    up by the next run: they are not yet correlated), so ingest reports and goes on."""
    if not result.transformer_ids:
        return result
    try:
        detected = pipeline.after_ingest(transformer_ids=result.transformer_ids, notify=notify)
    except Exception:  # whatever detection's failure, the stored events are not lost
        logger.exception("outages: detection after ingest failed")
        return replace(result, correlated=False)
    if detected is None or not detected.notices_due:
        return result
    return replace(result, notices_due=tuple(detected.notices_due))
