"""Grid writes: creating assets and moving a meter or transformer keeps the cached keys right."""

from __future__ import annotations

from django.db import transaction

from gridcare.core.audit import audit_record
from gridcare.core.models import OrgUnit, User
from gridcare.grid.models import Feeder, Meter, Substation, Terminal, Transformer


@transaction.atomic
def substation_create(
    *, actor: User | None, code: str, name: str, org_unit: OrgUnit, voltage_level: str = "110kV"
) -> Substation:
    substation = Substation(code=code, name=name, org_unit=org_unit, voltage_level=voltage_level)
    substation.full_clean()
    substation.save()
    audit_record(actor=actor, action="grid.substation.create", obj=substation)
    return substation


@transaction.atomic
def feeder_create(
    *, actor: User | None, substation: Substation, code: str, name: str, voltage_level: str = "10kV"
) -> Feeder:
    feeder = Feeder(substation=substation, code=code, name=name, voltage_level=voltage_level)
    feeder.full_clean()
    feeder.save()
    audit_record(actor=actor, action="grid.feeder.create", obj=feeder)
    return feeder


@transaction.atomic
def transformer_create(
    *,
    actor: User | None,
    feeder: Feeder,
    code: str,
    name: str,
    rated_kva: int,
    area_class: str,
    org_unit: OrgUnit,
) -> Transformer:
    transformer = Transformer(
        feeder=feeder,
        code=code,
        name=name,
        rated_kva=rated_kva,
        area_class=area_class,
        org_unit=org_unit,
    )
    transformer.full_clean()
    transformer.save()
    audit_record(actor=actor, action="grid.transformer.create", obj=transformer)
    return transformer


@transaction.atomic
def terminal_install(*, actor: User | None, transformer: Transformer, code: str) -> Terminal:
    """The 台区's concentrator, whose power events stand for the whole area."""
    terminal = Terminal(transformer=transformer, code=code)
    terminal.full_clean()
    terminal.save()
    audit_record(actor=actor, action="grid.terminal.install", obj=terminal)
    return terminal


def terminals_bulk_install(*, terminals: list[Terminal]) -> list[Terminal]:
    """Many terminals at once (the demo's and benchmarks' topology); no audit rows."""
    return Terminal.objects.bulk_create(terminals, batch_size=2000)


def meter_cache_ancestors(*, meter: Meter) -> Meter:
    """Set a meter's cached feeder/substation keys from its transformer (admin edits)."""
    transformer = Transformer.objects.select_related("feeder").get(pk=meter.transformer_id)
    meter.feeder_id = transformer.feeder_id
    meter.substation_id = transformer.feeder.substation_id
    return meter


def _meter_for(transformer: Transformer, **fields: object) -> Meter:
    return Meter(
        transformer=transformer,
        feeder_id=transformer.feeder_id,
        substation_id=transformer.feeder.substation_id,
        **fields,
    )


@transaction.atomic
def meter_install(
    *,
    actor: User | None,
    transformer: Transformer,
    asset_number: str,
    multiplier: int = 1,
    phase: str = "single",
    is_transformer_total: bool = False,
) -> Meter:
    """Install a meter under a transformer, filling the cached feeder/substation keys."""
    meter = _meter_for(
        transformer,
        asset_number=asset_number,
        multiplier=multiplier,
        phase=phase,
        is_transformer_total=is_transformer_total,
    )
    meter.full_clean()
    meter.save()
    audit_record(actor=actor, action="grid.meter.install", obj=meter)
    return meter


def meters_bulk_install(*, transformer: Transformer, meters: list[Meter]) -> list[Meter]:
    """Bulk variant for generators and imports: sets the cached keys, then one INSERT."""
    for meter in meters:
        meter.transformer = transformer
        meter.feeder_id = transformer.feeder_id
        meter.substation_id = transformer.feeder.substation_id
    return Meter.objects.bulk_create(meters)


@transaction.atomic
def transformer_reassign(*, actor: User | None, transformer: Transformer, feeder: Feeder) -> None:
    """Move a transformer to another feeder (a switching change) and its meters' cache with it."""
    old_feeder_id = transformer.feeder_id
    transformer.feeder = feeder
    transformer.save(update_fields=["feeder"])
    Meter.objects.filter(transformer=transformer).update(
        feeder_id=feeder.pk, substation_id=feeder.substation_id
    )
    audit_record(
        actor=actor,
        action="grid.transformer.reassign",
        obj=transformer,
        data={"from_feeder": old_feeder_id, "to_feeder": feeder.pk},
    )
