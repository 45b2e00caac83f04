"""Reads of materialised aggregates for pages and the API: an account's usage, a
transformer's load curve. Always DuckDB over the Parquet files (small, filtered reads),
whatever backend computes the aggregates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gridcare.customers.models import Account
from gridcare.grid.models import Transformer
from gridcare.metering import warehouse
from gridcare.metering.engine import materialize
from gridcare.metering.engine import schema as s
from gridcare.metering.engine.backend import connect, partition_files
from gridcare.metering.stats import power_factor_current, tou_calendar_default

RECENT_DAYS = 35


def _read(name: str, days: Sequence[dt.date] | None, **filters: Any) -> list[dict[str, Any]]:
    con = connect("duckdb://")
    try:
        table = materialize.read_aggregate(con, warehouse.store_root(), name, days)
    except LookupError:
        return []
    for column, values in filters.items():
        table = table.filter(table[column].isin(list(values)))
    return list(con.to_pyarrow(table).to_pylist())


def _meter_ids(account: Account) -> list[str]:
    return list(account.meters.values_list("asset_number", flat=True))


@dataclass
class AccountUsage:
    """An account's usage as numbers (kWh are true energy, × multiplier), oldest first.

    Plain data: the portal's presenter (`portal/charts.py`) turns it into chart series with
    their labels in the reader's language. `buckets` are the TOU calendar's (key, name)."""

    buckets: list[tuple[str, str]] = field(default_factory=list)
    days: list[dt.date] = field(default_factory=list)
    daily_kwh: dict[str, list[float]] = field(default_factory=dict)  # per bucket, per day
    recent_kwh: dict[str, float] = field(default_factory=dict)  # per bucket, last 30 days
    last_30_days_kwh: float = 0.0
    daily_average_kwh: float = 0.0
    valley_share: float = 0.0
    months: list[dt.date] = field(default_factory=list)  # twelve, ending with the last day's
    monthly_kwh: list[float] = field(default_factory=list)
    monthly_kwh_last_year: list[float] = field(default_factory=list)
    same_month_last_year_kwh: float | None = None


def stored_days(*, until: dt.date) -> list[dt.date]:
    """Days with materialised daily aggregates, up to `until` (from the partition folders)."""
    base = materialize.aggregate_dir(warehouse.store_root(), "daily_tou")
    return sorted(day for day, _ in partition_files(base, s.DAY) if day <= until)


def account_usage(*, account: Account, today: dt.date) -> AccountUsage:
    """Daily TOU split for the last 35 days with data, monthly totals with last year."""
    meters = _meter_ids(account)
    calendar = tou_calendar_default()
    stored = stored_days(until=today)
    # The 35 days up to the newest one with data: older stored days (last year's month)
    # are not "recent" even when fewer days were loaded since.
    days = [d for d in stored if d > stored[-1] - dt.timedelta(days=RECENT_DAYS)] if stored else []
    rows = _read("daily_tou", days, meter_id=meters) if days and meters else []
    usage = AccountUsage()
    if not rows:
        return usage
    per_day: dict[dt.date, dict[str, float]] = {}
    for row in rows:
        totals = per_day.setdefault(row[s.DAY], {})
        for bucket in calendar.buckets:
            totals[bucket] = totals.get(bucket, 0.0) + (row.get(f"kwh_{bucket}") or 0.0)
    ordered = sorted(per_day)
    usage.buckets = [(b, calendar.label(b)) for b in calendar.buckets]
    usage.days = ordered
    usage.daily_kwh = {b: [per_day[d].get(b, 0.0) for d in ordered] for b in calendar.buckets}
    recent = ordered[-30:]
    usage.recent_kwh = {b: sum(per_day[d].get(b, 0.0) for d in recent) for b in calendar.buckets}
    usage.last_30_days_kwh = sum(usage.recent_kwh.values())
    usage.daily_average_kwh = usage.last_30_days_kwh / len(recent)
    valley = usage.recent_kwh.get("valley", 0.0)
    usage.valley_share = 100 * valley / usage.last_30_days_kwh if usage.last_30_days_kwh else 0.0
    _monthly(usage, meters, ordered[-1])
    return usage


def _month_back(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def _monthly(usage: AccountUsage, meters: list[str], last_day: dt.date) -> None:
    months = [_month_back(last_day.replace(day=1), n) for n in range(11, -1, -1)]
    wanted = months + [m.replace(year=m.year - 1) for m in months]
    rows = _read("monthly", wanted, meter_id=meters)
    per_month: dict[dt.date, float] = {}
    for row in rows:
        per_month[row["month"]] = per_month.get(row["month"], 0.0) + (row.get("kwh") or 0.0)
    usage.months = months
    usage.monthly_kwh = [per_month.get(m, 0.0) for m in months]
    usage.monthly_kwh_last_year = [per_month.get(m.replace(year=m.year - 1), 0.0) for m in months]
    last_year = last_day.replace(day=1).replace(year=last_day.year - 1)
    usage.same_month_last_year_kwh = per_month.get(last_year)


@dataclass(frozen=True)
class LoadCurve:
    """A transformer's 15-minute load for one day, with its heavy (80 %) and overload
    (100 % of rated kVA × power factor) lines in kW; `console/charts.py` draws it."""

    times: list[dt.datetime]  # interval starts, UTC
    kw: list[float]
    heavy_kw: float
    over_kw: float


def transformer_load_curve(*, transformer: Transformer, day: dt.date) -> LoadCurve:
    rows = _read("transformer_load", [day], transformer_id=[transformer.code])
    rows.sort(key=lambda r: r[s.TS])
    full_kw = float(transformer.rated_kva) * power_factor_current()
    return LoadCurve(
        times=[r[s.TS] for r in rows],
        kw=[r["kw"] for r in rows],
        heavy_kw=0.8 * full_kw,
        over_kw=full_kw,
    )
