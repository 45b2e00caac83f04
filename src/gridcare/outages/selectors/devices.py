"""Devices that send power events, resolved to where they sit in the topology."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from gridcare.grid.choices import MeterStatus
from gridcare.grid.models import Feeder, Meter, Terminal, Transformer
from gridcare.outages.engine.simulate import FeederLayout, TransformerLayout

# Ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits.
CHUNK = 2000


@dataclass(frozen=True, slots=True)
class DevicePlace:
    """Where a meter or a terminal sits: its 台区 and feeder (meter_id None: a terminal)."""

    meter_id: int | None
    transformer_id: int
    feeder_id: int


def devices_place(
    *, meters: Collection[str], terminals: Collection[str]
) -> dict[tuple[str, str], DevicePlace]:
    """{("meter", asset number) | ("terminal", code): place} for the ids that exist."""
    found: dict[tuple[str, str], DevicePlace] = {}
    for chunk in _chunks(meters):
        meters_found = Meter.objects.filter(asset_number__in=chunk).values_list(
            "asset_number", "pk", "transformer_id", "feeder_id"
        )
        for number, pk, transformer_id, feeder_id in meters_found:
            found[("meter", number)] = DevicePlace(pk, transformer_id, feeder_id)
    for chunk in _chunks(terminals):
        rows = Terminal.objects.filter(code__in=chunk).values_list(
            "code", "transformer_id", "transformer__feeder_id"
        )
        for code, transformer_id, feeder_id in rows:
            found[("terminal", code)] = DevicePlace(None, transformer_id, feeder_id)
    return found


def _chunks(ids: Collection[str]) -> list[list[str]]:
    ordered = sorted(ids)
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def feeder_layouts(*, codes: Collection[str] | None = None) -> list[FeederLayout]:
    """The feeders (all, or those named) as the simulator sees them: 台区 with their
    terminals and in-service meters (asset numbers), in code order."""
    feeders = Feeder.objects.order_by("code")
    if codes is not None:
        feeders = feeders.filter(code__in=list(codes))
    transformers = Transformer.objects.filter(feeder__in=feeders).order_by("code")
    terminals: dict[int, list[str]] = {}
    for tr_id, code in Terminal.objects.filter(transformer__in=transformers).values_list(
        "transformer_id", "code"
    ):
        terminals.setdefault(tr_id, []).append(code)
    meters: dict[int, list[str]] = {}
    in_service = Meter.objects.filter(
        transformer__in=transformers, status=MeterStatus.IN_SERVICE, is_transformer_total=False
    ).order_by("asset_number")
    for tr_id, number in in_service.values_list("transformer_id", "asset_number"):
        meters.setdefault(tr_id, []).append(number)
    by_feeder: dict[int, list[TransformerLayout]] = {}
    for tr in transformers:
        layout = TransformerLayout(
            tr.code, tuple(sorted(terminals.get(tr.pk, []))), tuple(meters.get(tr.pk, []))
        )
        by_feeder.setdefault(tr.feeder_id, []).append(layout)
    return [FeederLayout(f.code, tuple(by_feeder.get(f.pk, []))) for f in feeders]
