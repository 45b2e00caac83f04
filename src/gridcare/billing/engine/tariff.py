"""Tariff documents and the month's bill lines.

A tariff version's `spec` is a plain document (JSON in the database, TOML in the presets;
docs/data-formats.md "Tariff"):

    energy   {bucket: price}: one price per time-of-use bucket of the metering calendar
             (peak / flat / valley / sharp), or {"all": price} for a single price
    fold     {bucket: bucket}: a bucket priced like another (residential: sharp → peak)
    ladder   阶梯: basis "monthly" or "annual", mode "inclusive" (tier prices = the single
             price + the tier's addition) or "surcharge" (the TOU lines, then the additions
             of tiers 2 and 3 as their own lines); seasons of months, each with contiguous
             tiers {from, to, add}; many_members_extra kWh added to each threshold
    basic    两部制 基本电费 prices: capacity_price (¥/kVA·month), demand_price and
             excess_price (¥/kW·month), excess_ratio (1.05)
    funds    government funds and surcharges, each its own line: {item, name, price}

`parse_spec` refuses a document with a reason (gaps or overlaps between tiers, months not
covered once, a missing price, a negative one); `price_month` turns a month's usage, in one
or more periods (a tariff change or an account opened mid-month splits the month), into
lines whose amounts are rounded once (money.py) and add up to the bill.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gridcare.billing.engine.money import ZERO, fen, kwh, to_decimal

ALL = "all"
BUCKETS = ("sharp", "peak", "flat", "valley")
_KNOWN_KEYS = {"energy", "fold", "ladder", "basic", "funds", "note"}
_BASIC_KEYS = {"capacity_price", "demand_price", "excess_price", "excess_ratio"}


class SpecError(ValueError):
    """A tariff document or version list that cannot be billed; `code` is stable, `reason`
    says where (the services translate the code into the user's language)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class MissingDemand(ValueError):
    """A demand-based basic charge without the month's maximum demand."""


@dataclass(frozen=True)
class Tier:
    start: Decimal  # kWh above which this tier begins (exclusive)
    end: Decimal | None  # kWh up to which it runs (inclusive); None: no upper bound
    add: Decimal  # ¥/kWh above the base price


@dataclass(frozen=True)
class Season:
    months: frozenset[int]
    tiers: tuple[Tier, ...]


@dataclass(frozen=True)
class Ladder:
    basis: str  # monthly | annual
    mode: str  # inclusive | surcharge
    seasons: tuple[Season, ...]
    many_members_extra: Decimal = ZERO

    def season(self, month: int) -> Season:
        return next(s for s in self.seasons if month in s.months)


@dataclass(frozen=True)
class Fund:
    item: str
    name: str
    price: Decimal


@dataclass(frozen=True)
class Basic:
    capacity_price: Decimal | None = None
    demand_price: Decimal | None = None
    excess_price: Decimal | None = None
    excess_ratio: Decimal = Decimal("1.05")


@dataclass(frozen=True)
class TariffSpec:
    energy: Mapping[str, Decimal]
    fold: Mapping[str, str] = field(default_factory=dict)
    ladder: Ladder | None = None
    basic: Basic | None = None
    funds: tuple[Fund, ...] = ()

    def price_of(self, bucket: str) -> Decimal:
        """The energy price of a TOU bucket (a single-price tariff prices every bucket)."""
        if ALL in self.energy:
            return self.energy[ALL]
        target = self.fold.get(bucket, bucket)
        if target not in self.energy:
            raise SpecError("missing_price", f"no energy price for bucket {bucket!r}")
        return self.energy[target]


@dataclass(frozen=True)
class Period:
    """Part of a billing month under one tariff version: usage per TOU bucket (kWh) and the
    maximum demand (kW) measured in it."""

    start: date
    end: date  # inclusive
    spec: TariffSpec
    kwh: Mapping[str, Decimal]
    max_demand_kw: Decimal | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def total_kwh(self) -> Decimal:
        return sum(self.kwh.values(), ZERO)


@dataclass(frozen=True)
class Context:
    """What the account brings: capacity, the two-part choice, household size, and for an
    annual ladder the kWh already billed this calendar year."""

    capacity_kva: Decimal = ZERO
    basic_method: str = ""  # "" | capacity | demand | contract_demand
    contracted_demand_kw: Decimal | None = None
    many_members: bool = False
    year_to_date_kwh: Decimal = ZERO


@dataclass(frozen=True)
class Line:
    item: str  # energy.peak, energy.tier2, ladder.tier3, basic.capacity, fund.renewable …
    quantity: Decimal
    unit: str  # kWh, kVA·month, kW·month
    unit_price: Decimal
    amount: Decimal
    name: str = ""  # for items defined by the tariff data (funds)
    detail: Mapping[str, str] = field(default_factory=dict)  # e.g. a tier's range


# ---------------------------------------------------------------------------- parsing


def _number(value: Any, where: str, *, positive: bool = False) -> Decimal:
    try:
        number = to_decimal(value, what=where)
    except ValueError as exc:
        raise SpecError("bad_number", str(exc)) from exc
    if number < 0 or (positive and number == 0):
        raise SpecError("negative", f"{where}: must be {'> 0' if positive else '≥ 0'}")
    return number


def _tiers(raw: Any, where: str) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise SpecError("tier_gap", f"{where}: tiers must be a non-empty list")
    tiers: list[Tier] = []
    expected = ZERO
    for index, entry in enumerate(raw, start=1):
        here = f"{where} tier {index}"
        if not isinstance(entry, Mapping):
            raise SpecError("tier_gap", f"{here}: not a table")
        start = _number(entry.get("from", "0"), f"{here} from")
        if start != expected:
            kind = "gap" if start > expected else "overlap"
            raise SpecError(
                "tier_gap",
                f"{here} starts at {start} kWh, the tier before ends at {expected}: {kind}",
            )
        end = entry.get("to")
        end_value = None if end is None else _number(end, f"{here} to")
        if end_value is not None and end_value <= start:
            raise SpecError("tier_gap", f"{here}: to ({end_value}) must be above from ({start})")
        last = index == len(raw)
        if (end_value is None) != last:
            raise SpecError("tier_gap", f"{here}: only the last tier is open-ended")
        tiers.append(
            Tier(start=start, end=end_value, add=_number(entry.get("add", "0"), f"{here} add"))
        )
        expected = end_value if end_value is not None else expected
    return tuple(tiers)


def _ladder(raw: Any) -> Ladder:
    if not isinstance(raw, Mapping):
        raise SpecError("bad_ladder", "ladder must be a table")
    basis = raw.get("basis", "monthly")
    mode = raw.get("mode", "inclusive")
    if basis not in ("monthly", "annual"):
        raise SpecError("bad_ladder", f"ladder basis {basis!r}: monthly or annual")
    if mode not in ("inclusive", "surcharge"):
        raise SpecError("bad_ladder", f"ladder mode {mode!r}: inclusive or surcharge")
    seasons_raw = raw.get("seasons")
    if not isinstance(seasons_raw, list) or not seasons_raw:
        raise SpecError("bad_ladder", "ladder needs at least one season")
    seasons: list[Season] = []
    seen: set[int] = set()
    for index, entry in enumerate(seasons_raw, start=1):
        months = entry.get("months", list(range(1, 13))) if isinstance(entry, Mapping) else None
        if not isinstance(months, list) or not all(
            isinstance(m, int) and 1 <= m <= 12 for m in months
        ):
            raise SpecError("season_months", f"season {index}: months must be 1–12")
        overlap = seen.intersection(months)
        if overlap:
            raise SpecError(
                "season_months", f"season {index}: month {min(overlap)} is in two seasons"
            )
        seen.update(months)
        seasons.append(Season(frozenset(months), _tiers(entry.get("tiers"), f"season {index}")))
    if seen != set(range(1, 13)):
        missing = sorted(set(range(1, 13)) - seen)
        raise SpecError("season_months", f"months {missing} are in no season")
    return Ladder(
        basis=basis,
        mode=mode,
        seasons=tuple(seasons),
        many_members_extra=_number(raw.get("many_members_extra", "0"), "many_members_extra"),
    )


def parse_spec(doc: Mapping[str, Any]) -> TariffSpec:
    """The tariff document as typed values, or `SpecError` with the first reason."""
    if not isinstance(doc, Mapping):
        raise SpecError("bad_document", "a tariff document is a table")
    unknown = set(doc) - _KNOWN_KEYS
    if unknown:
        raise SpecError("unknown_key", f"unknown keys: {sorted(unknown)}")
    energy_raw = doc.get("energy")
    if not isinstance(energy_raw, Mapping) or not energy_raw:
        raise SpecError("missing_price", "energy prices are required")
    energy = {str(b): _number(p, f"energy.{b}") for b, p in energy_raw.items()}
    bad = set(energy) - {ALL, *BUCKETS}
    if bad or (ALL in energy and len(energy) > 1):
        raise SpecError(
            "missing_price", f"energy: either all, or buckets of {BUCKETS}; got {sorted(energy)}"
        )
    fold = {str(k): str(v) for k, v in dict(doc.get("fold") or {}).items()}
    spec_energy_keys = set(energy)
    if ALL not in energy:
        for bucket in BUCKETS:
            if fold.get(bucket, bucket) not in spec_energy_keys:
                raise SpecError(
                    "missing_price", f"no price for bucket {bucket!r} (price it or fold it)"
                )
    ladder = _ladder(doc["ladder"]) if doc.get("ladder") else None
    if ladder and ladder.mode == "inclusive" and ALL not in energy:
        raise SpecError("bad_ladder", "an inclusive ladder needs a single energy price (all)")
    basic = None
    if doc.get("basic"):
        raw = doc["basic"]
        if not isinstance(raw, Mapping) or set(raw) - _BASIC_KEYS:
            raise SpecError("unknown_key", f"basic: keys of {sorted(_BASIC_KEYS)}")
        basic = Basic(
            **{k: _number(v, f"basic.{k}", positive=k == "excess_ratio") for k, v in raw.items()}
        )
    funds = []
    for index, raw in enumerate(doc.get("funds") or [], start=1):
        if not isinstance(raw, Mapping) or not raw.get("item") or not raw.get("name"):
            raise SpecError("bad_fund", f"fund {index}: item, name and price are required")
        funds.append(
            Fund(
                str(raw["item"]), str(raw["name"]), _number(raw.get("price"), f"fund {index} price")
            )
        )
    return TariffSpec(energy=energy, fold=fold, ladder=ladder, basic=basic, funds=tuple(funds))


def check_versions(spans: Sequence[tuple[date, date | None]]) -> None:
    """Refuse overlapping validity periods (sorted or not); an open end must be the last."""
    ordered = sorted(spans)
    for (start, end), (next_start, _next_end) in itertools.pairwise(ordered):
        if end is None or end >= next_start:
            shown = "open-ended" if end is None else str(end)
            raise SpecError(
                "period_overlap",
                f"the version from {start} (to {shown}) overlaps the one from {next_start}",
            )


# ---------------------------------------------------------------------------- pricing


def month_days(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def _line(item: str, quantity: Decimal, unit: str, price: Decimal, **extra: Any) -> Line:
    return Line(
        item=item,
        quantity=quantity,
        unit=unit,
        unit_price=price,
        amount=fen(quantity * price),
        **extra,
    )


def _share(value: Decimal, period: Period, days_in_month: int) -> Decimal:
    """A monthly quantity pro-rated to the period's days, to the Wh / 0.001 kW."""
    if period.days == days_in_month:
        return value
    return kwh(value * period.days / days_in_month)


def _threshold(value: Decimal, period: Period, days_in_month: int) -> Decimal:
    """A monthly tier threshold pro-rated to the period's days, rounded half-up to the
    whole kWh (docs/architecture.md "Billing": the documented proration rule)."""
    if period.days == days_in_month:
        return value
    return (value * period.days / days_in_month).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def tier_split(
    total: Decimal,
    tiers: Sequence[Tier],
    *,
    offset: Decimal = ZERO,
    scale: Callable[[Decimal], Decimal] | None = None,
) -> list[Decimal]:
    """kWh of `total` in each tier, the usage starting at `offset` (an annual ladder's
    year-to-date). Usage equal to a threshold stays in the lower tier. `scale` maps a
    threshold (pro-rating)."""
    shares = []
    low, high = offset, offset + total
    for tier in tiers:
        start = scale(tier.start) if scale else tier.start
        end = None if tier.end is None else (scale(tier.end) if scale else tier.end)
        top = high if end is None else min(high, end)
        shares.append(max(ZERO, top - max(low, start)))
    return shares


def _ladder_lines(period: Period, ladder: Ladder, month: date, context: Context) -> list[Line]:
    days_in_month = month_days(month)
    season = ladder.season(month.month)
    extra = ladder.many_members_extra if context.many_members else ZERO

    def scale(threshold: Decimal) -> Decimal:
        if threshold == 0:
            return threshold
        raised = threshold + extra
        return raised if ladder.basis == "annual" else _threshold(raised, period, days_in_month)

    offset = context.year_to_date_kwh if ladder.basis == "annual" else ZERO
    shares = tier_split(period.total_kwh, season.tiers, offset=offset, scale=scale)
    lines = []
    for number, (tier, quantity) in enumerate(zip(season.tiers, shares, strict=True), start=1):
        if quantity == 0:
            continue
        detail = {
            "from": str(scale(tier.start)),
            "to": "" if tier.end is None else str(scale(tier.end)),
        }
        if ladder.mode == "inclusive":
            price = period.spec.energy[ALL] + tier.add
            lines.append(_line(f"energy.tier{number}", quantity, "kWh", price, detail=detail))
        elif tier.add:
            lines.append(_line(f"ladder.tier{number}", quantity, "kWh", tier.add, detail=detail))
    return lines


def _energy_lines(period: Period) -> list[Line]:
    spec = period.spec
    if ALL in spec.energy:
        return [_line("energy.all", period.total_kwh, "kWh", spec.energy[ALL])]
    lines = []
    for bucket in BUCKETS:
        quantity = period.kwh.get(bucket, ZERO)
        if quantity:
            lines.append(_line(f"energy.{bucket}", quantity, "kWh", spec.price_of(bucket)))
    return lines


def _basic_lines(period: Period, basic: Basic, month: date, context: Context) -> list[Line]:
    days_in_month = month_days(month)
    method = context.basic_method
    if not method:
        return []
    if method == "capacity":
        if basic.capacity_price is None:
            raise SpecError(
                "missing_price", "basic.capacity_price is required for the capacity method"
            )
        quantity = _share(context.capacity_kva, period, days_in_month)
        return [_line("basic.capacity", quantity, "kVA·month", basic.capacity_price)]
    if basic.demand_price is None:
        raise SpecError("missing_price", "basic.demand_price is required for demand methods")
    if period.max_demand_kw is None:
        raise MissingDemand(f"no maximum demand for {period.start}–{period.end}")
    if method == "demand":
        quantity = _share(period.max_demand_kw, period, days_in_month)
        return [_line("basic.demand", quantity, "kW·month", basic.demand_price)]
    if method != "contract_demand" or context.contracted_demand_kw is None:
        raise SpecError("bad_method", f"basic charge method {method!r} needs its contracted demand")
    contracted = context.contracted_demand_kw
    lines = [
        _line(
            "basic.contract_demand",
            _share(contracted, period, days_in_month),
            "kW·month",
            basic.demand_price,
        )
    ]
    excess = period.max_demand_kw - contracted * basic.excess_ratio
    if excess > 0:
        price = basic.excess_price if basic.excess_price is not None else basic.demand_price * 2
        lines.append(
            _line(
                "basic.excess_demand", _share(kwh(excess), period, days_in_month), "kW·month", price
            )
        )
    return lines


def _merge(lines: list[Line]) -> list[Line]:
    """Lines of the same item and price from several periods shown once (their quantities
    added, the amount rounded once)."""
    merged: dict[tuple[str, Decimal, tuple[tuple[str, str], ...]], Line] = {}
    for line in lines:
        key = (line.item, line.unit_price, tuple(sorted(line.detail.items())))
        if key in merged:
            first = merged[key]
            merged[key] = _line(
                line.item,
                first.quantity + line.quantity,
                line.unit,
                line.unit_price,
                name=line.name,
                detail=line.detail,
            )
        else:
            merged[key] = line
    return list(merged.values())


def price_month(*, month: date, periods: Sequence[Period], context: Context) -> list[Line]:
    """The bill lines of `month` (first day) for usage in `periods`, in bill order:
    energy (tiers or TOU), ladder surcharges, basic charge, funds."""
    energy: list[Line] = []
    ladder: list[Line] = []
    basic: list[Line] = []
    funds: list[Line] = []
    for period in sorted(periods, key=lambda p: p.start):
        if period.start.replace(day=1) != month or period.end.replace(day=1) != month:
            raise ValueError(f"period {period.start}–{period.end} is not in {month:%Y-%m}")
        spec = period.spec
        if spec.ladder and spec.ladder.mode == "inclusive":
            energy.extend(_ladder_lines(period, spec.ladder, month, context))
        else:
            energy.extend(_energy_lines(period))
            if spec.ladder:
                ladder.extend(_ladder_lines(period, spec.ladder, month, context))
        if spec.basic:
            basic.extend(_basic_lines(period, spec.basic, month, context))
        for fund in spec.funds:
            if period.total_kwh:
                funds.append(_line(fund.item, period.total_kwh, "kWh", fund.price, name=fund.name))
    return _merge(energy) + _merge(ladder) + _merge(basic) + _merge(funds)


def total(lines: Sequence[Line]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)
