"""Chart series for the portal's 用电分析 page: metering's plain numbers with labels in the
reader's language, rounded for display, in the shapes `static/gridcare/charts.js` draws."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from gridcare.metering.usage import AccountUsage


@dataclass(frozen=True)
class UsageCharts:
    daily: dict[str, Any]  # stacked bars: kWh per TOU bucket per day
    monthly: dict[str, Any]  # this year's twelve months beside last year's
    tou: list[dict[str, Any]]  # the last 30 days by TOU bucket (pie and table)


def usage_charts(usage: AccountUsage) -> UsageCharts:
    daily = {
        "days": [d.strftime("%m-%d") for d in usage.days],
        "buckets": [
            {"key": key, "label": label, "values": [round(v, 2) for v in usage.daily_kwh[key]]}
            for key, label in usage.buckets
        ],
    }
    monthly = {
        "months": [m.strftime("%Y-%m") for m in usage.months],
        "series": [
            {"label": _("This year"), "values": [round(v, 1) for v in usage.monthly_kwh]},
            {"label": _("Last year"), "values": [round(v, 1) for v in usage.monthly_kwh_last_year]},
        ],
    }
    tou = [
        {"key": key, "label": label, "value": round(usage.recent_kwh[key], 1)}
        for key, label in usage.buckets
    ]
    return UsageCharts(daily=daily, monthly=monthly, tou=tou)
