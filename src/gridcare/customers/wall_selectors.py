"""Live contact counts for the duty wall (值班大屏): today's contacts by channel.

A contact belongs to the reader's scope when its account is supplied by a unit within it,
or, for a contact recorded without an account, when its customer holds an account there
(the same rule as `selectors.customers_visible_to`, without its permission check: the
wall shows counts, never a customer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from gridcare.core.models import User
from gridcare.core.selectors import org_units_in_scope
from gridcare.customers.choices import InteractionDirection
from gridcare.customers.models import Account, Interaction

CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    inbound: int
    total: int


def contacts_on_day_by_channel(*, user: User, day: dt.date) -> list[ChannelCount]:
    """Contacts on Beijing day `day` within the reader's scope, per channel, most first."""
    start = dt.datetime(day.year, day.month, day.day, tzinfo=CHINA)
    scope = org_units_in_scope(user)
    customers = Account.objects.filter(supply_unit__in=scope).values("customer_id")
    rows = (
        Interaction.objects.filter(
            occurred_at__gte=start, occurred_at__lt=start + dt.timedelta(days=1)
        )
        .filter(
            Q(account__supply_unit__in=scope) | Q(account__isnull=True, customer_id__in=customers)
        )
        .values("channel")
        .annotate(
            total=Count("pk"), inbound=Count("pk", filter=Q(direction=InteractionDirection.INBOUND))
        )
        .order_by("-total", "channel")
    )
    return [ChannelCount(r["channel"], r["inbound"], r["total"]) for r in rows]
