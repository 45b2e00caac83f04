"""The prepaid (费控) daily estimate, framework-free.

Rule (docs/architecture.md "Billing: arrears and prepaid"): a day's deduction is the
marginal cost of its kWh in the month so far — the month's lines priced on the usage up to
and including the day, minus the same on the usage before it, both with the full month's
thresholds (`price_month` on a whole-month period). A ladder therefore charges tier 1 until
the month's usage passes the tier's threshold, tier 2 after, exactly as the bill will, and
the deductions of a month with unchanged readings and tariff add up to the bill's energy,
ladder and fund lines to the fen (the rounded totals telescope). Not estimated: the basic
charge of two-part tariffs (the monthly bill settles it) and a mid-month tariff change's
pro-rating (each day is priced with the version in force on it).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from gridcare.billing.engine.money import ZERO, kwh
from gridcare.billing.engine.tariff import BUCKETS, Context, Period, TariffSpec, price_month, total


def month_cost(
    *, spec: TariffSpec, month: dt.date, usage: Mapping[str, Decimal], context: Context
) -> Decimal:
    """The month's total (¥, each line rounded) for `usage` kWh per TOU bucket."""
    buckets = {b: kwh(usage.get(b, ZERO)) for b in BUCKETS}
    if not any(buckets.values()):
        return ZERO
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    period = Period(start=month, end=last, spec=spec, kwh=buckets)
    return total(price_month(month=month, periods=[period], context=context))


def day_cost(
    *,
    spec: TariffSpec,
    day: dt.date,
    before: Mapping[str, Decimal],
    today: Mapping[str, Decimal],
    context: Context,
) -> Decimal:
    """The cost of `today`'s kWh after `before` kWh earlier in the same month (≥ 0)."""
    month = day.replace(day=1)
    after = {b: before.get(b, ZERO) + today.get(b, ZERO) for b in BUCKETS}
    with_day = month_cost(spec=spec, month=month, usage=after, context=context)
    return with_day - month_cost(spec=spec, month=month, usage=before, context=context)
