"""Tariff reads: every tariff with the version in force on a day, summarised for a client
choosing what to quote (does it price time-of-use buckets, a ladder, a basic charge)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from gridcare.billing.engine.tariff import ALL, TariffSpec, parse_spec
from gridcare.billing.models import Tariff, TariffVersion


@dataclass(frozen=True)
class TariffSummary:
    """A tariff and its version in force (`version` None: none on that day)."""

    tariff: Tariff
    version: TariffVersion | None
    energy: dict[str, Decimal] = field(default_factory=dict)
    time_of_use: bool = False
    ladder: str | None = None
    basic_charge: bool = False
    funds: list[str] = field(default_factory=list)


def _in_force(versions: list[TariffVersion], day: dt.date) -> TariffVersion | None:
    for version in versions:
        if version.effective_from <= day and (
            version.effective_to is None or version.effective_to >= day
        ):
            return version
    return None


def _summary(tariff: Tariff, version: TariffVersion | None) -> TariffSummary:
    if version is None:
        return TariffSummary(tariff=tariff, version=None)
    spec: TariffSpec = parse_spec(version.spec)
    return TariffSummary(
        tariff=tariff,
        version=version,
        energy=dict(spec.energy),
        time_of_use=ALL not in spec.energy,
        ladder=spec.ladder.basis if spec.ladder else None,
        basic_charge=spec.basic is not None,
        funds=[fund.name for fund in spec.funds],
    )


def tariffs_in_force(*, day: dt.date) -> list[TariffSummary]:
    """Every tariff by code, each with the version in force on `day`."""
    tariffs = Tariff.objects.order_by("code").prefetch_related(
        Prefetch("versions", queryset=TariffVersion.objects.order_by("effective_from"))
    )
    return [_summary(t, _in_force(list(t.versions.all()), day)) for t in tariffs]
