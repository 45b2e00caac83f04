"""Reads of materialised aggregates for pages and the API: an account's usage, a
transformer's load curve. Always DuckDB over the Parquet files (small, filtered reads),
whatever backend computes the aggregates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from gridcare.customers.models import Account
from gridcare.grid.models import Transformer
from gridcare.metering import warehouse
from gridcare.metering.engine import materialize
from gridcare.metering.engine import schema as s
from gridcare.metering.engine.backend import connect, partition_files
from gridcare.metering.stats import power_factor_current, tou_calendar_default

CHINA = dt.timezone(dt.timedelta(hours=8))
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
    """What the portal's 用电分析 page shows (kWh are true energy, × multiplier)."""

    days: list[str] = field(default_factory=list)
    daily_chart: dict[str, Any] = field(default_factory=dict)
    monthly_chart: dict[str, Any] = field(default_factory=dict)
    tou: list[dict[str, Any]] = field(default_factory=list)
    last_30_days_kwh: float = 0.0
    daily_average_kwh: float = 0.0
    valley_share: float = 0.0
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
    usage.days = [d.isoformat() for d in ordered]
    usage.daily_chart = {
        "days": [d.strftime("%m-%d") for d in ordered],
        "buckets": [
            {
                "key": b,
                "label": calendar.label(b),
                "values": [round(per_day[d].get(b, 0.0), 2) for d in ordered],
            }
            for b in calendar.buckets
        ],
    }
    recent = ordered[-30:]
    totals = {b: sum(per_day[d].get(b, 0.0) for d in recent) for b in calendar.buckets}
    usage.last_30_days_kwh = sum(totals.values())
    usage.daily_average_kwh = usage.last_30_days_kwh / len(recent)
    usage.tou = [
        {"key": b, "label": calendar.label(b), "value": round(v, 1)} for b, v in totals.items()
    ]
    valley = totals.get("valley", 0.0)
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
    usage.monthly_chart = {
        "months": [m.strftime("%Y-%m") for m in months],
        "series": [
            {"label": _("This year"), "values": [round(per_month.get(m, 0.0), 1) for m in months]},
            {
                "label": _("Last year"),
                "values": [
                    round(per_month.get(m.replace(year=m.year - 1), 0.0), 1) for m in months
                ],
            },
        ],
    }
    last_year = last_day.replace(day=1).replace(year=last_day.year - 1)
    usage.same_month_last_year_kwh = per_month.get(last_year)


def transformer_curve_chart(
    *, transformer: Transformer, day: dt.date, labels: tuple[str, str, str]
) -> dict[str, Any]:
    """The day's 15-minute load curve in kW with the 80 % and 100 % lines (Beijing times)."""
    rows = _read("transformer_load", [day], transformer_id=[transformer.code])
    rows.sort(key=lambda r: r[s.TS])
    full_kw = float(transformer.rated_kva) * power_factor_current()
    return {
        "times": [r[s.TS].astimezone(CHINA).strftime("%H:%M") for r in rows],
        "kw": [round(r["kw"], 2) for r in rows],
        "label": labels[0],
        "heavy_label": labels[1],
        "over_label": labels[2],
        "heavy_kw": round(0.8 * full_kw, 1),
        "over_kw": round(full_kw, 1),
    }
