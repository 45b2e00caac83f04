"""Contact and customer aggregates for the monitoring rollup (docs/kpis.md), grouped by SQL
per local day, org unit, channel and key (core.kpi_sql).

A contact counts for the supply unit of the account it was about; without one, for the
unit of the customer's first account; a customer with no account at all (a caller not
yet identified) counts for the root bureau, so every contact is counted somewhere.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from gridcare.core.kpi_sql import GroupedRow, day_window, grouped, local_day, root_unit_id
from gridcare.customers.choices import AccountStatus, InteractionChannel, InteractionDirection
from gridcare.customers.models import Account, Interaction

#: A contact is a repeat when the same customer contacted us within this many days before.
REPEAT_WINDOW = dt.timedelta(days=30)


def customer_unit(customer_field: str = "customer_id") -> Subquery:
    """The supply unit of the customer's first account (SQL, for an outer row)."""
    first = Account.objects.filter(customer_id=OuterRef(customer_field)).order_by("pk")
    return Subquery(first.values("supply_unit_id")[:1])


def contact_unit(root: int | None) -> Coalesce:
    return Coalesce(
        F("account__supply_unit_id"),
        customer_unit(),
        Value(root),
        output_field=BigIntegerField(),
    )


def _inbound(start: dt.date, end: dt.date) -> QuerySet[Interaction]:
    low, high = day_window(start, end)
    return Interaction.objects.filter(
        occurred_at__gte=low, occurred_at__lt=high, direction=InteractionDirection.INBOUND
    )


def contacts_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Inbound contacts (the customer reached us) per local day: channel = interaction
    channel, key = direction ("inbound"), d = contacts, n = repeats: contacts whose
    customer had another inbound contact in the 30 days before (an EXISTS on the
    (customer, -occurred_at) timeline index). One scan serves both the contact volume and
    the repeat rate. Outbound entries (notices sent, call-backs) are no contact volume;
    notify_delivery measures the notices."""
    before = Interaction.objects.filter(
        customer_id=OuterRef("customer_id"),
        direction=InteractionDirection.INBOUND,
        occurred_at__lt=OuterRef("occurred_at"),
        occurred_at__gte=OuterRef("occurred_at") - REPEAT_WINDOW,
    )
    contacts = _inbound(start, end).annotate(repeat=Exists(before))
    return grouped(
        contacts,
        day=local_day("occurred_at"),
        unit=contact_unit(root_unit_id()),
        channel=F("channel"),
        key=F("direction"),
        n=Count("pk", filter=Q(repeat=True)),
        d=Count("pk"),
    )


def hall_times_by_day(start: dt.date, end: dt.date, *, field: str) -> list[GroupedRow]:
    """Business-hall counter visits per local day that recorded `field` (`wait_seconds` or
    `service_seconds` in the visit's data): n = visits, total = Σ seconds. A visit counts
    for the clerk's unit (the hall), else as any contact."""
    low, high = day_window(start, end)
    visits = Interaction.objects.filter(
        occurred_at__gte=low,
        occurred_at__lt=high,
        channel=InteractionChannel.COUNTER,
        data__has_key=field,
    )
    unit = Coalesce(
        F("agent__org_unit_id"), contact_unit(root_unit_id()), output_field=BigIntegerField()
    )
    return grouped(
        visits,
        day=local_day("occurred_at"),
        unit=unit,
        n=Count("pk"),
        total=Sum(Cast(KT(f"data__{field}"), IntegerField())),
    )


def accounts_in_service_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Accounts in service on each day `start`…`end` per supply unit (a snapshot per
    day): opened on or before the day and not closed. The closing date is not recorded,
    so a closed account leaves every day's count, past days' included, on the next
    rebuild."""
    accounts = Account.objects.exclude(status=AccountStatus.CLOSED)
    base = dict(
        accounts.filter(opened_on__lte=start)
        .values("supply_unit_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("supply_unit_id", "n")
    )
    opened = (
        accounts.filter(opened_on__gt=start, opened_on__lte=end)
        .values("supply_unit_id", "opened_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    added: dict[tuple[dt.date, int], int] = {
        (row["opened_on"], row["supply_unit_id"]): row["n"] for row in opened
    }
    units = set(base) | {unit for _, unit in added}
    running = {unit: base.get(unit, 0) for unit in units}
    rows = []
    for offset in range((end - start).days + 1):
        day = start + dt.timedelta(days=offset)
        for unit in units:
            running[unit] += added.get((day, unit), 0) if offset else 0
            if running[unit]:
                rows.append(GroupedRow(day=day, unit=unit, channel="", key="", n=running[unit]))
    return rows
