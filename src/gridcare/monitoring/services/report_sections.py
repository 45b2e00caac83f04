"""The monthly report's breakdown sections, each one table (or two) from the daily facts:
contacts by channel, complaint structure, SLA compliance, repairs, satisfaction, the
business hall, the assistant, notifications and payments.

Every figure comes from monitoring.selectors.facts (sums in SQL); this module only names
the rows and orders them. Labels of codes come from the owning apps' choices; a code no
choice knows is shown as it is.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gridcare.assistant.choices import HandoffReason
from gridcare.billing.choices import Provider
from gridcare.core.models import OrgUnit
from gridcare.customers.choices import ContactChannel, InteractionChannel
from gridcare.monitoring.metrics import ONLINE_CHANNELS
from gridcare.monitoring.selectors.facts import (
    Period,
    Value,
    kpi_available,
    kpi_breakdown,
    kpi_value,
)
from gridcare.monitoring.services.report_model import (
    NOT_AVAILABLE,
    Cell,
    Chart,
    Column,
    Fmt,
    Table,
)
from gridcare.service.choices import AreaClass, ClockKind, OrderType, Origin
from gridcare.service.report_selectors import category_names, category_order


def label(code: str, *choices: type[TextChoices]) -> str:
    """The first choice label of `code` (the code itself when none knows it)."""
    for choice in choices:
        if code in choice.values:
            return str(choice(code).label)
    return code or _("(none)")


def cell(value: Value) -> Cell:
    """A KPI value as a report cell: not available, no data (None) or the number."""
    return NOT_AVAILABLE if not value.available else value.value


def share(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


def _by(code: str, unit: OrgUnit | None, period: Period, by: str) -> dict[str, Value]:
    return {str(k): v for k, v in kpi_breakdown(code, unit=unit, period=period, by=by)}  # type: ignore[arg-type]


def _not_available_table(table: Table) -> Table:
    table.note = _("The source of this section is not installed: not available.")
    return table


def contacts_tables(unit: OrgUnit | None, period: Period) -> list[Table]:
    """Contacts by interaction channel with their shares, and online against offline."""
    by_channel = Table(
        "contacts_by_channel",
        _("Contacts by channel"),
        [Column(_("Channel")), Column(_("Contacts"), Fmt.COUNT), Column(_("Share"), Fmt.PERCENT)],
        chart=Chart("pie", 1, _("Contacts by channel")),
    )
    if not kpi_available("contacts"):
        return [_not_available_table(by_channel)]
    rows = _by("contacts", unit, period, "channel")
    whole = sum(v.n for v in rows.values())
    for channel, value in sorted(rows.items(), key=lambda kv: (-kv[1].n, kv[0])):
        by_channel.rows.append(
            [label(channel, InteractionChannel, Origin), value.n, share(value.n, whole)]
        )
    online = sum(v.n for c, v in rows.items() if c in ONLINE_CHANNELS)
    split = Table(
        "online_offline",
        _("Online and offline"),
        [Column(_("Measure")), Column(_("Value"), Fmt.ROW)],
        row_fmts=[Fmt.COUNT, Fmt.COUNT, Fmt.PERCENT, Fmt.PERCENT],
    )
    split.rows = [
        [_("Online contacts"), online],
        [_("Offline contacts"), whole - online],
        [_("Online share of contacts"), share(online, whole)],
        [_("Online application share"), cell(kpi_value("online_share", unit=unit, period=period))],
    ]
    return [by_channel, split]


def complaint_tables(unit: OrgUnit | None, period: Period) -> list[Table]:
    """Complaint structure: by level-1 category (the seed's pie) and by sub-category."""
    count_col = [Column(_("Complaints"), Fmt.COUNT), Column(_("Share"), Fmt.PERCENT)]
    by_category = Table(
        "complaints_by_category",
        _("Complaints by category"),
        [Column(_("Category")), *count_col],
        chart=Chart("pie", 1, _("Complaint structure")),
    )
    by_sub = Table(
        "complaints_by_subcategory",
        _("Complaints by sub-category"),
        [Column(_("Category")), Column(_("Sub-category")), *count_col],
        chart=Chart("bar", 2, _("Complaints by sub-category"), label_column=1),
    )
    if not kpi_available("complaints"):
        return [_not_available_table(by_category), _not_available_table(by_sub)]
    leaves = {code: v.n for code, v in _by("complaints", unit, period, "key").items() if v.n}
    names = category_names(codes=leaves)
    language = get_language() or "zh-hans"
    whole = sum(leaves.values())
    groups: dict[str, tuple[str, int]] = {}
    for code, n in leaves.items():
        name = names.get(code)
        parent = name.parent_code if name else code
        parent_label = name.parent_name(language) if name else label(code)
        groups[parent] = (parent_label, groups.get(parent, ("", 0))[1] + n)
    position = {code: i for i, code in enumerate(category_order())}
    for parent in sorted(groups, key=lambda c: (position.get(c, len(position)), c)):
        parent_label, n = groups[parent]
        by_category.rows.append([parent_label, n, share(n, whole)])
    for code, n in sorted(leaves.items(), key=lambda kv: (-kv[1], kv[0])):
        name = names.get(code)
        parent_label = name.parent_name(language) if name else code
        leaf_label = name.name(language) if name and name.code != name.parent_code else "—"
        by_sub.rows.append([parent_label, leaf_label, n, share(n, whole)])
    return [by_category, by_sub]


def sla_table(unit: OrgUnit | None, period: Period) -> Table:
    """SLA compliance by commitment (clock kind) and order type."""
    table = Table(
        "sla",
        _("SLA compliance by commitment and order type"),
        [
            Column(_("Commitment")),
            Column(_("Order type")),
            Column(_("Within the commitment"), Fmt.COUNT),
            Column(_("Measured"), Fmt.COUNT),
            Column(_("Compliance"), Fmt.PERCENT),
        ],
        chart=Chart("bar", 4, _("SLA compliance")),
    )
    if not kpi_available("sla_compliance"):
        return _not_available_table(table)
    for key, value in sorted(_by("sla_compliance", unit, period, "key").items()):
        clock, _sep, order_type = key.partition(":")
        table.rows.append(
            [
                label(clock, ClockKind),
                label(order_type, OrderType) if order_type else "—",
                value.n,
                value.d,
                value.value,
            ]
        )
    return table


def repair_table(unit: OrgUnit | None, period: Period) -> Table:
    """Repair arrival and restoration by area class (the commitments differ by area)."""
    table = Table(
        "repairs",
        _("Repair arrival and restoration"),
        [
            Column(_("Area class")),
            Column(_("Mean arrival (min)"), Fmt.MINUTES),
            Column(_("Reached in time"), Fmt.PERCENT),
            Column(_("Mean restoration (min)"), Fmt.MINUTES),
        ],
        chart=Chart("bar", 1, _("Mean arrival time (minutes)")),
    )
    if not kpi_available("repair_arrival"):
        return _not_available_table(table)
    arrival = _by("repair_arrival", unit, period, "key")
    on_time = _by("repair_arrival_on_time", unit, period, "key")
    restoration = _by("repair_restoration", unit, period, "key")
    area_order = {code: i for i, code in enumerate(AreaClass.values)}
    keys = sorted(
        set(arrival) | set(on_time) | set(restoration), key=lambda k: area_order.get(k, 9)
    )
    for key in keys:
        table.rows.append(
            [
                label(key, AreaClass),
                _value_of(arrival, key),
                _value_of(on_time, key),
                _value_of(restoration, key),
            ]
        )
    return table


def _value_of(values: dict[str, Value], key: str) -> Cell:
    value = values.get(key)
    return value.value if value is not None else None


def csat_channel_table(unit: OrgUnit | None, period: Period) -> Table:
    table = Table(
        "csat_by_channel",
        _("Satisfaction by channel"),
        [
            Column(_("Channel")),
            Column(_("Surveys"), Fmt.COUNT),
            Column(_("Satisfied"), Fmt.PERCENT),
            Column(_("Average rating"), Fmt.SCORE),
        ],
        chart=Chart("bar", 2, _("Satisfaction by channel")),
    )
    if not kpi_available("csat"):
        return _not_available_table(table)
    csat = _by("csat", unit, period, "channel")
    score = _by("csat_score", unit, period, "channel")
    for channel in sorted(set(csat) | set(score)):
        surveys = csat[channel].d if channel in csat else 0
        table.rows.append(
            [label(channel, Origin), surveys, _value_of(csat, channel), _value_of(score, channel)]
        )
    return table


def hall_table(unit: OrgUnit | None, period: Period) -> Table:
    """Business-hall waiting and service times, in minutes (the facts hold seconds)."""
    table = Table(
        "hall",
        _("Business-hall times"),
        [Column(_("Measure")), Column(_("Visits"), Fmt.COUNT), Column(_("Minutes"), Fmt.MINUTES)],
    )
    for code, title in (("hall_wait", _("Waiting time")), ("hall_service", _("Service time"))):
        value = kpi_value(code, unit=unit, period=period)
        if not value.available:
            table.rows.append([title, NOT_AVAILABLE, NOT_AVAILABLE])
            continue
        minutes = None if value.value is None else value.value / 60.0
        table.rows.append([title, value.n, minutes])
    return table


def assistant_tables(unit: OrgUnit | None, period: Period) -> list[Table]:
    containment = Table(
        "assistant_containment",
        _("Assistant containment by channel"),
        [
            Column(_("Channel")),
            Column(_("Sessions"), Fmt.COUNT),
            Column(_("Contained"), Fmt.PERCENT),
        ],
    )
    handoffs = Table(
        "assistant_handoffs",
        _("Assistant handoff reasons"),
        [Column(_("Reason")), Column(_("Handoffs"), Fmt.COUNT), Column(_("Share"), Fmt.PERCENT)],
        chart=Chart("bar", 1, _("Handoff reasons")),
    )
    if not kpi_available("bot_containment"):
        return [_not_available_table(containment), _not_available_table(handoffs)]
    total = kpi_value("bot_containment", unit=unit, period=period)
    containment.rows.append([_("All channels"), total.d, total.value])
    for channel, value in sorted(_by("bot_containment", unit, period, "channel").items()):
        containment.rows.append([label(channel, InteractionChannel, Origin), value.d, value.value])
    reasons = _by("bot_handoffs", unit, period, "key")
    whole = sum(v.n for v in reasons.values())
    for reason, value in sorted(reasons.items(), key=lambda kv: (-kv[1].n, kv[0])):
        handoffs.rows.append([label(reason, HandoffReason), value.n, share(value.n, whole)])
    return [containment, handoffs]


def notify_table(unit: OrgUnit | None, period: Period) -> Table:
    table = Table(
        "notify",
        _("Notification delivery"),
        [
            Column(_("Channel")),
            Column(_("Sent"), Fmt.COUNT),
            Column(_("Delivered"), Fmt.COUNT),
            Column(_("Delivery rate"), Fmt.PERCENT),
        ],
        chart=Chart("bar", 3, _("Delivery rate")),
    )
    if not kpi_available("notify_delivery"):
        return _not_available_table(table)
    for channel, value in sorted(_by("notify_delivery", unit, period, "channel").items()):
        table.rows.append([label(channel, ContactChannel), value.d, value.n, value.value])
    return table


def payments_table(unit: OrgUnit | None, period: Period) -> Table:
    """Payments by channel: their count, share of payments and amount (yuan)."""
    table = Table(
        "payments",
        _("Payment channels"),
        [
            Column(_("Channel")),
            Column(_("Payments"), Fmt.COUNT),
            Column(_("Share"), Fmt.PERCENT),
            Column(_("Amount (yuan)"), Fmt.YUAN),
        ],
        chart=Chart("pie", 1, _("Payment channel shares")),
    )
    if not kpi_available("payments"):
        return _not_available_table(table)
    counts = _by("payments", unit, period, "channel")
    amounts = _by("payment_amount", unit, period, "channel")
    whole = sum(v.n for v in counts.values())
    for channel, value in sorted(counts.items(), key=lambda kv: (-kv[1].n, kv[0])):
        amount = amounts[channel].total if channel in amounts else None
        table.rows.append([label(channel, Provider), value.n, share(value.n, whole), amount])
    return table
