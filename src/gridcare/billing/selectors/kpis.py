"""Payment aggregates for the monitoring rollup (docs/kpis.md), grouped by SQL per local
day, org unit, channel and key (core.kpi_sql)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Sum

from gridcare.billing.choices import PaymentStatus
from gridcare.billing.models import Payment
from gridcare.core.kpi_sql import GroupedRow, day_window, grouped, local_day

#: A payment that went through; a later refund does not undo that it was paid that day.
SUCCEEDED = (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)


def payments_by_day(start: dt.date, end: dt.date) -> list[GroupedRow]:
    """Payments succeeded per local day (by `paid_at`), for the account's supply unit:
    channel = provider (WeChat Pay, Alipay, bank transfer, counter cash), n = payments,
    total = Σ amount in yuan."""
    low, high = day_window(start, end)
    payments = Payment.objects.filter(paid_at__gte=low, paid_at__lt=high, status__in=SUCCEEDED)
    return grouped(
        payments,
        day=local_day("paid_at"),
        unit=F("account__supply_unit_id"),
        channel=F("provider"),
        n=Count("pk"),
        total=Sum("amount"),
    )
