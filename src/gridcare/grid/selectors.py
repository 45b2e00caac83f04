"""Grid reads: the topology path of a meter and the assets under a node."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from gridcare.grid.models import Feeder, Meter, Substation, Transformer


@dataclass(frozen=True)
class TopologyPath:
    """Substation → Feeder → Transformer → Meter for one meter."""

    substation: Substation
    feeder: Feeder
    transformer: Transformer
    meter: Meter


def meter_topology_path(*, meter: Meter) -> TopologyPath:
    """The chain above a meter, read through the real FKs (not the cached keys).

    Load the meter with `select_related("transformer__feeder__substation")` to make this free.
    """
    transformer = meter.transformer
    return TopologyPath(
        substation=transformer.feeder.substation,
        feeder=transformer.feeder,
        transformer=transformer,
        meter=meter,
    )


def meters_downstream_of_feeder(*, feeder: Feeder) -> QuerySet[Meter]:
    return Meter.objects.filter(feeder=feeder)


def meters_downstream_of_transformer(*, transformer: Transformer) -> QuerySet[Meter]:
    return Meter.objects.filter(transformer=transformer)


def transformers_of_feeder(*, feeder: Feeder) -> QuerySet[Transformer]:
    return Transformer.objects.filter(feeder=feeder)


def meters_dimension_rows() -> list[tuple[str, str, float, bool]]:
    """(asset number, transformer code, multiplier, is transformer total) for every meter
    in service: the meters dimension the metering engine joins readings with."""
    rows = Meter.objects.exclude(status="removed").values_list(
        "asset_number", "transformer__code", "multiplier", "is_transformer_total"
    )
    return [(asset, code, float(mult), bool(total)) for asset, code, mult, total in rows]


def transformers_dimension_rows() -> list[tuple[str, float]]:
    """(transformer code, rated kVA) for every transformer."""
    return [
        (code, float(kva)) for code, kva in Transformer.objects.values_list("code", "rated_kva")
    ]
