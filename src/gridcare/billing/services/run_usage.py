"""The billing determinants from metering: the one place billing asks for meter usage.

`metering.billing_reads.meter_usage(start=, end=, meter_ids=)` sums a date range's
`daily_tou` aggregates per meter (kWh per time-of-use bucket as float, readings counted by
quality, the maximum demand). A run asks once per distinct date range, not per account:
most accounts share the whole month, and a tariff change or an account opened mid-month
adds a few more ranges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from gridcare.metering.billing_reads import meter_usage

#: Above this many meters a range is read whole (`meter_ids=None`) and filtered here: a
#: list of 100,000 ids in one query costs more than reading the partitions.
METER_LIST_LIMIT = 1000

#: Ranges read at the same time.
READ_THREADS = 4

Range = tuple[dt.date, dt.date]


class MeterUsage(Protocol):
    """What billing reads of metering's `MeterUsage` (kWh are true energy, × multiplier)."""

    @property
    def meter_id(self) -> str: ...
    @property
    def kwh(self) -> Mapping[str, float]: ...  # per TOU bucket, actual + estimated
    @property
    def days(self) -> int: ...
    @property
    def intervals(self) -> int: ...  # readings of any quality
    @property
    def expected_intervals(self) -> int: ...
    @property
    def estimated_intervals(self) -> int: ...
    @property
    def estimated_kwh(self) -> float: ...
    @property
    def suspect_intervals(self) -> int: ...
    @property
    def suspect_kwh(self) -> float: ...
    @property
    def max_kw(self) -> float | None: ...
    @property
    def max_kw_at(self) -> dt.datetime | None: ...


#: `(start, end, meter_ids or None) -> {meter_id: usage}`; metering's reader by default,
#: determinants given directly in tests and the benchmark's baseline.
UsageSource = Callable[[dt.date, dt.date, Sequence[str] | None], Mapping[str, MeterUsage]]


def metering_usage(
    start: dt.date, end: dt.date, meter_ids: Sequence[str] | None
) -> Mapping[str, MeterUsage]:
    """metering's reader, the default source."""
    return meter_usage(start=start, end=end, meter_ids=meter_ids)


def usage_read(
    wanted: Mapping[Range, Iterable[str]], *, source: UsageSource | None = None
) -> dict[Range, dict[str, MeterUsage]]:
    """Usage of the meters wanted per date range, one read per range.

    The reads run side by side in a few threads: a read of a part-month range for a few
    meters is mostly fixed cost (opening the partition files), and DuckDB releases the GIL
    while it reads. The readers touch no database connection."""
    read = source or metering_usage
    ranges = sorted(wanted)
    ids = {r: sorted(set(wanted[r])) for r in ranges}

    def one(key: Range) -> dict[str, MeterUsage]:
        meters = ids[key]
        got = read(key[0], key[1], None if len(meters) > METER_LIST_LIMIT else meters)
        return {m: got[m] for m in meters if m in got}

    if len(ranges) <= 1:
        return {r: one(r) for r in ranges}
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        return dict(zip(ranges, pool.map(one, ranges), strict=True))
