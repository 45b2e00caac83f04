"""The baseline the issue implies: the year's headline KPIs read from the daily facts
against the same figures computed straight from the raw tables (one GROUP BY each, what a
dashboard without the rollup would run). Median of three runs of each."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

ONLINE = "('web','h5','wechat','alipay','app','assistant')"
#: (KPI, how the facts give it, the raw SQL over [%(s)s, %(e)s)).
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("contacts by channel", "breakdown:contacts:channel",
     "SELECT channel, count(*) FROM customers_interaction WHERE occurred_at >= %(s)s AND occurred_at < %(e)s GROUP BY channel"),
    ("orders by type", "breakdown:orders:key",
     "SELECT order_type, count(*) FROM service_workorder WHERE created_at >= %(s)s AND created_at < %(e)s GROUP BY order_type"),
    ("complaints by station", "child:complaints",
     "SELECT org_unit_id, count(*) FROM service_workorder WHERE order_type = 'complaint' AND created_at >= %(s)s AND created_at < %(e)s GROUP BY org_unit_id"),
    ("complaints by month", "breakdown:complaints:month",
     "SELECT date_trunc('month', created_at AT TIME ZONE 'Asia/Shanghai'), count(*) FROM service_workorder WHERE order_type = 'complaint' AND created_at >= %(s)s AND created_at < %(e)s GROUP BY 1"),
    ("SLA compliance", "value:sla_compliance",
     "SELECT count(*) FILTER (WHERE stopped_at <= deadline_at AND stopped_by NOT IN ('cancel','merge','archive')), count(*) FROM service_slaclock WHERE started_at >= %(s)s AND started_at < %(e)s"),
    ("repair arrival time", "value:repair_arrival",
     "SELECT avg(extract(epoch FROM stopped_at - started_at) / 60) FROM service_slaclock WHERE clock = 'repair_arrival' AND stopped_by = 'arrive' AND started_at >= %(s)s AND started_at < %(e)s"),
    ("CSAT", "value:csat",
     "SELECT avg((rating >= 4)::int) FROM service_returnvisit WHERE rating IS NOT NULL AND responded_at >= %(s)s AND responded_at < %(e)s"),
    ("online application share", "value:online_share",
     f"SELECT avg((origin IN {ONLINE})::int) FROM service_workorder WHERE order_type = 'service_request' AND created_at >= %(s)s AND created_at < %(e)s"),
    ("business-hall waiting time", "value:hall_wait",
     "SELECT avg((data->>'wait_seconds')::int) FROM customers_interaction WHERE channel = 'counter' AND occurred_at >= %(s)s AND occurred_at < %(e)s"),
    ("assistant containment", "value:bot_containment",
     "SELECT avg((status <> 'handed_off')::int) FROM assistant_botsession WHERE started_at >= %(s)s AND started_at < %(e)s"),
    ("notification delivery", "value:notify_delivery",
     "SELECT avg((status = 'sent')::int) FROM notify_notification WHERE created_at >= %(s)s AND created_at < %(e)s"),
    ("payments by channel", "breakdown:payments:channel",
     "SELECT provider, count(*), sum(amount) FROM billing_payment WHERE status = 'paid' AND paid_at >= %(s)s AND paid_at < %(e)s GROUP BY provider"),
)  # fmt: skip


def _median_ms(fn: Callable[[], Any], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _facts_call(how: str, bureau: Any, period: Any) -> Callable[[], Any]:
    from gridcare.monitoring.selectors.facts import kpi_breakdown, kpi_by_child, kpi_value

    kind, code, *rest = how.split(":")
    if kind == "value":
        return lambda: kpi_value(code, unit=bureau, period=period)
    if kind == "child":
        return lambda: list(kpi_by_child(code, unit=bureau, period=period))
    return lambda: list(kpi_breakdown(code, unit=bureau, period=period, by=rest[0]))  # type: ignore[arg-type]


def headline_compare(start: dt.date, until: dt.date) -> list[dict[str, Any]]:
    from django.db import connection

    from gridcare.core.models import OrgUnit
    from gridcare.monitoring.selectors.facts import Period

    bureau = OrgUnit.objects.get(code="BM")
    period = Period(start, until)
    tz = dt.timezone(dt.timedelta(hours=8))
    bounds = {
        "s": dt.datetime.combine(start, dt.time(), tzinfo=tz),
        "e": dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    }

    def raw(sql: str) -> Callable[[], Any]:
        def run() -> Any:
            with connection.cursor() as cursor:
                cursor.execute(sql, bounds)
                return cursor.fetchall()

        return run

    rows = []
    for name, how, sql in HEADLINES:
        rows.append({
            "kpi": name,
            "facts_ms": round(_median_ms(_facts_call(how, bureau, period)), 2),
            "raw_ms": round(_median_ms(raw(sql)), 2),
        })  # fmt: skip
    return rows
