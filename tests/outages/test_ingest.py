"""events_store: power events are stored once, resolved to their 台区 and feeder, bad ones
dead-lettered with the reason, and each meter's supply state follows its newest event by
device time (persona world: TR1 {MA0001, TM-TR1} on F1; TR2 {MB0001, MC0001, TM-TR2} on F2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridcare.grid.services import meter_install
from gridcare.outages.engine.events import event_payload, event_topic
from gridcare.outages.models import DeadLetter, MeterPowerState, PowerEvent
from gridcare.outages.services.ingest import DeviceDirectory, RawEvent, events_store
from gridcare.testing.personas import World

PREFIX = "gridcare/outages"
NOW = datetime(2026, 12, 6, 2, 30, tzinfo=UTC)
T0 = datetime(2026, 12, 6, 2, 15, 3, tzinfo=UTC)


def raw(
    device: str, kind: str = "power_off", at: datetime = T0, device_kind: str = "meter"
) -> RawEvent:
    payload = event_payload(device_id=device, device_kind=device_kind, kind=kind, device_time=at)
    return RawEvent(
        payload=payload, topic=event_topic(PREFIX, device_kind, device), received_at=NOW
    )


def store(*items: RawEvent, **kwargs: object):  # type: ignore[no-untyped-def]
    return events_store(list(items), source="mqtt", now=NOW, **kwargs)  # type: ignore[arg-type]


def test_an_event_is_stored_with_its_meter_transformer_and_feeder(world: World) -> None:
    result = store(raw("MA0001"), raw("TM-TR2", device_kind="terminal"))

    assert result.counts() == {"stored": 2, "duplicates": 0, "dead_letters": 0}
    assert result.transformer_ids == {world.transformer_1.pk, world.transformer_2.pk}
    meter_event = PowerEvent.objects.get(device_id="MA0001")
    assert (meter_event.meter, meter_event.transformer, meter_event.feeder) == (
        world.meter_a,
        world.transformer_1,
        world.feeder_1,
    )
    assert (meter_event.kind, meter_event.device_time, meter_event.source) == (
        "power_off",
        T0,
        "mqtt",
    )
    terminal_event = PowerEvent.objects.get(device_id="TM-TR2")
    assert (terminal_event.meter, terminal_event.transformer) == (None, world.transformer_2)


def test_the_same_event_twice_is_stored_once_within_a_batch_and_across_batches(
    world: World,
) -> None:
    first = store(raw("MA0001"), raw("MA0001"))
    again = store(raw("MA0001"), raw("MB0001"))

    assert first.counts() == {"stored": 1, "duplicates": 1, "dead_letters": 0}
    assert again.counts() == {"stored": 1, "duplicates": 1, "dead_letters": 0}
    assert again.transformer_ids == {world.transformer_2.pk}  # only what is new is correlated
    assert PowerEvent.objects.filter(device_id="MA0001").count() == 1


def test_the_same_device_and_kind_at_another_device_time_is_another_event(world: World) -> None:
    result = store(raw("MA0001"), raw("MA0001", at=T0 + timedelta(seconds=1)))

    assert result.stored == 2


def test_bad_payloads_become_dead_letters_with_reason_and_payload(world: World) -> None:
    items = [
        RawEvent(payload=b"{oops", topic=f"{PREFIX}/events/meter/MA0001", received_at=NOW),
        raw("ZZ9999"),
        RawEvent(payload=b'{"a\x00": 1}\xff', topic="t", received_at=NOW),
        raw("MA0001", at=NOW + timedelta(hours=3)),
        raw("MB0001"),
    ]

    result = store(*items)

    assert result.counts() == {"stored": 1, "duplicates": 0, "dead_letters": 4}
    assert [(r.index, r.reason) for r in result.rejections] == [
        (0, "malformed_json"),
        (1, "unknown_device"),
        (2, "malformed_json"),
        (3, "clock_skew"),
    ]
    letters = {d.reason + str(i): d for i, d in enumerate(DeadLetter.objects.order_by("id"))}
    assert letters["malformed_json0"].payload == "{oops"
    assert letters["malformed_json0"].topic == f"{PREFIX}/events/meter/MA0001"
    assert letters["unknown_device1"].detail == "no meter ZZ9999 in the topology"
    # PostgreSQL text cannot hold NUL; undecodable bytes are shown as replacement characters.
    assert letters["malformed_json2"].payload == '{"a\ufffd": 1}\ufffd'
    assert all(d.source == "mqtt" for d in letters.values())


def test_a_dead_letter_keeps_only_the_first_bytes_of_a_huge_payload(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OUTAGES_DEAD_LETTER_MAX_BYTES = 100

    store(RawEvent(payload=b"x" * 100_000, topic="t", received_at=NOW))

    letter = DeadLetter.objects.get()
    assert (letter.reason, len(letter.payload)) == ("oversized", 100)


def _state() -> tuple[bool, datetime]:
    state = MeterPowerState.objects.get(meter__asset_number="MA0001")
    return state.is_off, state.changed_at


def test_a_meter_state_follows_its_newest_event_by_device_time(world: World) -> None:
    store(raw("MA0001", "power_off", T0))
    assert _state() == (True, T0)

    store(raw("MA0001", "power_on", T0 + timedelta(minutes=30)))
    assert _state() == (False, T0 + timedelta(minutes=30))

    # A power_off from before the power_on, delivered late, changes nothing.
    late = store(raw("MA0001", "power_off", T0 + timedelta(minutes=10)))
    assert late.stored == 1
    assert _state() == (False, T0 + timedelta(minutes=30))


def test_out_of_order_events_in_one_batch_leave_the_newest_state(world: World) -> None:
    store(
        raw("MA0001", "power_on", T0 + timedelta(minutes=5)),
        raw("MA0001", "power_off", T0),
        raw("MB0001", "power_off", T0 + timedelta(minutes=1)),
    )

    assert _state() == (False, T0 + timedelta(minutes=5))
    assert MeterPowerState.objects.get(meter__asset_number="MB0001").is_off is True
    state = MeterPowerState.objects.get(meter__asset_number="MB0001")
    assert (state.transformer, state.feeder) == (world.transformer_2, world.feeder_2)


def test_terminal_events_set_no_meter_state(world: World) -> None:
    store(raw("TM-TR1", device_kind="terminal"))

    assert not MeterPowerState.objects.exists()


def test_a_long_lived_directory_finds_a_meter_installed_after_it_was_filled(world: World) -> None:
    directory = DeviceDirectory()
    assert store(raw("MA0001"), directory=directory).stored == 1

    meter_install(actor=None, transformer=world.transformer_1, asset_number="MA0009")
    result = store(raw("MA0009"), directory=directory)

    assert result.counts() == {"stored": 1, "duplicates": 0, "dead_letters": 0}


def test_an_http_element_without_topic_is_stored_and_a_non_object_dead_lettered(
    world: World,
) -> None:
    body = {
        "device": "MC0001",
        "device_kind": "meter",
        "event": "power_off",
        "time": "2026-12-06T10:15:03+08:00",
    }

    result = events_store(
        [RawEvent(payload=body), RawEvent(payload=[1, 2])], source="http", now=NOW
    )

    assert result.counts() == {"stored": 1, "duplicates": 0, "dead_letters": 1}
    assert DeadLetter.objects.get().payload == "[1, 2]"
    assert PowerEvent.objects.get().received_at == NOW


@pytest.mark.parametrize("count", [1200])
def test_a_batch_larger_than_one_statement_is_stored_whole(world: World, count: int) -> None:
    items = [raw("MA0001", at=T0 + timedelta(seconds=i)) for i in range(count)]

    result = store(*items)

    assert result.stored == PowerEvent.objects.count() == count
    assert _state() == (True, T0 + timedelta(seconds=count - 1))
