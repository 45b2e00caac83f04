"""A cancel-and-rebill pair nets to the difference on the ledger, whatever the two months'
usage and whatever was paid in between (hypothesis, on the database)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridcare.billing.choices import LedgerKind
from gridcare.billing.models import LedgerEntry
from gridcare.billing.services.ledger import ledger_check, ledger_post
from gridcare.billing.services.run import billing_run
from gridcare.customers.models import Account
from gridcare.testing.personas import World

from .readings import Readings
from .run_support import balance, live_bill
from .run_support import billed as billed

pytestmark = pytest.mark.django_db

usage = st.decimals(min_value=0, max_value=3000, places=1).map(float)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(first=usage, second=usage, paid=st.decimals(min_value=0, max_value=2000, places=2))
def test_a_rebill_and_its_cancellation_net_to_the_difference(
    billed: World, first: float, second: float, paid: Decimal
) -> None:
    month = next(_months)
    account = billed.account_a
    Account.objects.filter(pk=account.pk).update(opened_on=dt.date(2017, 7, 1))
    readings = Readings()
    readings.month("MA0001", month, flat=first)
    billing_run(period=month, usage=readings)
    original = live_bill(account, month)
    if paid:
        ledger_post(account=account, kind=LedgerKind.PAYMENT, amount=paid, key=f"pay:{month}")
    before = balance(account)
    readings.month("MA0001", month, flat=second)
    billing_run(period=month, usage=readings)
    rebill = live_bill(account, month)
    assert balance(account) - before == -(rebill.total - original.total)
    month_bills = LedgerEntry.objects.filter(bill__period=month, account=account)
    assert sum(e.amount for e in month_bills) == -rebill.total
    assert ledger_check(account=account)


def _months_back() -> Iterator[dt.date]:
    """November 2026, October 2026, … (every one has ended by the pinned "today")."""
    for n in itertools.count():
        index = 2026 * 12 + 10 - n
        yield dt.date(index // 12, index % 12 + 1, 1)


# One month per example: the database is shared between a test's examples.
_months = _months_back()
