"""The rollup's sources, one per metric family (docs/kpis.md). Each asks its app's
selectors for SQL-grouped rows and turns them into FactRows; only the grouped result is
looped over here.

A source whose app is not installed yields nothing, so its KPIs read "not available"
(selectors/facts.kpi_available) rather than 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from importlib import import_module

from django.apps import apps

from gridcare.core.kpi_sql import GroupedRow
from gridcare.monitoring.metrics import ONLINE_CHANNELS
from gridcare.monitoring.rows import FactRow, Source

SECONDS_PER_MINUTE = 60.0


def _selector(app: str, module: str, name: str) -> Callable[..., list[GroupedRow]] | None:
    if not apps.is_installed(f"gridcare.{app}"):
        return None
    selector: Callable[..., list[GroupedRow]] = getattr(import_module(module), name)
    return selector


def _rows(
    app: str, module: str, name: str, start: dt.date, end: dt.date, **kw: str
) -> list[GroupedRow]:
    selector = _selector(app, module, name)
    return selector(start, end, **kw) if selector is not None else []


def _facts(
    metric: str, rows: Iterable[GroupedRow], *, channel: bool = True, key: bool = True
) -> list[FactRow]:
    """Grouped rows as facts of `metric`, as they are (rows without a unit are dropped:
    there is no org unit at all yet)."""
    facts = []
    for row in rows:
        if row.unit is None:
            continue
        facts.append(
            FactRow(
                day=row.day,
                metric=metric,
                org_unit_id=row.unit,
                channel=row.channel if channel else "",
                key=row.key if key else "",
                n=row.n,
                d=row.d,
                total=row.total,
            )
        )
    return facts


SERVICE = "gridcare.service.kpi_selectors"
CUSTOMERS = "gridcare.customers.kpi_selectors"


def orders_source(start: dt.date, end: dt.date) -> list[FactRow]:
    """orders, complaints, agent_orders."""
    return [
        *_facts("orders", _rows("service", SERVICE, "orders_by_day", start, end)),
        *_facts("complaints", _rows("service", SERVICE, "complaints_by_day", start, end)),
        *_facts(
            "agent_orders",
            _rows("service", SERVICE, "resolved_by_agent_by_day", start, end),
            channel=False,
        ),
    ]


def online_share_source(start: dt.date, end: dt.date) -> list[FactRow]:
    """online_share: n = applications from an online origin, d = all applications."""
    rows = _rows("service", SERVICE, "applications_by_day", start, end)
    return [
        fact._replace(n=fact.n if fact.channel in ONLINE_CHANNELS else 0, d=fact.n)
        for fact in _facts("online_share", rows)
    ]


def fcr_source(start: dt.date, end: dt.date) -> list[FactRow]:
    return _facts("fcr", _rows("service", SERVICE, "first_contact_by_day", start, end))


def sla_source(start: dt.date, end: dt.date) -> list[FactRow]:
    """sla_compliance, agent_sla, repair_arrival_on_time."""
    return [
        *_facts("sla_compliance", _rows("service", SERVICE, "sla_by_day", start, end)),
        *_facts("agent_sla", _rows("service", SERVICE, "agent_sla_by_day", start, end)),
        *_facts(
            "repair_arrival_on_time",
            _rows("service", SERVICE, "repair_on_time_by_day", start, end),
            channel=False,
        ),
    ]


def repair_times_source(start: dt.date, end: dt.date) -> list[FactRow]:
    """repair_arrival and repair_restoration in minutes (the selectors sum seconds)."""
    facts = []
    for metric, clock in (
        ("repair_arrival", "repair_arrival"),
        ("repair_restoration", "repair_restoration"),
    ):
        rows = _rows("service", SERVICE, "repair_times_by_day", start, end, clock=clock)
        facts += [
            fact._replace(total=fact.total / SECONDS_PER_MINUTE)
            for fact in _facts(metric, rows, channel=False)
        ]
    return facts


def ratings_source(start: dt.date, end: dt.date) -> list[FactRow]:
    """csat (n satisfied of d rated) and csat_score (Σ rating over n rated)."""
    rows = _rows("service", SERVICE, "ratings_by_day", start, end)
    csat = _facts("csat", rows)
    scores = [fact._replace(metric="csat_score", n=fact.d, d=0) for fact in csat]
    return [*[fact._replace(total=0.0) for fact in csat], *scores]


def contacts_source(start: dt.date, end: dt.date) -> list[FactRow]:
    """contacts (n = inbound contacts) and repeat_contacts (n repeats of d contacts), from
    one grouped scan of the contacts."""
    rows = _rows("customers", CUSTOMERS, "contacts_by_day", start, end)
    return [
        *[fact._replace(n=fact.d, d=0) for fact in _facts("contacts", rows)],
        *_facts("repeat_contacts", rows, key=False),
    ]


def hall_source(start: dt.date, end: dt.date) -> list[FactRow]:
    """hall_wait and hall_service (seconds)."""
    facts = []
    for metric, field in (("hall_wait", "wait_seconds"), ("hall_service", "service_seconds")):
        rows = _rows("customers", CUSTOMERS, "hall_times_by_day", start, end, field=field)
        facts += _facts(metric, rows, channel=False, key=False)
    return facts


def customers_source(start: dt.date, end: dt.date) -> list[FactRow]:
    """customers: accounts in service per unit, one snapshot row per day."""
    rows = _rows("customers", CUSTOMERS, "accounts_in_service_by_day", start, end)
    return _facts("customers", rows, channel=False, key=False)


def assistant_source(start: dt.date, end: dt.date) -> list[FactRow]:
    """bot_containment and bot_handoffs."""
    module = "gridcare.assistant.selectors.kpis"
    return [
        *_facts("bot_containment", _rows("assistant", module, "sessions_by_day", start, end)),
        *_facts("bot_handoffs", _rows("assistant", module, "handoffs_by_day", start, end)),
    ]


def notify_source(start: dt.date, end: dt.date) -> list[FactRow]:
    rows = _rows("notify", "gridcare.notify.kpi_selectors", "deliveries_by_day", start, end)
    return _facts("notify_delivery", rows, key=False)


def payments_source(start: dt.date, end: dt.date) -> list[FactRow]:
    """payments (n) and payment_amount (Σ yuan over n payments)."""
    rows = _rows("billing", "gridcare.billing.selectors.kpis", "payments_by_day", start, end)
    payments = _facts("payments", rows, key=False)
    return [
        *[fact._replace(total=0.0) for fact in payments],
        *[fact._replace(metric="payment_amount") for fact in payments],
    ]


SOURCES: list[Source] = [
    orders_source,
    online_share_source,
    fcr_source,
    sla_source,
    repair_times_source,
    ratings_source,
    contacts_source,
    hall_source,
    customers_source,
    assistant_source,
    notify_source,
    payments_source,
]
