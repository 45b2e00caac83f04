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
