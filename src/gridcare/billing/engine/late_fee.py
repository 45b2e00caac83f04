"""The late-payment fee (电费违约金, domain-facts §3.1), framework-free.

Rule: the fee accrues each day from the day after the due date up to and including the day
of payment, on the part of the bill still unpaid that day. Residential bills accrue the
residential rate (1‰); other bills the current-year rate (2‰) while the arrears are of the
day's year, and the carried-over rate (3‰) on days of a later year than the one the arrears
arose in (the day after the due date). A bill's fee is kept exact and rounded half-up to the
fen only when shown or posted; a fee above zero but below the minimum (¥1) is charged as
the minimum once the bill is paid in full.

Because a payment of x on day P ends the accrual of x after day P, the fee of a bill is
Σ over its payments of x × factor(due, P), plus the still-unpaid part × factor(due, today):
`factor` is the sum of the daily rates, so the fee can be settled payment by payment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from gridcare.billing.engine.money import ZERO, fen

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class LateFeeRates:
    residential: Decimal  # per day
    current_year: Decimal  # non-residential, arrears of the day's year
    carried_over: Decimal  # non-residential, arrears from an earlier year
    minimum: Decimal  # a bill's fee below this (and above zero) is charged as this


def factor(*, rates: LateFeeRates, residential: bool, due: dt.date, through: dt.date) -> Decimal:
    """Σ of the daily rates from the day after `due` to `through` inclusive (0 if not yet
    overdue): the fee of ¥1 left unpaid over that time."""
    if through <= due:
        return ZERO
    days = (through - due).days
    if residential:
        return rates.residential * days
    arrears_year = (due + ONE_DAY).year
    # Days of the arrears' own year at the current-year rate, later days carried over.
    year_end = dt.date(arrears_year, 12, 31)
    current_days = (min(through, year_end) - due).days
    return rates.current_year * current_days + rates.carried_over * (days - current_days)


def fee_shown(accrued: Decimal, *, minimum: Decimal) -> Decimal:
    """A bill's exact fee as charged: to the fen, and at least the minimum when above zero."""
    if accrued <= 0:
        return ZERO
    return max(fen(accrued), minimum)
