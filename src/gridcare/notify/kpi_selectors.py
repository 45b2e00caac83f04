"""Notification aggregates for the monitoring rollup (docs/kpis.md), grouped by SQL per
local day, org unit, channel and key (core.kpi_sql).

A notification counts on the local day it was enqueued, for the supply unit of its
account, else of the customer's first account, else the root bureau.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BigIntegerField, Count, F, Q, Value
from django.db.models.functions import Coalesce

from gridcare.core.kpi_sql import GroupedRow, day_window, grouped, local_day, root_unit_id
from gridcare.customers.kpi_selectors import customer_unit
from gridcare.notify.choices import NotificationStatus
from gridcare.notify.models import Notification

#: Where a delivery attempt ended. Queued, deferred, sending and retrying messages are
#: still under way (the next rebuild counts them); suppressed ones were never attempted.
FINISHED = (NotificationStatus.SENT, NotificationStatus.FAILED)


def deliveries_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Notifications enqueued per local day whose delivery finished: channel = the
    notification's channel, n = sent (handed to the gateway), d = sent + failed."""
    low, high = day_window(start, end)
    notifications = Notification.objects.filter(
        created_at__gte=low, created_at__lt=high, status__in=FINISHED
    )
    unit = Coalesce(
        F("account__supply_unit_id"),
        customer_unit(),
        Value(root_unit_id()),
        output_field=BigIntegerField(),
    )
    return grouped(
        notifications,
        day=local_day("created_at"),
        unit=unit,
        channel=F("channel"),
        n=Count("pk", filter=Q(status=NotificationStatus.SENT)),
        d=Count("pk"),
    )
