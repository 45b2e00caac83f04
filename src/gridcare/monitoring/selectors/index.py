"""The service-quality index: one 0–100 score per org unit, channel and month.

Each KPI of the version in force scores linearly between its floor (0) and target (100),
clamped outside (`kpi_score`). The index is the weighted mean of the scores. A KPI with no
data in the period (nothing to divide by, or its source app not installed) is listed as
such and left out, and the remaining weights are renormalised to 100, so a unit is not
punished or rewarded for what cannot be measured; the page shows which parts were missing.
With no KPI measurable the index itself is None ("no data"), never 0.

The version in force is the one whose `effective_from` is the latest on or before the
period's last day (a month of the trend: its last day), so a past month keeps the weights
it was scored with. Per channel only KPIs that carry a channel (metrics.Kpi.channel_is)
count, on the same weights renormalised: online and offline on one scale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from gridcare.core.models import OrgUnit
from gridcare.customers.choices import InteractionChannel
from gridcare.monitoring.metrics import BY_CODE, ONLINE_CHANNELS, Kind, kpi
from gridcare.monitoring.models import IndexVersion, IndexWeight
from gridcare.monitoring.selectors.facts import (
    Period,
    Value,
    customers_served,
    kpi_breakdown,
    kpi_by_child,
    kpi_value,
    value_from_sums,
)
from gridcare.service.choices import Origin

ONLINE, OFFLINE = "online", "offline"


@dataclass(frozen=True)
class Part:
    """One KPI's part of a score (`score` None: no data, left out)."""

    kpi: str
    weight: Decimal
    target: Decimal
    floor: Decimal
    value: float | None
    score: float | None
    available: bool = True
    #: The weight after renormalising over the parts with data (0 for a missing part).
    share: float = 0.0

    @property
    def label(self) -> str:
        return str(kpi(self.kpi).label)

    @property
    def unit(self) -> str:
        return str(kpi(self.kpi).unit)

    @property
    def lower_is_better(self) -> bool:
        return self.floor > self.target


@dataclass(frozen=True)
class IndexScore:
    version: IndexVersion | None
    total: float | None
    parts: list[Part] = field(default_factory=list)

    @property
    def missing(self) -> list[Part]:
        return [p for p in self.parts if p.score is None]


@dataclass(frozen=True)
class Ranked:
    unit: OrgUnit
    score: IndexScore
    rank: int | None


def _versions() -> Iterable[IndexVersion]:
    return IndexVersion.objects.prefetch_related(
        Prefetch("weights", queryset=IndexWeight.objects.order_by("-weight", "kpi"))
    ).select_related("created_by")


def index_versions() -> list[IndexVersion]:
    """Every version, newest first, with its weights (the history a manager reads)."""
    return list(_versions())


def version_weights(version: IndexVersion | None) -> list[IndexWeight]:
    """A version's weights (none for no version)."""
    return list(version.weights.all()) if version is not None else []


def index_version_in_force(day: dt.date) -> IndexVersion | None:
    """The version whose effective_from is the latest on or before `day` (the higher number
    when two start the same day); None before the first."""
    return (
        _versions()
        .filter(effective_from__lte=day)  # type: ignore[attr-defined]
        .order_by("-effective_from", "-number")
        .first()
    )


def kpi_score(value: float, target: float | Decimal, floor: float | Decimal) -> float:
    """0 at `floor`, 100 at `target`, linear between, clamped outside (either direction).

    >>> kpi_score(90, 95, 70)
    80.0
    >>> kpi_score(3, 1, 10)   # lower is better
    77.77777777777779
    >>> kpi_score(120, 95, 70)
    100.0
    """
    target, floor = float(target), float(floor)
    raw = (value - floor) / (target - floor) * 100.0
    return max(0.0, min(100.0, raw))


def score_of(
    version: IndexVersion | None,
    values: Mapping[str, Value],
    *,
    only: Iterable[str] | None = None,
) -> IndexScore:
    """The index of `version` on KPI `values`; KPIs outside `only` count as no data."""
    if version is None:
        return IndexScore(version=None, total=None)
    allowed = set(only) if only is not None else None
    raw: list[tuple[IndexWeight, Value | None, float | None]] = []
    for weight in version.weights.all():
        found = values.get(weight.kpi)
        if allowed is not None and weight.kpi not in allowed:
            found = None
        value = found.value if found is not None else None
        score = kpi_score(value, weight.target, weight.floor) if value is not None else None
        raw.append((weight, found, score))
    measured = sum(float(w.weight) for w, _, s in raw if s is not None)
    parts = [
        Part(
            kpi=w.kpi,
            weight=w.weight,
            target=w.target,
            floor=w.floor,
            value=found.value if found is not None else None,
            score=s,
            available=found.available if found is not None else True,
            share=100.0 * float(w.weight) / measured if s is not None and measured else 0.0,
        )
        for w, found, s in raw
    ]
    total = (
        sum(p.score * p.share for p in parts if p.score is not None) / 100.0 if measured else None
    )
    return IndexScore(version=version, total=total, parts=parts)


def _codes(version: IndexVersion | None) -> list[str]:
    return [w.kpi for w in version.weights.all()] if version else []


def index_for(unit: OrgUnit | None, period: Period) -> IndexScore:
    """The index of `unit`'s subtree over `period` with its per-KPI parts."""
    version = index_version_in_force(period.end)
    values = {code: kpi_value(code, unit=unit, period=period) for code in _codes(version)}
    return score_of(version, values)


def ranked(rows: list[tuple[OrgUnit, IndexScore]]) -> list[Ranked]:
    """Best first; equal totals share a rank (1, 2, 2, 4); no data: no rank, last."""
    rows = sorted(rows, key=lambda r: (r[1].total is None, -(r[1].total or 0.0), r[0].code))
    ranked: list[Ranked] = []
    for position, (unit, score) in enumerate(rows, start=1):
        rank = None
        if score.total is not None:
            same = ranked and ranked[-1].score.total == score.total
            rank = ranked[-1].rank if same else position
        ranked.append(Ranked(unit=unit, score=score, rank=rank))
    return ranked


def index_by_child(unit: OrgUnit, period: Period) -> list[Ranked]:
    """The index of each child unit of `unit`, ranked."""
    version = index_version_in_force(period.end)
    per_child: dict[int, dict[str, Value]] = {}
    children: dict[int, OrgUnit] = {}
    for code in _codes(version):
        for child, value in kpi_by_child(code, unit=unit, period=period):
            children[child.pk] = child
            per_child.setdefault(child.pk, {})[code] = value
    if not children:
        children = {c.pk: c for c in OrgUnit.objects.filter(parent=unit)}
    return ranked(
        [(child, score_of(version, per_child.get(pk, {}))) for pk, child in children.items()]
    )


def channel_capable(code: str) -> bool:
    """Whether the KPI's facts carry the channel a contact or order came through."""
    return bool(BY_CODE[code].channel_is)


def channel_label(channel: str) -> str:
    """A channel's name: an order origin's or a contact channel's (the facts hold both)."""
    for choices in (Origin, InteractionChannel):
        if channel in choices.values:
            return str(choices(channel).label)
    return channel


def channel_group(channel: str) -> str:
    return ONLINE if channel in ONLINE_CHANNELS else OFFLINE


@dataclass(frozen=True)
class ChannelIndex:
    #: online, then offline (same weights, same targets: one scale).
    groups: list[tuple[str, IndexScore]]
    #: every channel seen in the period, best first.
    channels: list[tuple[str, IndexScore]]


def _sum(values: Iterable[Value], code: str) -> Value:
    values = list(values)
    n = sum(v.n for v in values)
    d = sum(v.d for v in values)
    total = sum(v.total for v in values)
    return Value(code=code, value=value_from_sums(kpi(code), n=n, d=d, total=total), n=n, d=d)


def index_by_channel(unit: OrgUnit | None, period: Period) -> ChannelIndex:
    """The index per channel group (online / offline) and per channel."""
    version = index_version_in_force(period.end)
    codes = [c for c in _codes(version) if channel_capable(c)]
    per_channel: dict[str, dict[str, Value]] = {}
    for code in codes:
        for channel, value in kpi_breakdown(code, unit=unit, period=period, by="channel"):
            if channel:  # facts without a known channel belong to neither side
                per_channel.setdefault(str(channel), {})[code] = value
    groups = []
    for group in (ONLINE, OFFLINE):
        members = [ch for ch in per_channel if channel_group(ch) == group]
        values = {
            code: _sum((per_channel[ch][code] for ch in members if code in per_channel[ch]), code)
            for code in codes
        }
        groups.append((group, score_of(version, values, only=codes)))
    channels = [(ch, score_of(version, vals, only=codes)) for ch, vals in per_channel.items()]
    channels.sort(key=lambda r: (r[1].total is None, -(r[1].total or 0.0), r[0]))
    return ChannelIndex(groups=groups, channels=channels)


def _month_starts(end: dt.date, months: int) -> list[dt.date]:
    first = end.replace(day=1)
    starts = [first]
    for _ in range(months - 1):
        starts.append((starts[-1] - dt.timedelta(days=1)).replace(day=1))
    return starts[::-1]


def index_trend(
    unit: OrgUnit | None, end: dt.date, months: int = 12
) -> list[tuple[dt.date, IndexScore]]:
    """The index of each of the `months` months up to the one holding `end` (that one up to
    `end`), each scored with the version in force on its last day."""
    starts = _month_starts(end, months)
    periods = [Period(s, min(Period.month(s).end, end)) for s in starts]
    versions = [index_version_in_force(p.end) for p in periods]
    codes = sorted({c for v in versions for c in _codes(v)})
    whole = Period(starts[0], end)
    by_month: dict[str, dict[dt.date, Value]] = {}
    for code in codes:
        rows = kpi_breakdown(code, unit=unit, period=whole, by="month")
        by_month[code] = {_as_date(m): v for m, v in rows}
    trend = []
    for period, version in zip(periods, versions, strict=True):
        values = {}
        for code in _codes(version):
            found = by_month.get(code, {}).get(period.start)
            if found is not None and kpi(code).kind is Kind.PER_10K:
                # The breakdown divides by the whole range's customers; a month by its own.
                customers = customers_served(unit=unit, on=period.end)
                found = Value(
                    code=code,
                    value=value_from_sums(
                        kpi(code), n=found.n, d=found.d, total=found.total, customers=customers
                    ),
                    n=found.n,
                )
            if found is not None:
                values[code] = found
        trend.append((period.start, score_of(version, values)))
    return trend


def _as_date(group: object) -> dt.date:
    if isinstance(group, dt.datetime):
        return group.date()
    assert isinstance(group, dt.date)
    return group
