"""Properties of the tariff engine on the preset tariffs, for any usage (hypothesis):
lines add up to the total, each line is its quantity × price rounded once, tier
boundaries are exact at every threshold (pro-rated ones too), and the time-of-use
buckets add up to the energy billed."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.billing.engine.money import FEN, ZERO
from gridcare.billing.engine.tariff import (
    BUCKETS,
    Context,
    Period,
    TariffSpec,
    month_days,
    parse_spec,
    price_month,
    total,
)
from gridcare.billing.presets import preset_spec, tariff_presets

SPECS = {entry["code"]: parse_spec(entry["spec"]) for entry in tariff_presets()}
LADDERS = {c: s for c, s in SPECS.items() if s.ladder and s.ladder.basis == "monthly"}

kwh_values = st.decimals(min_value=0, max_value=20000, places=3)
months = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 1)).map(
    lambda d: d.replace(day=1)
)


def _usage(draw: st.DrawFn) -> dict[str, Decimal]:
    return {b: draw(kwh_values) for b in BUCKETS}


def _context(spec: TariffSpec, many: bool) -> Context:
    method = "demand" if spec.basic else ""
    return Context(capacity_kva=Decimal("630"), basic_method=method, many_members=many)


def _split(
    month: dt.date, cut: int, usage: dict[str, Decimal]
) -> list[tuple[dt.date, dt.date, dict[str, Decimal]]]:
    """The month cut after day `cut` (0: whole), usage split between the parts."""
    end = month.replace(day=month_days(month))
    if cut == 0:
        return [(month, end, usage)]
    first = {b: (v / 2).quantize(Decimal("0.001")) for b, v in usage.items()}
    return [
        (month, month.replace(day=cut), first),
        (month.replace(day=cut + 1), end, {b: usage[b] - first[b] for b in usage}),
    ]


@st.composite
def bills(draw: st.DrawFn) -> tuple[str, dt.date, list[Period], Context]:
    code = draw(st.sampled_from(sorted(SPECS)))
    spec = SPECS[code]
    month = draw(months)
    cut = draw(st.integers(min_value=0, max_value=27))
    demand = draw(st.decimals(min_value=0, max_value=5000, places=3))
    periods = [
        Period(start, end, spec, usage, demand)
        for start, end, usage in _split(month, cut, _usage(draw))
    ]
    return code, month, periods, _context(spec, draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(bills())
def test_a_bill_is_the_sum_of_its_lines_each_rounded_once(
    bill: tuple[str, dt.date, list[Period], Context],
) -> None:
    _, month, periods, context = bill
    lines = price_month(month=month, periods=periods, context=context)
    assert total(lines) == sum((line.amount for line in lines), ZERO)
    for line in lines:
        exact = line.quantity * line.unit_price
        assert line.amount == exact.quantize(FEN, rounding=ROUND_HALF_UP)
        assert abs(line.amount - exact) <= Decimal("0.005")


@settings(max_examples=300, deadline=None)
@given(bills())
def test_the_energy_billed_is_the_usage_bucket_by_bucket(
    bill: tuple[str, dt.date, list[Period], Context],
) -> None:
    code, month, periods, context = bill
    spec = SPECS[code]
    lines = price_month(month=month, periods=periods, context=context)
    usage = sum((p.total_kwh for p in periods), ZERO)
    energy = [line for line in lines if line.item.startswith("energy.")]
    assert sum((line.quantity for line in energy), ZERO) == usage
    if not spec.ladder and "all" not in spec.energy:
        for bucket in BUCKETS:
            billed = sum((ln.quantity for ln in energy if ln.item == f"energy.{bucket}"), ZERO)
            assert billed == sum((p.kwh[bucket] for p in periods), ZERO)
    for fund in spec.funds:
        assert sum((ln.quantity for ln in lines if ln.item == fund.item), ZERO) == usage


def _thresholds(code: str, month: dt.date, days: int, many: bool) -> list[Decimal]:
    """The season's finite thresholds for a part month of `days`, by the documented rule
    (monthly threshold + the many-members extra, × days / days of the month, half-up to
    the kWh), computed here independently of the engine."""
    ladder = LADDERS[code].ladder
    assert ladder is not None
    season = next(s for s in ladder.seasons if month.month in s.months)
    extra = ladder.many_members_extra if many else ZERO
    result = []
    for tier in season.tiers[:-1]:
        assert tier.end is not None
        raised = tier.end + extra
        scaled = raised * days / month_days(month)
        result.append(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return result


@settings(max_examples=200, deadline=None)
@given(
    code=st.sampled_from(sorted(LADDERS)),
    month=months,
    days=st.integers(min_value=1, max_value=31),
    many=st.booleans(),
    data=st.data(),
)
def test_usage_at_a_threshold_stays_below_it_and_a_wh_more_goes_up(
    code: str, month: dt.date, days: int, many: bool, data: st.DataObject
) -> None:
    days = min(days, month_days(month))
    start = month.replace(day=month_days(month) - days + 1)
    end = month.replace(day=month_days(month))
    thresholds = _thresholds(code, month, days, many)
    index = data.draw(st.integers(min_value=0, max_value=len(thresholds) - 1))
    threshold = thresholds[index]
    spec = SPECS[code]
    context = Context(many_members=many)

    def tiers(kwh: Decimal) -> dict[str, Decimal]:
        period = Period(start, end, spec, {"flat": kwh})
        lines = price_month(month=month, periods=[period], context=context)
        return {
            ln.item.rsplit(".", 1)[1]: ln.quantity
            for ln in lines
            if ln.item.startswith(("energy.tier", "ladder.tier"))
        }

    upper = f"tier{index + 2}"
    assert upper not in tiers(threshold)
    assert tiers(threshold + Decimal("0.001"))[upper] == Decimal("0.001")


def test_the_annual_ladder_crosses_its_threshold_with_the_year_to_date() -> None:
    spec = parse_spec(preset_spec("RES-TIER-ANNUAL"))
    month = dt.date(2026, 11, 1)
    period = Period(month, dt.date(2026, 11, 30), spec, {"flat": Decimal("100.001")})
    lines = price_month(
        month=month, periods=[period], context=Context(year_to_date_kwh=Decimal("2660"))
    )
    assert [(ln.item, ln.quantity) for ln in lines] == [
        ("energy.tier1", Decimal("100")),
        ("energy.tier2", Decimal("0.001")),
    ]
