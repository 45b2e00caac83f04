"""Metering tests: each test gets its own warehouse folder, and a helper writes readings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

CHINA = dt.timezone(dt.timedelta(hours=8))
DAY_1 = dt.date(2026, 11, 20)
DAY_2 = dt.date(2026, 11, 21)


@pytest.fixture(autouse=True)
def _warehouse(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"
    return settings.WAREHOUSE_ROOT


def interval_end(day: dt.date, slot: int) -> str:
    """ISO time (Beijing) of the END of slot 0..95 of `day`."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=CHINA)
    return (start + dt.timedelta(minutes=15 * (slot + 1))).isoformat()


def long_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["meter,ts,kwh", *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def full_days(meter: str, days: list[dt.date], kwh: float) -> list[tuple[str, str, str]]:
    return [(meter, interval_end(day, slot), f"{kwh}") for day in days for slot in range(96)]
