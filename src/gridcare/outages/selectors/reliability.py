"""Reliability reads: the interruptions and customers served of a selection (a feeder, a
supply station, the whole scope) handed to the framework-free engine, by feeder, supply
station (the org unit of the 台区) and month.

Customers served are the accounts (not closed) with a meter on the selection's 台区 — the
same for every month of the report (the register keeps no history of connections).
Interruptions are the OutageCustomer rows of outages that happened (active or restored):
a draft, a published planned outage that has not started and a cancelled one interrupted
nobody; a row removed from the scope (its 台区 was not off after all) neither.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, FloatField, Func, Q, QuerySet
from django.utils import timezone

from gridcare.core.choices import OrgUnitKind
from gridcare.core.errors import DomainError, NotFound
from gridcare.core.models import OrgUnit, User
from gridcare.core.selectors import org_units_in_scope
from gridcare.customers.choices import AccountStatus
from gridcare.customers.models import AccountMeter
from gridcare.grid.models import Feeder, Transformer
from gridcare.outages.choices import OutageCause, OutageLevel, OutageState, PlannedType
from gridcare.outages.engine.reliability import (
    Interruption,
    Period,
    Report,
    daily_saidi,
    reliability_report,
    united_spans,
)
from gridcare.outages.models import OutageCustomer

BEIJING = ZoneInfo("Asia/Shanghai")
HAPPENED = (OutageState.ACTIVE, OutageState.RESTORED)
MAX_REPORT_DAYS = 3 * 366


@dataclass(frozen=True)
class Selection:
    """Who asks and about which customers: `feeder` / `station` narrow the user's scope."""

    user: User | None  # None: the system (CLI), every 台区
    start_day: date
    end_day: date  # inclusive
    feeder: Feeder | None = None
    station: OrgUnit | None = None

    def period(self, now: datetime) -> Period:
        return Period(
            start=_day_start(self.start_day),
            end=_day_start(self.end_day + timedelta(days=1)),
            now=now,
            tz=BEIJING,
            sustained_minutes=settings.OUTAGES_SUSTAINED_MINUTES,
        )


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    report: Report


@dataclass(frozen=True)
class ReliabilityView:
    """The whole report: the headline and its breakdowns."""

    total: Report
    by_feeder: list[ReportRow]
    by_station: list[ReportRow]
    by_month: list[ReportRow]


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BEIJING)


def reliability_selection(
    *,
    user: User | None,
    start_day: date,
    end_day: date,
    feeder_code: str = "",
    station_code: str = "",
) -> Selection:
    """Check the period and resolve the feeder / station codes (outside the user's scope: 404)."""
    if end_day < start_day:
        raise DomainError("outages.reliability.bad_period", "结束日期不能早于开始日期", field="to")
    if (end_day - start_day).days >= MAX_REPORT_DAYS:
        raise DomainError("outages.reliability.period_too_long", "统计期最长三年", field="to")
    feeder = None
    if feeder_code:
        feeder = Feeder.objects.select_related("substation").filter(code=feeder_code).first()
        if feeder is None or not _transformers(user, feeder=feeder).exists():
            raise NotFound("outages.reliability.feeder_not_found", f"线路不存在：{feeder_code}")
    station = None
    if station_code:
        station = OrgUnit.objects.filter(code=station_code).first()
        if station is None or (user is not None and not _in_scope(user, station)):
            raise NotFound("outages.reliability.station_not_found", f"供电所不存在：{station_code}")
    return Selection(
        user=user, start_day=start_day, end_day=end_day, feeder=feeder, station=station
    )


def reliability_choices(*, user: User) -> tuple[list[Feeder], list[OrgUnit]]:
    """The feeders and supply stations the report can be narrowed to (the page's filters)."""
    units = org_units_in_scope(user)
    feeders = Feeder.objects.filter(transformers__org_unit__in=units).distinct().order_by("code")
    return list(feeders), list(units.filter(kind=OrgUnitKind.STATION).order_by("code"))


def _in_scope(user: User, unit: OrgUnit) -> bool:
    return org_units_in_scope(user).filter(pk=unit.pk).exists()


def _transformers(
    user: User | None, *, feeder: Feeder | None = None, station: OrgUnit | None = None
) -> QuerySet[Transformer]:
    query = Transformer.objects.all()
    if user is not None:
        query = query.filter(org_unit__in=org_units_in_scope(user))
    if feeder is not None:
        query = query.filter(feeder=feeder)
    if station is not None:
        query = query.filter(org_unit__path__startswith=station.path)
    return query


@dataclass(frozen=True)
class _Area:
    """One 台区 of the selection, with what the breakdowns group by."""

    transformer_id: int
    feeder_id: int
    feeder_label: str
    station_id: int
    station_label: str
    customers: int


def _areas(selection: Selection) -> dict[int, _Area]:
    transformers = _transformers(selection.user, feeder=selection.feeder, station=selection.station)
    counts = dict(
        AccountMeter.objects.filter(meter__transformer__in=transformers)
        .exclude(account__status=AccountStatus.CLOSED)
        .values_list("meter__transformer_id")
        .annotate(n=Count("account_id", distinct=True))
    )
    rows = transformers.values_list(
        "id", "feeder_id", "feeder__code", "feeder__name", "org_unit_id", "org_unit__name"
    )
    return {
        tid: _Area(tid, fid, f"{fname} ({fcode})", uid, uname, counts.get(tid, 0))
        for tid, fid, fcode, fname, uid, uname in rows
    }


@dataclass(frozen=True)
class _Row:
    transformer_id: int
    interruption: Interruption


class _Epoch(Func):
    """Seconds since 1970 of a timestamp, computed by the database: reading a year of
    interruptions as numbers is several times faster than as timestamps (psycopg parses
    each timestamp in Python)."""

    output_field = FloatField()
    # date_part, not EXTRACT: since PostgreSQL 14 EXTRACT answers numeric (Decimals here).
    template = "date_part('epoch', %(expressions)s)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Julian day of the Unix epoch is 2440587.5.
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _moment(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(round(epoch, 3), UTC)


def _interruptions(areas: dict[int, _Area], start: datetime, end: datetime) -> list[_Row]:
    rows = (
        OutageCustomer.objects.filter(
            transformer_id__in=list(areas),
            outage__state__in=HAPPENED,
            removed_at__isnull=True,
            off_at__lt=end,
        )
        # A lone meter off is a possible fault of the customer's own installation, not an
        # interruption of supply (DL/T 836 counts the network up to the metering point).
        .exclude(outage__level=OutageLevel.CUSTOMER)
        .filter(Q(on_at__isnull=True) | Q(on_at__gt=start))
        .annotate(off_epoch=_Epoch("off_at"), on_epoch=_Epoch("on_at"))
        .values_list(
            "transformer_id", "account_id", "off_epoch", "on_epoch", "outage__kind",
            "outage__planned_type", "outage__cause",
        )
    )  # fmt: skip
    result = []
    for tid, account, off, on, kind, planned_type, cause in rows.iterator(chunk_size=5000):
        off_at = _moment(off)
        assert off_at is not None, "off_at is not null"
        interruption = Interruption(
            customer=account,
            off_at=off_at,
            on_at=_moment(on),
            planned=kind == "planned",
            # 限电: a limited-supply plan, or a fault recorded as a supply shortage.
            limited_supply=(
                planned_type == PlannedType.LIMITED_SUPPLY or cause == OutageCause.SUPPLY_SHORTAGE
            ),
        )
        result.append(_Row(transformer_id=tid, interruption=interruption))
    return result


def _months(start: date, end: date) -> list[tuple[date, date]]:
    months = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        months.append((max(first, start), min(following - timedelta(days=1), end)))
        first = following
    return months


def _baseline(period: Period) -> Period:
    """OUTAGES_MED_BASELINE_DAYS of history up to the period's end (IEEE 1366: five years)."""
    return Period(
        start=period.end - timedelta(days=settings.OUTAGES_MED_BASELINE_DAYS),
        end=period.end,
        now=period.now,
        tz=BEIJING,
        sustained_minutes=period.sustained_minutes,
    )


def _grouped(
    areas: dict[int, _Area],
    rows: list[_Row],
    period: Period,
    key_of: Callable[[_Area], int],
    label_of: Callable[[_Area], str],
) -> list[ReportRow]:
    """One report per feeder (or station), over that group's own customers."""
    customers: dict[int, int] = defaultdict(int)
    labels: dict[int, str] = {}
    for area in areas.values():
        customers[key_of(area)] += area.customers
        labels[key_of(area)] = label_of(area)
    # One pass over the rows, not one per group.
    by_group: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        by_group[key_of(areas[row.transformer_id])].append(row)
    result = []
    for key in sorted(labels, key=lambda k: labels[k]):
        report = _report(by_group[key], customers[key], period, _baseline(period))
        result.append(ReportRow(str(key), labels[key], report))
    return result


def _report(rows: list[_Row], customers: int, period: Period, base: Period) -> Report:
    return reliability_report(
        _overlapping(rows, period),
        customers_served=customers,
        period=period,
        baseline_daily=_history_daily(rows, customers, base),
    )


def _rows(areas: dict[int, _Area], period: Period) -> list[_Row]:
    return _interruptions(areas, min(_baseline(period).start, period.start), period.end)


def _history_daily(rows: list[_Row], customers: int, base: Period) -> list[float]:
    """The baseline's daily SAIDI values, computed once for a report and its months."""
    spans = united_spans(
        [r.interruption for r in rows],
        start=base.start,
        end=base.end,
        now=base.now,
        sustained_minutes=base.sustained_minutes,
    )
    return list(daily_saidi(spans, customers_served=customers, tz=base.tz).values())


def _overlapping(rows: list[_Row], period: Period) -> list[Interruption]:
    return [
        r.interruption
        for r in rows
        if r.interruption.off_at < period.end
        and (r.interruption.on_at is None or r.interruption.on_at > period.start)
    ]


def reliability_view(selection: Selection, *, now: datetime | None = None) -> ReliabilityView:
    """The headline report and its breakdowns by feeder, supply station and month; the
    major-event threshold of each feeder and station is drawn from its own customers'
    history, the months share the report's."""
    period = selection.period(now or timezone.now())
    areas = _areas(selection)
    rows = _rows(areas, period)
    served = sum(a.customers for a in areas.values())
    history = _history_daily(rows, served, _baseline(period))
    by_month = []
    for first, last in _months(selection.start_day, selection.end_day):
        month = Selection(user=None, start_day=first, end_day=last).period(period.now)
        report = reliability_report(
            _overlapping(rows, month), customers_served=served, period=month, baseline_daily=history
        )
        by_month.append(ReportRow(first.strftime("%Y-%m"), first.strftime("%Y-%m"), report))
    total = reliability_report(
        _overlapping(rows, period), customers_served=served, period=period, baseline_daily=history
    )
    return ReliabilityView(
        total=total,
        by_feeder=_grouped(areas, rows, period, lambda a: a.feeder_id, lambda a: a.feeder_label),
        by_station=_grouped(areas, rows, period, lambda a: a.station_id, lambda a: a.station_label),
        by_month=by_month,
    )


def reliability_total(selection: Selection, *, now: datetime | None = None) -> Report:
    """Only the headline report (the CLI's and the API's)."""
    period = selection.period(now or timezone.now())
    areas = _areas(selection)
    served = sum(a.customers for a in areas.values())
    return _report(_rows(areas, period), served, period, _baseline(period))
