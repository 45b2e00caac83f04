"""Test factory for detection: more 台区 with metered accounts on the persona feeders, and
power events written straight into the store (as ingest would: the event row once, the
meter's supply state newest-device-time-wins). Ingest itself is tested on its own."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import count

from gridcare.customers.models import Account
from gridcare.customers.services import (
    account_attach_meter,
    account_open,
    customer_create,
    premise_create,
)
from gridcare.grid.models import Feeder, Meter, Terminal, Transformer
from gridcare.grid.services import meter_install, terminal_install, transformer_create
from gridcare.outages.models import MeterPowerState, PowerEvent
from gridcare.testing.personas import World

_serial = count(1)


def area_add(world: World, *, feeder: Feeder, code: str, meters: int = 5) -> Transformer:
    """A 台区 `code` on `feeder` (station S1) with a terminal and `meters` metered accounts."""
    transformer = transformer_create(
        actor=None,
        feeder=feeder,
        code=code,
        name=f"{code}台区",
        rated_kva=400,
        area_class="urban",
        org_unit=world.station_1,
    )
    terminal_install(actor=None, transformer=transformer, code=f"TM-{code}")
    for _ in range(meters):
        n = next(_serial)
        meter = meter_install(actor=None, transformer=transformer, asset_number=f"M{code}{n:05d}")
        customer = customer_create(actor=None, kind="person", name=f"用户{n}", mobile=f"139{n:08d}")
        premise = premise_create(
            province="广东省", city="广州市", district="天河区", street="石牌街道", detail=f"{n}号"
        )
        account = account_open(
            actor=None,
            customer=customer,
            number=f"32{n:011d}",
            premise=premise,
            supply_unit=world.station_1,
            tariff_class="residential",
            contracted_capacity_kva=Decimal("8.0"),
        )
        account_attach_meter(actor=None, account=account, meter=meter)
    return transformer


def meters_of(transformer: Transformer) -> list[Meter]:
    return list(Meter.objects.filter(transformer=transformer).order_by("asset_number"))


def account_of(meter: Meter) -> Account:
    return Account.objects.get(meter_links__meter=meter)


def meter_event(meter: Meter, kind: str, at: datetime) -> PowerEvent:
    event = PowerEvent.objects.create(
        device_kind="meter",
        device_id=meter.asset_number,
        kind=kind,
        device_time=at,
        source="simulator",
        meter=meter,
        transformer_id=meter.transformer_id,
        feeder_id=meter.feeder_id,
    )
    state = MeterPowerState.objects.filter(meter=meter).first()
    if state is None or state.changed_at < at:
        MeterPowerState.objects.update_or_create(
            meter=meter,
            defaults={
                "transformer_id": meter.transformer_id,
                "feeder_id": meter.feeder_id,
                "is_off": kind == "power_off",
                "changed_at": at,
            },
        )
    return event


def terminal_event(transformer: Transformer, kind: str, at: datetime) -> PowerEvent:
    terminal = Terminal.objects.filter(transformer=transformer).first()
    assert terminal is not None
    return PowerEvent.objects.create(
        device_kind="terminal",
        device_id=terminal.code,
        kind=kind,
        device_time=at,
        source="simulator",
        transformer=transformer,
        feeder_id=transformer.feeder_id,
    )


def meters_off(meters: list[Meter], at: datetime) -> None:
    for meter in meters:
        meter_event(meter, "power_off", at)


def meters_on(meters: list[Meter], at: datetime) -> None:
    for meter in meters:
        meter_event(meter, "power_on", at)
