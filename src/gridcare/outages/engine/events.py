"""Power-event payloads (停上电事件) → typed events, or a rejection with a reason code.

Framework-free (no Django): the clock, the limits and the topic prefix are parameters.
The format is docs/data-formats.md "Power events":

    topic    <prefix>/events/<device_kind>/<device id>
    payload  {"device": "MA0001", "device_kind": "meter", "event": "power_off",
              "time": "2026-12-06T10:15:03+08:00", "seq": 123}

`event_parse` is total: whatever the bytes, it returns a `PowerEventIn` or a `Rejected`
and never raises, so one malformed payload cannot stop a listener.

>>> from datetime import datetime, timezone
>>> limits = ParseLimits(topic_prefix="gridcare/outages")
>>> now = datetime(2026, 12, 6, 2, 16, tzinfo=timezone.utc)
>>> event_parse(b'{"device": "MA0001", "device_kind": "meter", "event": "power_off",'
...             b' "time": "2026-12-06T10:15:03+08:00"}', received_at=now, limits=limits)
PowerEventIn(device_kind='meter', device_id='MA0001', kind='power_off', device_time=datetime.datetime(2026, 12, 6, 2, 15, 3, tzinfo=datetime.timezone.utc), seq=None)
>>> event_parse(b"{oops", received_at=now, limits=limits).reason
'malformed_json'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

DEVICE_KINDS = ("meter", "terminal")
EVENT_KINDS = ("power_off", "power_on")
BEIJING = timezone(timedelta(hours=8))
# A device id is also an MQTT topic level: no '/', '+', '#', spaces or control characters.
DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}")

# Reason codes (stable: they are stored in DeadLetter.reason and documented).
MALFORMED_JSON = "malformed_json"
NOT_AN_OBJECT = "not_an_object"
MISSING_FIELD = "missing_field"
BAD_EVENT = "bad_event"
BAD_DEVICE_KIND = "bad_device_kind"
BAD_TIME = "bad_time"
BAD_SEQ = "bad_seq"
CLOCK_SKEW = "clock_skew"
OVERSIZED = "oversized"
TOPIC_MISMATCH = "topic_mismatch"
UNKNOWN_DEVICE = "unknown_device"  # decided by the ingest service (the topology)
REASONS = (
    MALFORMED_JSON,
    NOT_AN_OBJECT,
    MISSING_FIELD,
    BAD_EVENT,
    BAD_DEVICE_KIND,
    BAD_TIME,
    BAD_SEQ,
    CLOCK_SKEW,
    OVERSIZED,
    TOPIC_MISMATCH,
    UNKNOWN_DEVICE,
)


@dataclass(frozen=True, slots=True)
class PowerEventIn:
    """One well-formed event. `device_time` is aware UTC; (device_id, kind, device_time)
    is the identity an event is stored once under."""

    device_kind: str
    device_id: str
    kind: str
    device_time: datetime
    seq: int | None = None

    @property
    def key(self) -> tuple[str, str, datetime]:
        return (self.device_id, self.kind, self.device_time)


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str  # one of REASONS
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """What a payload may be. A device time later than the receiving clock by more than
    `max_ahead` is a clock running fast (it cannot be a delivery delay); one older than
    `max_age` is a reset clock (2000-01-01) or a replay from another era. Both are
    clock_skew. Anything in between is accepted: a device a few minutes off, and events
    that waited in the broker while the listener was down, are both normal."""

    topic_prefix: str
    max_bytes: int = 2048
    max_ahead: timedelta = field(default=timedelta(minutes=60))
    max_age: timedelta = field(default=timedelta(hours=72))
    naive_tz: timezone = BEIJING  # a time without an offset is read as Beijing time


def event_parse(
    payload: bytes | Any,
    *,
    received_at: datetime,
    limits: ParseLimits,
    topic: str | None = None,
) -> PowerEventIn | Rejected:
    """Parse one payload: bytes as on the wire (MQTT), or any other value as an already
    decoded JSON value (an element of the HTTP batch: a str there is a JSON string, not a
    document). `topic`, when given, must name the same device kind and id."""
    decoded = _decode(payload, limits.max_bytes)
    if isinstance(decoded, Rejected):
        return decoded
    event = _event_from(decoded, received_at=received_at, limits=limits)
    if isinstance(event, Rejected) or topic is None:
        return event
    return _topic_check(event, topic, limits.topic_prefix)


def event_topic(prefix: str, device_kind: str, device_id: str) -> str:
    """The topic a device publishes on: `<prefix>/events/<device_kind>/<device id>`."""
    return f"{prefix}/events/{device_kind}/{device_id}"


def event_payload(
    *, device_id: str, device_kind: str, kind: str, device_time: datetime, seq: int | None = None
) -> bytes:
    """The payload a device sends (the simulator and tests use it), time in Beijing time."""
    body: dict[str, Any] = {
        "device": device_id,
        "device_kind": device_kind,
        "event": kind,
        "time": device_time.astimezone(BEIJING).isoformat(timespec="seconds"),
    }
    if seq is not None:
        body["seq"] = seq
    return json.dumps(body, separators=(",", ":")).encode()


def _decode(payload: bytes | Any, max_bytes: int) -> Any:
    if not isinstance(payload, bytes):
        # Already decoded (HTTP): held to the same size as the wire form would be.
        size = len(json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8", "replace"))
        if size > max_bytes:
            return Rejected(OVERSIZED, f"{size} bytes > {max_bytes}")
        return payload
    if len(payload) > max_bytes:
        return Rejected(OVERSIZED, f"{len(payload)} bytes > {max_bytes}")
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return Rejected(MALFORMED_JSON, str(exc)[:200])
    except RecursionError:
        return Rejected(MALFORMED_JSON, "nested too deeply")


def _event_from(
    body: Any, *, received_at: datetime, limits: ParseLimits
) -> PowerEventIn | Rejected:
    if not isinstance(body, dict):
        return Rejected(NOT_AN_OBJECT, f"a JSON {type(body).__name__}, not an object")
    for name in ("device", "device_kind", "event", "time"):
        if body.get(name) in (None, ""):
            return Rejected(MISSING_FIELD, name)
    device_kind, kind, device = body["device_kind"], body["event"], body["device"]
    if device_kind not in DEVICE_KINDS:
        return Rejected(BAD_DEVICE_KIND, _shown(device_kind))
    if kind not in EVENT_KINDS:
        return Rejected(BAD_EVENT, _shown(kind))
    if not isinstance(device, str) or not DEVICE_ID.fullmatch(device):
        # No device id of that shape exists in the topology.
        return Rejected(UNKNOWN_DEVICE, f"not a device id: {_shown(device)}")
    device_time = _time(body["time"], limits.naive_tz)
    if device_time is None:
        return Rejected(BAD_TIME, _shown(body["time"]))
    skew = _skew(device_time, received_at, limits)
    if skew is not None:
        return skew
    seq = body.get("seq")
    if seq is not None and (type(seq) is not int or not 0 <= seq < 2**63):
        return Rejected(BAD_SEQ, _shown(seq))
    return PowerEventIn(device_kind, device, kind, device_time, seq)


def _time(value: Any, naive_tz: timezone) -> datetime | None:
    """ISO 8601 with an offset (`+08:00`, `Z`), or without one (read as `naive_tz`)."""
    if not isinstance(value, str) or not 10 < len(value) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_tz)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+08:00 has no UTC form
        return None


def _skew(device_time: datetime, received_at: datetime, limits: ParseLimits) -> Rejected | None:
    ahead = device_time - received_at
    if ahead > limits.max_ahead:
        return Rejected(CLOCK_SKEW, f"device clock {_minutes(ahead)} min ahead")
    if -ahead > limits.max_age:
        return Rejected(CLOCK_SKEW, f"device time {_minutes(-ahead)} min in the past")
    return None


def _topic_check(event: PowerEventIn, topic: str, prefix: str) -> PowerEventIn | Rejected:
    expected = event_topic(prefix, event.device_kind, event.device_id)
    if topic != expected:
        return Rejected(TOPIC_MISMATCH, f"topic {topic[:120]} != {expected}")
    return event


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _shown(value: Any) -> str:
    """A bad value as it appears in a dead letter's detail (short)."""
    return json.dumps(value, ensure_ascii=False, default=str)[:80]
