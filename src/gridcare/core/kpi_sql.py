"""What every app's KPI selectors share: local calendar days in SQL and one grouped-row shape.

The monitoring rollup (issue 28, docs/kpis.md) asks each app for rows already grouped by
the database per *local* day (settings.TIME_ZONE, Asia/Shanghai: an order at 23:30
Beijing time counts on that Beijing day, not on the UTC one), org unit, channel and key.
The apps sit below monitoring and must not import it, so the shape they answer in lives
here, in core, as a plain named tuple.

- `day_window(start, end)`: the aware instants [start 00:00, end+1 00:00) local, so a
  selector filters on an indexed timestamp column with a plain range.
- `local_day(field)`: the SQL expression of a timestamp's local date (TruncDate with the
  zone; SQLite and PostgreSQL both).
- `grouped(rows, …)`: `values(…).annotate(…)` in one query, returned as `GroupedRow`s
  (only the grouped result is looped over, never the raw rows).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Expression, F, QuerySet, Value
from django.db.models.functions import TruncDate

from gridcare.core.models import OrgUnit


class GroupedRow(NamedTuple):
    """One SQL group: `n`, `d` and `total` mean what the selector's docstring says."""

    day: dt.date
    unit: int | None
    channel: str
    key: str
    n: int
    d: int = 0
    total: float = 0.0


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(field: str) -> TruncDate:
    """The local calendar date of timestamp column `field`, computed by the database."""
    return TruncDate(field, tzinfo=local_zone())


def day_window(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of `start` and of the day after `end` (a half-open range)."""
    zone = local_zone()
    low = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return low, high


def root_unit_id() -> int | None:
    """The top of the org tree (the bureau) that a fact falls back to when nothing more
    precise is known; the lowest id when there are several roots, None without units."""
    return (
        OrgUnit.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True)
    ).first()


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def grouped(
    rows: QuerySet[Any],
    *,
    day: Expression | F,
    unit: Expression | F,
    channel: Expression | F | None = None,
    key: Expression | F | None = None,
    n: Expression,
    d: Expression | None = None,
    total: Expression | None = None,
) -> list[GroupedRow]:
    """`rows` grouped by (day, unit, channel, key) with the aggregates `n`, `d`, `total`.

    A duration total comes back in seconds; a missing channel or key is "".
    """
    aggregates: dict[str, Expression] = {"g_n": n}
    if d is not None:
        aggregates["g_d"] = d
    if total is not None:
        aggregates["g_total"] = total
    result = (
        rows.annotate(
            g_day=day,
            g_unit=unit,
            g_channel=channel if channel is not None else Value(""),
            g_key=key if key is not None else Value(""),
        )
        .values("g_day", "g_unit", "g_channel", "g_key")
        .annotate(**aggregates)
        .order_by()
    )
    return [
        GroupedRow(
            day=row["g_day"],
            unit=row["g_unit"],
            channel="" if row["g_channel"] is None else str(row["g_channel"]),
            key="" if row["g_key"] is None else str(row["g_key"]),
            n=int(row["g_n"] or 0),
            d=int(row.get("g_d") or 0),
            total=_number(row.get("g_total")),
        )
        for row in result
    ]
