"""Detection on the database: outages open, grow, shrink and close from stored events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gridcare.grid.models import Transformer
from gridcare.notify.models import Notification
from gridcare.outages.models import Outage, OutageCustomer, OutageEvent, PowerEvent
from gridcare.outages.services.detect import detect_periodic, detect_run
from gridcare.outages.services.pipeline import after_ingest
from gridcare.outages.services.records import outage_insert
from gridcare.testing.personas import World
from tests.outages.detect_factory import (
    account_of,
    area_add,
    meter_event,
    meters_of,
    meters_off,
    meters_on,
    terminal_event,
)

# 10:15 Beijing, a weekday morning.
T0 = datetime(2026, 12, 7, 2, 15, tzinfo=UTC)
NOW = T0 + timedelta(minutes=1)


@pytest.fixture
def areas(world: World) -> dict[str, Transformer]:
    """F1: TR1 (one meter) + TRA, TRB with five metered accounts each."""
    return {
        "TRA": area_add(world, feeder=world.feeder_1, code="TRA"),
        "TRB": area_add(world, feeder=world.feeder_1, code="TRB"),
    }


def active() -> list[Outage]:
    return list(Outage.objects.filter(state="active").order_by("pk"))


def test_most_meters_of_an_area_off_open_a_transformer_outage(
    world: World, areas: dict[str, Transformer]
) -> None:
    meters = meters_of(areas["TRA"])
    for i, meter in enumerate(meters[:4]):
        meter_event(meter, "power_off", T0 + timedelta(seconds=i))
    after_ingest(transformer_ids=[areas["TRA"].pk])

    [outage] = active()
    assert (outage.kind, outage.level, outage.transformer, outage.starts_at) == (
        "unplanned",
        "transformer",
        areas["TRA"],
        T0,
    )
    assert outage.number.startswith("TD20261207")
    assert outage.affected_count == 5  # the fifth meter's last gasp was lost: still out
    offs = dict(OutageCustomer.objects.filter(outage=outage).values_list("account_id", "off_at"))
    assert offs[account_of(meters[3]).pk] == T0 + timedelta(seconds=3)
    assert offs[account_of(meters[4]).pk] == T0
    assert outage.etr_at is not None
    assert outage.etr_basis["estimate"] is True
    assert outage.etr_basis["method"] == "default"  # no history yet: said so
    kinds = list(OutageEvent.objects.filter(outage=outage).values_list("kind", flat=True))
    assert kinds[:2] == ["detected", "etr_set"]
    assert PowerEvent.objects.filter(outage=outage).count() == 4
    assert not PowerEvent.objects.filter(correlated_at__isnull=True).exists()


def test_area_outages_grow_into_one_feeder_outage(
    world: World, areas: dict[str, Transformer]
) -> None:
    meters_off(meters_of(areas["TRA"]), T0)
    detect_run(transformer_ids=[areas["TRA"].pk], now=NOW)
    [first] = active()
    meters_off(meters_of(areas["TRB"]), T0 + timedelta(seconds=20))
    result = detect_run(transformer_ids=[areas["TRB"].pk], now=NOW)

    [outage] = active()
    assert outage.pk == first.pk
    assert result.grown == [outage.number]
    assert result.opened == []
    assert (outage.level, outage.feeder, outage.transformer) == ("feeder", world.feeder_1, None)
    assert outage.affected_count == 10
    assert set(outage.scope_items.values_list("transformer__code", flat=True)) == {"TRA", "TRB"}
    assert OutageEvent.objects.filter(outage=outage, kind="scope_changed").exists()


def test_late_second_area_opens_a_feeder_outage_at_once(
    world: World, areas: dict[str, Transformer]
) -> None:
    meters_off(meters_of(areas["TRA"]) + meters_of(areas["TRB"]), T0)
    result = detect_run(now=NOW)
    [outage] = active()
    assert result.opened == [outage.number]
    assert outage.level == "feeder"


def test_restoration_is_per_customer_and_closes_the_outage(
    world: World, areas: dict[str, Transformer]
) -> None:
    tra, trb = meters_of(areas["TRA"]), meters_of(areas["TRB"])
    meters_off(tra + trb, T0)
    detect_run(now=NOW)
    [outage] = active()

    early, late = T0 + timedelta(minutes=30), T0 + timedelta(minutes=75)
    meters_on(tra, early)
    meters_on(trb[:1], late - timedelta(minutes=5))
    detect_run(now=early + timedelta(minutes=1))
    outage.refresh_from_db()
    assert outage.state == "active"  # TRB still out: the scope shrank
    on = dict(OutageCustomer.objects.filter(outage=outage).values_list("account_id", "on_at"))
    assert all(on[account_of(m).pk] == early for m in tra)
    assert on[account_of(trb[0]).pk] == late - timedelta(minutes=5)
    assert on[account_of(trb[1]).pk] is None

    meters_on(trb[1:], late)
    result = detect_run(now=late + timedelta(minutes=1))
    outage.refresh_from_db()
    assert result.restored == [outage.number]
    assert (outage.state, outage.restored_at) == ("restored", late)
    assert not OutageCustomer.objects.filter(outage=outage, on_at__isnull=True).exists()


def test_a_single_meter_off_is_a_customer_fault_that_clears_itself(
    world: World, areas: dict[str, Transformer]
) -> None:
    meter = meters_of(areas["TRA"])[0]
    meter_event(meter, "power_off", T0)
    result = detect_run(now=NOW)
    [fault] = active()
    assert result.customer_faults == 1
    assert result.opened == []
    assert (fault.level, fault.cause, fault.affected_count) == ("customer", "customer_side", 1)
    assert not Notification.objects.exists()  # not an outage of the network: no notice

    meter_event(meter, "power_on", T0 + timedelta(minutes=8))
    detect_run(now=NOW + timedelta(minutes=10))
    fault.refresh_from_db()
    assert (fault.state, fault.restored_at) == ("restored", T0 + timedelta(minutes=8))
    assert OutageEvent.objects.filter(outage=fault, kind="cleared").exists()


def test_a_customer_fault_whose_area_then_goes_out_joins_the_area_outage(
    world: World, areas: dict[str, Transformer]
) -> None:
    meters = meters_of(areas["TRA"])
    meter_event(meters[0], "power_off", T0)
    detect_run(now=NOW)
    meters_off(meters[1:], T0 + timedelta(seconds=30))
    detect_run(now=NOW)
    [outage] = active()
    assert outage.level == "transformer"
    assert outage.affected_count == 5
    assert Outage.objects.get(level="customer").state == "cancelled"


def test_a_terminal_power_off_takes_its_area_out(
    world: World, areas: dict[str, Transformer]
) -> None:
    terminal_event(areas["TRA"], "power_off", T0)
    detect_run(now=NOW)
    [outage] = active()
    assert (outage.transformer, outage.affected_count) == (areas["TRA"], 5)


def test_a_planned_outage_in_progress_explains_its_events(
    world: World, areas: dict[str, Transformer]
) -> None:
    planned = outage_insert(
        actor=None,
        kind="planned",
        planned_type="maintenance",
        level="transformer",
        state="active",
        transformer=areas["TRA"],
        feeder=world.feeder_1,
        org_unit=world.station_1,
        starts_at=T0 - timedelta(minutes=1),
        ends_at=T0 + timedelta(hours=4),
    )
    for meter in meters_of(areas["TRA"]):
        OutageCustomer.objects.create(
            outage=planned,
            account=account_of(meter),
            transformer=areas["TRA"],
            feeder=world.feeder_1,
            off_at=planned.starts_at,
        )
    meters_off(meters_of(areas["TRA"]), T0)
    terminal_event(areas["TRA"], "power_off", T0)
    detect_run(now=NOW)
    assert list(Outage.objects.filter(kind="unplanned")) == []
    assert PowerEvent.objects.filter(outage=planned).count() == 6  # five meters, the terminal

    meters_on(meters_of(areas["TRA"])[:1], T0 + timedelta(hours=2))
    detect_run(now=T0 + timedelta(hours=2, minutes=1))
    restored = OutageCustomer.objects.filter(outage=planned, on_at__isnull=False)
    assert restored.count() == 1


def test_etr_comes_from_similar_outages_of_the_feeder(
    world: World, areas: dict[str, Transformer]
) -> None:
    for days, minutes in [(2, 60), (4, 90), (6, 240)]:
        past = outage_insert(
            actor=None,
            kind="unplanned",
            level="transformer",
            state="restored",
            feeder=world.feeder_1,
            transformer=areas["TRB"],
            org_unit=world.station_1,
            starts_at=T0 - timedelta(days=days),
        )
        Outage.objects.filter(pk=past.pk).update(
            restored_at=past.starts_at + timedelta(minutes=minutes)
        )
    meters_off(meters_of(areas["TRA"]), T0)
    detect_run(now=NOW)
    [outage] = active()
    assert outage.etr_basis == {
        "method": "feeder_cause_season",
        "n": 3,
        "median_minutes": 90.0,
        "estimate": True,
    }
    assert outage.etr_at == T0 + timedelta(minutes=90)


def test_a_second_run_changes_nothing(world: World, areas: dict[str, Transformer]) -> None:
    meters_off(meters_of(areas["TRA"]), T0)
    detect_run(now=NOW)
    again = detect_run(now=NOW + timedelta(seconds=30))
    assert again.opened == []
    assert again.grown == []
    assert len(active()) == 1
    assert Notification.objects.count() == 5


def test_cli_detect_prints_one_json_line(world: World, areas: dict[str, Transformer]) -> None:
    meters_off(meters_of(areas["TRA"]), T0)
    out = StringIO()
    call_command("outages", "detect", "--transformer", "TRA", "--json", stdout=out)
    line = json.loads(out.getvalue())
    assert line["feeders"] == 1
    assert len(line["opened"]) == 1
    with pytest.raises(CommandError, match="unknown transformer NOPE"):
        call_command("outages", "detect", "--transformer", "NOPE", stdout=StringIO())


def test_an_empty_batch_judges_nothing_and_the_worker_sweep_finds_the_rest(
    world: World, areas: dict[str, Transformer]
) -> None:
    assert after_ingest(transformer_ids=[]) is None
    meters_off(meters_of(areas["TRB"]), timezone.now() - timedelta(minutes=2))
    detect_periodic()  # what `gridcare worker` runs every minute
    [outage] = active()
    assert outage.transformer == areas["TRB"]
