"""Time-of-use calendars: validation, serialisation, and bucketing on every backend."""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import pytest

from gridcare.metering.engine.tou import (
    GUANGDONG_TOU,
    TouCalendar,
    TouOverlay,
    TouPeriod,
    bucket_expr,
)


def guangdong(minute: int, day: date) -> str:
    """Independent oracle for 粤发改价格〔2021〕331号 (domain-facts 4.2), Beijing minutes."""
    hour = minute / 60
    if day.month in (7, 8, 9) and (11 <= hour < 12 or 15 <= hour < 17):
        return "sharp"
    if hour < 8:
        return "valley"
    if 10 <= hour < 12 or 14 <= hour < 19:
        return "peak"
    return "flat"


def test_preset_matches_guangdong_policy_for_every_interval() -> None:
    for day in (date(2024, 1, 15), date(2024, 7, 1), date(2024, 9, 30), date(2024, 10, 1)):
        for minute in range(0, 1440, 15):
            assert GUANGDONG_TOU.bucket_at(minute, day) == guangdong(minute, day), (day, minute)
    assert GUANGDONG_TOU.buckets == ("sharp", "peak", "flat", "valley")
    assert [GUANGDONG_TOU.label(b) for b in GUANGDONG_TOU.buckets] == ["尖峰", "峰", "平", "谷"]


def test_round_trip_through_dict() -> None:
    hot = GUANGDONG_TOU.with_overlay_days(0, [date(2024, 6, 20)])
    assert hot.bucket_at(11 * 60, date(2024, 6, 20)) == "sharp"
    assert hot.bucket_at(11 * 60, date(2024, 6, 21)) == "peak"
    again = TouCalendar.from_dict(hot.to_dict())
    assert again == hot
    assert again.to_dict()["overlays"][0]["days"] == ["2024-06-20"]


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([(0, 600, "a"), (660, 1440, "b")], "gap"),
        ([(0, 690, "a"), (600, 1440, "b")], "overlap"),
        ([(0, 610, "a"), (610, 1440, "b")], "15-minute"),
        ([(0, 1440, "Peak!")], "bucket name"),
        ([(0, 990, "a")], "whole day"),
    ],
)
def test_invalid_calendars_are_rejected(periods: list[tuple[int, int, str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TouCalendar("bad", tuple(TouPeriod(*p) for p in periods))


def test_overlay_validation() -> None:
    with pytest.raises(ValueError, match="months"):
        TouOverlay(periods=(TouPeriod(0, 60, "x"),), months=(13,))


def test_bucket_expr_uses_interval_start_in_beijing(backend, mk) -> None:  # type: ignore[no-untyped-def]
    # Every interval of a winter and a summer day, plus the UTC 16:00 day boundary.
    ends = []
    for day in (date(2024, 1, 15), date(2024, 8, 1)):
        start = mk.bj(day.year, day.month, day.day)
        ends += [start + timedelta(minutes=15 * (i + 1)) for i in range(96)]
    table = ibis.memtable({"ts": ends})
    got = backend.to_pyarrow(table.mutate(b=bucket_expr(table.ts, GUANGDONG_TOU))).to_pylist()
    for row in got:
        ts = row["ts"].replace(tzinfo=None)
        local_start = ts + timedelta(hours=8) - timedelta(minutes=15)
        minute = local_start.hour * 60 + local_start.minute
        assert row["b"] == guangdong(minute, local_start.date()), ts
    by_end = {row["ts"].replace(tzinfo=None): row["b"] for row in got}
    naive = lambda *a: mk.bj(*a).replace(tzinfo=None)  # noqa: E731
    assert by_end[naive(2024, 1, 15, 8, 0)] == "valley"  # 07:45–08:00
    assert by_end[naive(2024, 1, 15, 8, 15)] == "flat"  # 08:00–08:15
    assert by_end[naive(2024, 1, 16, 0, 0)] == "flat"  # 23:45–24:00 = UTC 16:00
    assert by_end[naive(2024, 8, 1, 11, 15)] == "sharp"
    assert by_end[naive(2024, 8, 1, 11, 0)] == "peak"  # 10:45–11:00
