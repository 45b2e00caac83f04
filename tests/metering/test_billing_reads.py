"""What billing reads: per-meter determinants of a period over readings imported for real."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from gridcare.grid.services import meter_install
from gridcare.metering.billing_reads import MeterUsage, latest_day, meter_usage, tou_buckets
from gridcare.metering.services import readings_import_records
from gridcare.testing.personas import World

from .conftest import interval_end

OCT_31 = dt.date(2026, 10, 31)
NOV_1 = dt.date(2026, 11, 1)
NOV_2 = dt.date(2026, 11, 2)
SUSPECT_SLOT = 10  # 02:30-02:45 of Oct 31: valley
ESTIMATED_SLOT = 40  # 10:00-10:15 of Nov 1: peak


def record(meter: str, day: dt.date, slot: int, kwh: float, quality: str = "A") -> dict:  # type: ignore[type-arg]
    return {"meter": meter, "ts": interval_end(day, slot), "kwh": kwh, "quality": quality}


def import_month_end(world: World) -> None:
    """MA0001: 0.25 kWh every interval of Oct 31 and Nov 1, but a suspect 5 kWh at 02:30
    on Oct 31 and an estimated 0.5 kWh at 10:00 on Nov 1; MB0001: 0.1 kWh on Nov 1 only;
    MX0001 (CT ratio 30): 0.2 kWh on Oct 31 only; MC0001: nothing."""
    meter_install(actor=None, transformer=world.transformer_1, asset_number="MX0001", multiplier=30)
    records = []
    for day in (OCT_31, NOV_1):
        for slot in range(96):
            quality, kwh = "A", 0.25
            if (day, slot) == (OCT_31, SUSPECT_SLOT):
                quality, kwh = "S", 5.0
            if (day, slot) == (NOV_1, ESTIMATED_SLOT):
                quality, kwh = "E", 0.5
            records.append(record("MA0001", day, slot, kwh, quality))
    records += [record("MB0001", NOV_1, slot, 0.1) for slot in range(96)]
    records += [record("MX0001", OCT_31, slot, 0.2) for slot in range(96)]
    batch = readings_import_records(actor=world.users["admin"], records=records)
    assert batch.report["rejected"] == 0, batch.report


def test_nothing_materialised_reads_as_no_usage(world: World) -> None:
    assert meter_usage(start=OCT_31, end=NOV_1) == {}
    assert latest_day() is None
    assert tou_buckets() == ("sharp", "peak", "flat", "valley")


def at(day: dt.date, slot: int) -> dt.datetime:
    return dt.datetime.fromisoformat(interval_end(day, slot)).astimezone(dt.UTC)


def test_a_range_across_the_month_end_sums_each_meter_with_data(world: World) -> None:
    import_month_end(world)
    usage = meter_usage(start=OCT_31, end=NOV_2)
    assert set(usage) == {"MA0001", "MB0001", "MX0001"}  # MC0001 has no data: absent

    a = usage["MA0001"]
    assert a.days == 2
    assert a.intervals == 192
    assert a.expected_intervals == 3 * 96  # the range's days, data or not
    # The suspect reading is counted, never summed; the other 191 are.
    assert a.suspect_intervals == 1
    assert a.suspect_kwh == pytest.approx(5.0)
    assert a.total_kwh == pytest.approx(190 * 0.25 + 0.5)
    assert set(a.kwh) == set(tou_buckets())
    # Valley is 00:00-08:00: 32 intervals a day, less the suspect one.
    assert a.kwh["valley"] == pytest.approx(63 * 0.25)
    assert a.kwh["sharp"] == 0.0  # critical peak only in July-September
    # The estimate is billed and said so; it is also the highest demand (0.5 kWh in 15
    # minutes: 2 kW), where the suspect 5 kWh (20 kW) is not a demand at all.
    assert (a.estimated_intervals, a.estimated_kwh) == (1, 0.5)
    assert a.max_kw == pytest.approx(2.0)
    assert a.max_kw_at == at(NOV_1, ESTIMATED_SLOT)
    assert a.max_kw_at.utcoffset() == dt.timedelta(0)

    b = usage["MB0001"]
    assert (b.days, b.intervals, b.suspect_intervals, b.estimated_intervals) == (1, 96, 0, 0)
    assert b.total_kwh == pytest.approx(9.6)
    assert (b.max_kw, b.max_kw_at) == (pytest.approx(0.4), at(NOV_1, 0))  # the first of 96

    x = usage["MX0001"]  # true energy and demand: × the multiplier
    assert x.total_kwh == pytest.approx(96 * 0.2 * 30)
    assert x.max_kw == pytest.approx(0.2 * 30 * 4)


def test_whole_months_read_the_same_as_their_days(world: World) -> None:
    """October and November whole (read from `monthly`), October 31 and November whole,
    and the same days as single days (`daily_tou`) give the same determinants."""
    import_month_end(world)

    def without_expected(usage: dict[str, MeterUsage]) -> dict[str, MeterUsage]:
        return {m: replace(u, expected_intervals=0) for m, u in usage.items()}

    days = without_expected(meter_usage(start=dt.date(2026, 10, 2), end=dt.date(2026, 11, 29)))
    for start in (dt.date(2026, 10, 1), OCT_31):
        months = meter_usage(start=start, end=dt.date(2026, 11, 30))
        assert without_expected(months) == days
    assert (
        meter_usage(start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 30))[
            "MA0001"
        ].expected_intervals
        == 61 * 96
    )


def test_the_range_is_inclusive_and_meters_can_be_chosen(world: World) -> None:
    import_month_end(world)
    november = meter_usage(start=NOV_1, end=NOV_1, meter_ids=["MA0001", "MC0001"])
    assert set(november) == {"MA0001"}
    assert november["MA0001"].days == 1
    assert november["MA0001"].suspect_intervals == 0
    assert november["MA0001"].expected_intervals == 96
    assert meter_usage(start=NOV_2, end=NOV_2) == {}
    assert meter_usage(start=OCT_31, end=NOV_1, meter_ids=[]) == {}
    assert latest_day() == NOV_1


def test_an_end_before_the_start_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="before start"):
        meter_usage(start=NOV_1, end=OCT_31)
