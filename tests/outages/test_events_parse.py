"""engine.events: every payload becomes a typed event or a rejection with its reason; the
parser never raises (no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.outages.engine.events import (
    REASONS,
    ParseLimits,
    PowerEventIn,
    Rejected,
    event_parse,
    event_payload,
    event_topic,
)

PREFIX = "gridcare/outages"
LIMITS = ParseLimits(topic_prefix=PREFIX)
NOW = datetime(2026, 12, 6, 2, 16, tzinfo=UTC)  # 10:16 in Beijing
GOOD = {
    "device": "MA0001",
    "device_kind": "meter",
    "event": "power_off",
    "time": "2026-12-06T10:15:03+08:00",
}


def parse(body: object, *, topic: str | None = None, limits: ParseLimits = LIMITS):  # type: ignore[no-untyped-def]
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return event_parse(raw, received_at=NOW, limits=limits, topic=topic)


def reason(body: object, **kwargs: object) -> str:
    outcome = parse(body, **kwargs)  # type: ignore[arg-type]
    assert isinstance(outcome, Rejected), outcome
    return outcome.reason


def test_a_meter_power_off_parses_to_utc_device_time() -> None:
    event = parse(GOOD | {"seq": 7}, topic=f"{PREFIX}/events/meter/MA0001")

    assert event == PowerEventIn(
        "meter", "MA0001", "power_off", datetime(2026, 12, 6, 2, 15, 3, tzinfo=UTC), 7
    )


def test_a_time_without_offset_is_beijing_time_and_z_is_utc() -> None:
    naive = parse(GOOD | {"time": "2026-12-06T10:15:03"})
    zulu = parse(GOOD | {"time": "2026-12-06T02:15:03Z"})

    assert isinstance(naive, PowerEventIn)
    assert isinstance(zulu, PowerEventIn)
    assert naive.device_time == zulu.device_time == datetime(2026, 12, 6, 2, 15, 3, tzinfo=UTC)


def test_a_decoded_object_from_the_http_batch_parses_the_same_way() -> None:
    outcome = event_parse(GOOD, received_at=NOW, limits=LIMITS)

    assert outcome == parse(GOOD)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json", "malformed_json"),
        (b"\xff\xfe\x00", "malformed_json"),
        ([GOOD], "not_an_object"),
        ("power_off", "not_an_object"),
        ({k: v for k, v in GOOD.items() if k != "time"}, "missing_field"),
        (GOOD | {"device": ""}, "missing_field"),
        (GOOD | {"event": "brownout"}, "bad_event"),
        (GOOD | {"device_kind": "transformer"}, "bad_device_kind"),
        (GOOD | {"time": "yesterday at ten"}, "bad_time"),
        (GOOD | {"time": 1733451303}, "bad_time"),
        (GOOD | {"time": "0001-01-01T00:00:00+08:00"}, "bad_time"),
        (GOOD | {"seq": -1}, "bad_seq"),
        (GOOD | {"seq": True}, "bad_seq"),
        (GOOD | {"device": "MA/0001"}, "unknown_device"),
        (GOOD | {"device": ["MA0001"]}, "unknown_device"),
    ],
)
def test_bad_payloads_are_rejected_with_their_reason(body: object, expected: str) -> None:
    assert reason(body) == expected
    assert expected in REASONS


def test_an_oversized_payload_is_rejected_before_it_is_decoded() -> None:
    body = GOOD | {"note": "x" * 3000}

    assert reason(body) == "oversized"
    decoded = event_parse(body, received_at=NOW, limits=LIMITS)  # the HTTP batch's element
    assert isinstance(decoded, Rejected)
    assert decoded.reason == "oversized"
    assert decoded.detail.endswith("bytes > 2048")


def test_a_clock_minutes_off_is_tolerated_but_an_hour_ahead_or_days_behind_is_skew() -> None:
    def at(delta: timedelta) -> object:
        return GOOD | {"time": (NOW + delta).isoformat()}

    assert isinstance(parse(at(timedelta(minutes=7))), PowerEventIn)
    assert isinstance(parse(at(timedelta(hours=-20))), PowerEventIn)  # waited in the broker
    assert reason(at(timedelta(minutes=61))) == "clock_skew"
    assert reason(at(timedelta(days=-4))) == "clock_skew"


def test_a_topic_that_disagrees_with_the_payload_is_rejected() -> None:
    assert reason(GOOD, topic=f"{PREFIX}/events/meter/MA0002") == "topic_mismatch"
    assert reason(GOOD, topic=f"{PREFIX}/events/terminal/MA0001") == "topic_mismatch"
    assert reason(GOOD, topic="elsewhere/events/meter/MA0001") == "topic_mismatch"


def test_the_payload_a_device_sends_parses_back_to_the_same_event() -> None:
    at = datetime(2026, 12, 6, 2, 15, 3, tzinfo=UTC)
    raw = event_payload(
        device_id="TM-TR1", device_kind="terminal", kind="power_on", device_time=at, seq=3
    )

    event = event_parse(
        raw, received_at=NOW, limits=LIMITS, topic=event_topic(PREFIX, "terminal", "TM-TR1")
    )

    assert event == PowerEventIn("terminal", "TM-TR1", "power_on", at, 3)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_any_bytes_give_an_event_or_a_rejection_never_an_exception(raw: bytes) -> None:
    outcome = event_parse(raw, received_at=NOW, limits=LIMITS, topic="x")

    assert isinstance(outcome, PowerEventIn | Rejected)
    if isinstance(outcome, Rejected):
        assert outcome.reason in REASONS


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["device", "device_kind", "event", "time", "seq"]), JSON))
def test_any_json_object_gives_an_event_or_a_rejection(body: dict[str, object]) -> None:
    outcome = event_parse(body, received_at=NOW, limits=LIMITS)

    assert isinstance(outcome, PowerEventIn | Rejected)
