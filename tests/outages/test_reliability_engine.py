"""The reliability engine on hand-computed cases (no database)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gridcare.outages.engine.reliability import (
    Interruption,
    Period,
    major_event_threshold,
    reliability_report,
    united_spans,
)

BJ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 1, tzinfo=BJ)
TEN_DAYS = Period(
    start=START,
    end=START + timedelta(days=10),
    now=START + timedelta(days=30),
    tz=BJ,
    sustained_minutes=3,
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return START + timedelta(days=day - 1, hours=hour, minutes=minute)


def hand_case() -> list[Interruption]:
    """Four customers served over 240 h:

    1: a feeder outage 10:00–11:00 and a 台区 outage inside it 10:30–11:30 on day 1 → one
       interruption of 90 min (not 120);
    2: a planned outage 09:00–13:00 on day 2 → 240 min;
    3: a 2-minute blip (momentary, not counted) and a limited-supply hour on day 3 → 60 min;
    4: nothing.
    """
    return [
        Interruption(1, at(1, 10), at(1, 11)),
        Interruption(1, at(1, 10, 30), at(1, 11, 30)),
        Interruption(2, at(2, 9), at(2, 13), planned=True),
        Interruption(3, at(3, 8), at(3, 8, 2)),
        Interruption(3, at(3, 18), at(3, 19), planned=True, limited_supply=True),
    ]


def test_the_hand_computed_case() -> None:
    report = reliability_report(hand_case(), customers_served=4, period=TEN_DAYS)
    # 3 interruptions, 90 + 240 + 60 = 390 customer-minutes, over 4 customers and 240 h.
    assert report.all.customer_interruptions == 3
    assert report.all.customer_minutes == pytest.approx(390)
    assert report.all.saifi == pytest.approx(0.75)
    assert report.all.saidi_minutes == pytest.approx(97.5)
    assert report.all.caidi_minutes == pytest.approx(130)
    assert report.all.asai == pytest.approx(1 - 1.625 / 240)  # 0.99322917
    assert report.all.rs_percent == pytest.approx(99.3229166, abs=1e-6)
    # RS-3 leaves out the limited-supply hour: 330 min → SAIDI 82.5.
    assert report.without_limited_supply.rs_percent == pytest.approx(100 * (1 - 1.375 / 240))
    # Planned (incl. 限电) vs unplanned.
    assert report.planned.customer_interruptions == 2
    assert report.planned.saidi_minutes == pytest.approx(75)
    assert report.unplanned.customer_interruptions == 1
    assert report.unplanned.saidi_minutes == pytest.approx(22.5)
    # Three days with SAIDI 22.5, 60, 15: none is far enough above the others.
    assert report.major_events.days == ()
    assert report.without_major_events == report.all


def test_the_json_line_names_the_headline_figures() -> None:
    body = reliability_report(hand_case(), customers_served=4, period=TEN_DAYS).as_dict()
    assert body["customers_served"] == 4
    assert body["saifi"] == 0.75
    assert body["saidi_minutes"] == 97.5
    assert body["caidi_minutes"] == 130
    assert body["asai"] == pytest.approx(0.99322917)
    assert body["rs1"] == pytest.approx(99.322917)
    assert body["rs3"] == pytest.approx(99.427083)


def test_overlaps_never_count_minutes_twice() -> None:
    nested = [
        Interruption(7, at(1, 10), at(1, 12)),
        Interruption(7, at(1, 10, 30), at(1, 11)),  # wholly inside
        Interruption(7, at(1, 12), at(1, 12, 30)),  # touching: still one stretch
        Interruption(7, at(1, 14), at(1, 14, 10)),  # a second interruption
    ]
    spans = united_spans(
        nested, start=TEN_DAYS.start, end=TEN_DAYS.end, now=TEN_DAYS.now, sustained_minutes=3
    )
    assert [s.minutes for s in spans[7]] == [150, 10]


def test_interruptions_are_clipped_to_the_period_and_open_ones_run_until_now() -> None:
    items = [
        Interruption(1, START - timedelta(hours=1), START + timedelta(hours=1)),
        Interruption(2, at(10, 23), None),  # still off: counts until the period's end
    ]
    report = reliability_report(items, customers_served=2, period=TEN_DAYS)
    assert report.all.customer_minutes == pytest.approx(60 + 60)


def test_no_customers_served_gives_zeros_not_a_division_error() -> None:
    report = reliability_report([], customers_served=0, period=TEN_DAYS)
    assert (report.all.saifi, report.all.caidi_minutes, report.all.asai) == (0, 0, 1)


def test_the_2_5_beta_threshold() -> None:
    # ln values 0, 1, 2: α = 1, β = 1 (sample standard deviation) → T_MED = e^3.5.
    threshold, days = major_event_threshold([1, math.e, math.e**2, 0.0])
    assert days == 3
    assert threshold == pytest.approx(math.exp(3.5))  # 33.115 min
    assert major_event_threshold([5.0]) == (None, 1)


def test_major_event_days_reported_with_and_without() -> None:
    # Baseline: ten customers, days with SAIDI 1, e and e² min → T_MED = e^3.5 ≈ 33.1 min.
    base_start = START - timedelta(days=3)
    baseline = [
        Interruption(
            1,
            base_start + timedelta(days=k, hours=9),
            base_start + timedelta(days=k, hours=9, minutes=10 * math.e**k),
        )
        for k in range(3)
    ]
    baseline_period = Period(
        start=base_start, end=START, now=TEN_DAYS.now, tz=BJ, sustained_minutes=3
    )
    storm_day, quiet_day = at(1, 6), at(2, 6)
    period_items = [
        Interruption(2, storm_day, storm_day + timedelta(minutes=400)),  # SAIDI 40 > 33.1
        Interruption(3, quiet_day, quiet_day + timedelta(minutes=100)),  # SAIDI 10
    ]
    report = reliability_report(
        period_items,
        customers_served=10,
        period=TEN_DAYS,
        baseline=baseline,
        baseline_period=baseline_period,
    )
    assert report.major_events.threshold_minutes == pytest.approx(math.exp(3.5))
    assert report.major_events.days == (storm_day.date(),)
    assert report.all.saidi_minutes == pytest.approx(50)
    assert report.without_major_events.saidi_minutes == pytest.approx(10)
    assert report.without_major_events.saifi == pytest.approx(0.1)
