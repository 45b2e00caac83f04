"""The dashboards themselves (overview, complaints, SLA, satisfaction, channels,
reliability), each a dataclass of codes and values composed from `boards.py` and the
facts; the console turns them into labelled charts and tables with drill-down links.

Reliability is not a fact: it is the outages app's report, read through its selectors
(never recomputed here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import OrgUnit, User
from gridcare.monitoring.metrics import ONLINE_CHANNELS
from gridcare.monitoring.selectors.boards import (
    Headline,
    Scope,
    UnitRow,
    counts_by_channel_and_key,
    daily_counts_by_channel,
    headline,
    headlines,
    months_back,
    period_days,
    unit_rows,
)
from gridcare.monitoring.selectors.facts import Value, kpi_available, kpi_breakdown
from gridcare.outages.selectors import reliability as outage_reliability
from gridcare.service.choices import OrderType
from gridcare.service.selectors import categories_for
from gridcare.service.wall_selectors import repair_commitments

#: An agent needs this many rated orders to be ranked (one bad rating is not a verdict).
MIN_RATED = 5
#: The satisfaction board ranks this many agents at the top and at the bottom.
AGENTS_RANKED = 5


@dataclass(frozen=True)
class Overview:
    headlines: list[Headline]
    days: list[dt.date]
    contacts_by_channel: dict[str, dict[dt.date, int]]
    units: list[UnitRow]


OVERVIEW_UNIT_CODES = ("orders", "sla_compliance", "complaints_per_10k", "csat")


def overview_board(scope: Scope) -> Overview:
    return Overview(
        headlines=headlines(scope),
        days=period_days(scope.period),
        contacts_by_channel=daily_counts_by_channel("contacts", scope),
        units=unit_rows(OVERVIEW_UNIT_CODES, scope),
    )


# --- Complaints -----------------------------------------------------------------------


@dataclass
class CategoryShare:
    """A complaint category with its count and share of all complaints; a top category
    lists its sub-categories."""

    code: str
    name_zh: str
    name_en: str
    n: int = 0
    share: float | None = None
    children: list[CategoryShare] = field(default_factory=list)


@dataclass(frozen=True)
class ComplaintsBoard:
    total: Headline
    per_10k: Headline
    structure: list[CategoryShare]
    monthly: list[tuple[object, Value]]  # (first day of the month, complaints)
    units: list[UnitRow]


#: Complaints whose category is unknown (deleted from the taxonomy, or none recorded).
OTHER = CategoryShare("", "其他", "Other")


def complaint_structure(scope: Scope) -> list[CategoryShare]:
    """Complaints by top category and sub-category (the leaf code is the fact's key),
    biggest first, each with its share of all complaints in the period."""
    counts = {
        str(key): value.n
        for key, value in kpi_breakdown(
            "complaints", unit=scope.unit, period=scope.period, by="key"
        )
    }
    categories = list(categories_for(order_type=OrderType.COMPLAINT))
    tops = {
        c.code: CategoryShare(c.code, c.name_zh, c.name_en) for c in categories if not c.parent_id
    }
    other = CategoryShare(OTHER.code, OTHER.name_zh, OTHER.name_en)
    by_code = {c.code: c for c in categories}
    for code, n in counts.items():
        category = by_code.get(code)
        parent = category.parent if category is not None else None
        if category is None or (parent is not None and parent.code not in tops):
            other.n += n
        elif parent is None:
            tops[category.code].n += n
        else:
            top = tops[parent.code]
            top.n += n
            top.children.append(CategoryShare(code, category.name_zh, category.name_en, n))
    total = sum(counts.values())
    found = [top for top in tops.values() if top.n] + ([other] if other.n else [])
    for top in found:
        top.share = top.n / total if total else None
        top.children.sort(key=lambda c: (-c.n, c.code))
        for child in top.children:
            child.share = child.n / total if total else None
    return sorted(found, key=lambda c: (-c.n, c.code))


def complaints_board(scope: Scope) -> ComplaintsBoard:
    return ComplaintsBoard(
        total=headline("complaints", scope),
        per_10k=headline("complaints_per_10k", scope),
        structure=complaint_structure(scope),
        monthly=kpi_breakdown(
            "complaints", unit=scope.unit, period=months_back(scope.period), by="month"
        ),
        units=unit_rows(("complaints", "complaints_per_10k"), scope),
    )


# --- SLA ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepairTimes:
    """Repair arrival and restoration in one area class against the commitments (min)."""

    area_class: str
    arrival: Value
    arrival_on_time: Value
    restoration: Value
    arrival_limit: float | None
    restoration_limit: float | None


@dataclass(frozen=True)
class SlaBoard:
    compliance: Headline
    by_commitment: list[tuple[str, str, Value]]  # (clock kind, order type, value)
    repair: list[RepairTimes]
    monthly: list[tuple[object, Value]]  # (first day of the month, compliance)
    units: list[UnitRow]


def _by_key(code: str, scope: Scope) -> dict[str, Value]:
    rows = kpi_breakdown(code, unit=scope.unit, period=scope.period, by="key")
    return {str(key): value for key, value in rows}


def repair_times(scope: Scope) -> list[RepairTimes]:
    arrival = _by_key("repair_arrival", scope)
    on_time = _by_key("repair_arrival_on_time", scope)
    restoration = _by_key("repair_restoration", scope)
    limits = repair_commitments()
    empty = Value(code="", value=None)
    return [
        RepairTimes(
            area_class=area,
            arrival=arrival.get(area, empty),
            arrival_on_time=on_time.get(area, empty),
            restoration=restoration.get(area, empty),
            arrival_limit=limits.get("repair_arrival", {}).get(area),
            restoration_limit=limits.get("repair_restoration", {}).get(area),
        )
        for area in ("urban", "rural", "remote")
    ]


def sla_board(scope: Scope) -> SlaBoard:
    by_commitment = []
    for key, value in _by_key("sla_compliance", scope).items():
        clock, _, order_type = key.partition(":")
        by_commitment.append((clock, order_type, value))
    return SlaBoard(
        compliance=headline("sla_compliance", scope),
        by_commitment=sorted(by_commitment, key=lambda row: (row[0], row[1])),
        repair=repair_times(scope),
        monthly=kpi_breakdown(
            "sla_compliance", unit=scope.unit, period=months_back(scope.period), by="month"
        ),
        units=unit_rows(("sla_compliance",), scope),
    )


# --- Satisfaction ---------------------------------------------------------------------


@dataclass(frozen=True)
class AgentScore:
    user_id: int
    name: str
    value: Value


@dataclass(frozen=True)
class SatisfactionBoard:
    csat: Headline
    score: Headline
    by_channel: list[tuple[str, Value]]
    units: list[UnitRow]
    top: list[AgentScore]
    bottom: list[AgentScore]


def agent_ranking(scope: Scope) -> tuple[list[AgentScore], list[AgentScore]]:
    """Agents with at least MIN_RATED rated orders, best and worst AGENTS_RANKED by CSAT."""
    rated = {
        int(key): value
        for key, value in _by_key("csat", scope).items()
        if key.isdigit() and value.d >= MIN_RATED and value.value is not None
    }
    staff = User.objects.filter(pk__in=list(rated)).values_list("pk", "display_name", "username")
    names = {pk: display or username for pk, display, username in staff}
    ranked = sorted(
        (AgentScore(pk, names.get(pk, f"#{pk}"), v) for pk, v in rated.items()),
        key=lambda a: (-(a.value.value or 0.0), a.user_id),
    )
    top = ranked[:AGENTS_RANKED]
    bottom = [a for a in reversed(ranked) if a not in top][:AGENTS_RANKED]
    return top, bottom


def satisfaction_board(scope: Scope) -> SatisfactionBoard:
    top, bottom = agent_ranking(scope)
    return SatisfactionBoard(
        csat=headline("csat", scope),
        score=headline("csat_score", scope),
        by_channel=[
            (str(k), v)
            for k, v in kpi_breakdown("csat", unit=scope.unit, period=scope.period, by="channel")
        ],
        units=unit_rows(("csat", "csat_score"), scope),
        top=top,
        bottom=bottom,
    )


# --- Channels -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelsBoard:
    contacts: dict[tuple[str, str], int]  # (channel, direction) → contacts
    online: int
    offline: int
    contacts_available: bool
    hall_wait: Headline
    hall_service: Headline
    containment: Headline
    containment_by_channel: list[tuple[str, Value]]
    handoffs: list[tuple[str, Value]]
    delivery: Headline
    delivery_by_channel: list[tuple[str, Value]]
    payments: list[tuple[str, Value]]
    units: list[UnitRow]


def _by_channel(code: str, scope: Scope) -> list[tuple[str, Value]]:
    rows = kpi_breakdown(code, unit=scope.unit, period=scope.period, by="channel")
    return [(str(k), v) for k, v in rows]


def channels_board(scope: Scope) -> ChannelsBoard:
    contacts = counts_by_channel_and_key("contacts", scope)
    online = sum(n for (channel, _), n in contacts.items() if channel in ONLINE_CHANNELS)
    return ChannelsBoard(
        contacts=contacts,
        online=online,
        offline=sum(contacts.values()) - online,
        contacts_available=kpi_available("contacts"),
        hall_wait=headline("hall_wait", scope),
        hall_service=headline("hall_service", scope),
        containment=headline("bot_containment", scope),
        containment_by_channel=_by_channel("bot_containment", scope),
        handoffs=[
            (str(k), v)
            for k, v in kpi_breakdown(
                "bot_handoffs", unit=scope.unit, period=scope.period, by="key"
            )
        ],
        delivery=headline("notify_delivery", scope),
        delivery_by_channel=_by_channel("notify_delivery", scope),
        payments=_by_channel("payments", scope),
        units=unit_rows(("contacts",), scope),
    )


# --- Reliability ----------------------------------------------------------------------


def _reliability_unit(unit: OrgUnit) -> OrgUnit:
    """The unit whose 台区 a reliability report covers: a team has none, so its station."""
    if unit.kind == OrgUnitKind.TEAM and unit.parent is not None:
        return unit.parent
    return unit


def reliability_board(*, user: User, scope: Scope) -> outage_reliability.ReliabilityView:
    """The outages app's report (SAIFI, SAIDI, CAIDI, ASAI, RS-1, RS-3) of the board's unit,
    by month, feeder and station: read, never recomputed here."""
    selection = outage_reliability.reliability_selection(
        user=user,
        start_day=scope.period.start,
        end_day=scope.period.end,
        station_code=_reliability_unit(scope.unit).code,
    )
    return outage_reliability.reliability_view(selection)


def station_codes(ids: list[str]) -> dict[str, str]:
    """Org unit codes by id (the reliability report names stations by id)."""
    numeric = [int(i) for i in ids if i.isdigit()]
    return {
        str(pk): code
        for pk, code in OrgUnit.objects.filter(pk__in=numeric).values_list("pk", "code")
    }
