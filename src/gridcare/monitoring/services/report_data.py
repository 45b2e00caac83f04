"""The monthly service report's content for one org unit (None: the whole utility), from
the daily facts (issue 28 "Reports"; docs/kpis.md defines each KPI).

1. Headline KPIs of the month beside the previous month and the same month a year before;
   a comparison column appears only when that month has facts at all.
2. The breakdown sections (report_sections.py).
3. Reliability indices of the month, from outages' own selector (not recomputed here).
4. One row per child unit (stations under a bureau, teams under a station).
5. The month's complaints still open or overdue: the only customer data in the report,
   masked by the service app's selector.

The same facts and orders give the same report: rows are sorted by value then code, and
the cover names when the facts were built, not when the report was written.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gridcare.core.models import OrgUnit
from gridcare.monitoring.metrics import kpi
from gridcare.monitoring.models import Fact
from gridcare.monitoring.selectors.facts import (
    Period,
    Value,
    facts_built_until,
    kpi_by_child,
    kpi_value,
    subtree_ids,
)
from gridcare.monitoring.services import report_sections as sections
from gridcare.monitoring.services.report_model import (
    NOT_AVAILABLE,
    Cell,
    Chart,
    Column,
    Fmt,
    MonthlyReport,
    Section,
    Table,
)
from gridcare.service.choices import OrderState
from gridcare.service.report_selectors import category_names, complaints_open_or_overdue

#: The headline KPIs, in the order the report lists them.
HEADLINE = (
    "contacts", "orders", "online_share", "fcr", "sla_compliance", "repair_arrival",
    "repair_arrival_on_time", "repair_restoration", "complaints", "complaints_per_10k",
    "repeat_contacts", "csat", "csat_score", "hall_wait", "hall_service", "bot_containment",
    "notify_delivery", "payments",
)  # fmt: skip
#: The per-child-unit table's KPIs.
UNIT_KPIS = (
    "contacts", "orders", "complaints", "complaints_per_10k", "sla_compliance", "csat",
    "repair_arrival",
)  # fmt: skip
#: More open complaints than this are counted, not listed (the report stays readable).
OPEN_COMPLAINTS_LIMIT = 300

_FMT = {
    "count": Fmt.COUNT,
    "percent": Fmt.PERCENT,
    "minutes": Fmt.MINUTES,
    "seconds": Fmt.MINUTES,  # shown in minutes
    "per_10k": Fmt.SCORE,
    "score": Fmt.SCORE,
    "yuan": Fmt.YUAN,
}


def _shifted(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _has_facts(unit: OrgUnit | None, period: Period) -> bool:
    rows = Fact.objects.filter(day__gte=period.start, day__lte=period.end)
    ids = subtree_ids(unit)
    return (rows if ids is None else rows.filter(org_unit_id__in=ids)).exists()


def _headline_cell(code: str, value: Value) -> Cell:
    if not value.available:
        return NOT_AVAILABLE
    if value.value is not None and kpi(code).unit == "seconds":
        return value.value / 60.0
    return value.value


def _unit_label(code: str) -> str:
    entry = kpi(code)
    if entry.unit == "seconds":
        return _("minutes")
    return str(entry.unit.label) if hasattr(entry.unit, "label") else str(entry.unit)


def headline_table(unit: OrgUnit | None, month: dt.date) -> Table:
    """The month's KPIs beside the previous month and the same month last year."""
    periods = [(_("This month"), Period.month(month))]
    for title, first in (
        (_("Previous month"), _shifted(month, -1)),
        (_("Same month last year"), _shifted(month, -12)),
    ):
        if _has_facts(unit, Period.month(first)):
            periods.append((title, Period.month(first)))
    table = Table(
        "headline",
        _("Headline KPIs"),
        [
            Column(_("KPI")),
            Column(_("Unit of measure")),
            *(Column(t, Fmt.ROW) for t, _p in periods),
        ],
    )
    for code in HEADLINE:
        values = [kpi_value(code, unit=unit, period=p) for _t, p in periods]
        table.rows.append(
            [str(kpi(code).label), _unit_label(code), *(_headline_cell(code, v) for v in values)]
        )
        table.row_fmts.append(_FMT[kpi(code).unit])
    return table


def child_units(unit: OrgUnit | None) -> tuple[OrgUnit | None, list[OrgUnit]]:
    """The unit whose children the per-unit table lists: `unit` itself, or for the whole
    utility its single top unit (a bureau) — several top units are listed as they are."""
    if unit is not None:
        return unit, list(OrgUnit.objects.filter(parent=unit).order_by("code"))
    roots = list(OrgUnit.objects.filter(parent__isnull=True).order_by("code"))
    if len(roots) == 1:
        return roots[0], list(OrgUnit.objects.filter(parent=roots[0]).order_by("code"))
    return None, roots


def _per_child(code: str, parent: OrgUnit | None, units: list[OrgUnit], period: Period) -> dict:
    if parent is not None:
        return {u.pk: v for u, v in kpi_by_child(code, unit=parent, period=period)}
    return {u.pk: kpi_value(code, unit=u, period=period) for u in units}


def units_tables(unit: OrgUnit | None, period: Period) -> tuple[Table, Table]:
    """The per-child-unit table and the satisfaction by child unit."""
    parent, units = child_units(unit)
    columns = [Column(_("Org unit"))]
    columns += [Column(str(kpi(c).label), _FMT[kpi(c).unit]) for c in UNIT_KPIS]
    table = Table("units", _("By org unit"), columns, chart=Chart("bar", 1, _("Contacts by unit")))
    csat = Table(
        "csat_by_unit",
        _("Satisfaction by org unit"),
        [
            Column(_("Org unit")),
            Column(_("Surveys"), Fmt.COUNT),
            Column(_("Satisfied"), Fmt.PERCENT),
        ],
        chart=Chart("bar", 2, _("Satisfaction by org unit")),
    )
    if not units:
        return table, csat
    per_code = {code: _per_child(code, parent, units, period) for code in UNIT_KPIS}
    csat_values = per_code["csat"]
    for child in units:
        table.rows.append([child.name, *(sections.cell(per_code[c][child.pk]) for c in UNIT_KPIS)])
        value = csat_values[child.pk]
        surveys = value.d if value.available else NOT_AVAILABLE
        csat.rows.append([child.name, surveys, sections.cell(value)])
    return table, csat


def reliability_table(unit: OrgUnit | None, period: Period) -> Table:
    """SAIFI, SAIDI, CAIDI, ASAI and RS of the month, as outages' report computes them."""
    table = Table(
        "reliability",
        _("Supply reliability"),
        [Column(_("Index")), Column(_("Value"), Fmt.ROW)],
    )
    if not apps.is_installed("gridcare.outages"):
        table.note = _("The source of this section is not installed: not available.")
        return table
    from gridcare.outages.selectors.reliability import reliability_selection, reliability_total

    selection = reliability_selection(
        user=None,
        start_day=period.start,
        end_day=period.end,
        station_code=unit.code if unit is not None else "",
    )
    report = reliability_total(selection)
    served = report.all.customers_served
    interrupted = report.all.customer_interruptions
    rows: list[tuple[str, Cell, Fmt]] = [
        (_("Customers served"), served, Fmt.COUNT),
        (_("Customer interruptions"), interrupted, Fmt.COUNT),
        ("SAIFI", report.all.saifi if served else None, Fmt.INDEX),
        (_("SAIDI (minutes)"), report.all.saidi_minutes if served else None, Fmt.MINUTES),
        (_("CAIDI (minutes)"), report.all.caidi_minutes if interrupted else None, Fmt.MINUTES),
        ("ASAI", report.all.asai if served else None, Fmt.INDEX),
        ("RS-1", report.all.rs_percent if served else None, Fmt.PERCENT),
        ("RS-3", report.without_limited_supply.rs_percent if served else None, Fmt.PERCENT),
    ]
    for title, value, fmt in rows:
        table.rows.append([title, value])
        table.row_fmts.append(fmt)
    return table


def open_complaints_table(unit: OrgUnit | None, period: Period, now: dt.datetime) -> Table:
    """The month's complaints still open or overdue, masked (order number, category,
    customer name and mobile; never an ID number or an address)."""
    found, count = complaints_open_or_overdue(
        org_unit=unit, start=period.start, end=period.end, now=now, limit=OPEN_COMPLAINTS_LIMIT
    )
    names = category_names(codes={row.category_code for row in found})
    table = Table(
        "open_complaints",
        _("Complaints of the month still open or overdue"),
        [
            Column(_("Order")),
            Column(_("Category")),
            Column(_("Customer")),
            Column(_("Mobile")),
            Column(_("State")),
            Column(_("Overdue")),
        ],
    )
    for row in found:
        name = names.get(row.category_code)
        table.rows.append(
            [
                row.number,
                name.name(_language()) if name is not None else row.category_code or "—",
                row.customer_name_masked,
                row.mobile_masked,
                sections.label(row.state, OrderState),
                _("yes") if row.overdue else _("no"),
            ]
        )
    if count > len(found):
        table.note = _("%(shown)d of %(count)d listed.") % {"shown": len(found), "count": count}
    return table


def _language() -> str:
    return get_language() or "zh-hans"


def _sections(unit: OrgUnit | None, first: dt.date, now: dt.datetime) -> list[Section]:
    period = Period.month(first)
    by_unit, csat_by_unit = units_tables(unit, period)
    service = [sections.sla_table(unit, period), sections.repair_table(unit, period)]
    csat = [sections.csat_channel_table(unit, period), csat_by_unit]
    return [
        Section("headline", _("Headline KPIs"), [headline_table(unit, first)]),
        Section("contacts", _("Contacts"), sections.contacts_tables(unit, period)),
        Section("complaints", _("Complaint structure"), sections.complaint_tables(unit, period)),
        Section("sla", _("Service commitments"), service),
        Section("csat", _("Satisfaction"), csat),
        Section("hall", _("Business hall"), [sections.hall_table(unit, period)]),
        Section("assistant", _("Assistant"), sections.assistant_tables(unit, period)),
        Section("notify", _("Notifications"), [sections.notify_table(unit, period)]),
        Section("payments", _("Payments"), [sections.payments_table(unit, period)]),
        Section("reliability", _("Reliability"), [reliability_table(unit, period)]),
        Section("units", _("Org units"), [by_unit]),
        Section("open", _("Open complaints"), [open_complaints_table(unit, period, now)]),
    ]


def report_monthly_data(
    *, month: dt.date, org_unit: OrgUnit | None, now: dt.datetime | None = None
) -> MonthlyReport:
    """Everything the monthly report shows for `month` (any day of it) and `org_unit`."""
    first = month.replace(day=1)
    org_name = org_unit.name if org_unit is not None else _("Whole utility")
    return MonthlyReport(
        month=first,
        org_code=org_unit.code if org_unit is not None else "",
        org_name=org_name,
        title=_("Monthly service report %(month)s · %(org)s")
        % {"month": first.strftime("%Y-%m"), "org": org_name},
        facts_as_of=facts_built_until(),
        sections=_sections(org_unit, first, now or timezone.now()),
    )
