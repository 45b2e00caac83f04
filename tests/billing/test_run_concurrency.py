"""A billing run beside payments posting on the same accounts, and two runs of one month at
once, in real transactions on PostgreSQL: the ledger always balances, nothing is billed
twice. Also the run as a background task."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection

from gridcare.billing.choices import BillStatus, LedgerKind
from gridcare.billing.models import Bill, BillingProfile, LedgerEntry, TariffAssignment
from gridcare.billing.services.ledger import ledger_check, ledger_post
from gridcare.billing.services.run import billing_run
from gridcare.billing.tasks import billing_run_task
from gridcare.core.errors import Conflict
from gridcare.customers.models import Account
from gridcare.testing.personas import World, build_world

from .readings import Readings
from .run_support import JAN, NOV, TODAY
from .run_support import readings as readings

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks; SQLite serialises whole writes"
)


@pytest.fixture
def committed(transactional_db: None) -> Iterator[World]:
    world = build_world()
    Account.objects.update(opened_on=JAN)
    TariffAssignment.objects.update(since=JAN)
    with time_machine.travel(TODAY, tick=False):
        yield world


def _threads(*targets: Callable[[], Any]) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(target: Callable[[], Any]) -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@postgres_only
def test_payments_posted_during_a_run_keep_the_ledger_balanced(
    committed: World, readings: Readings
) -> None:
    account = committed.account_a

    def pay() -> None:
        for n in range(40):
            ledger_post(
                account=account, kind=LedgerKind.PAYMENT, amount=Decimal("1.00"), key=f"p{n}"
            )

    assert _threads(lambda: billing_run(period=NOV, usage=readings), pay) == []
    bill = Bill.objects.get(account=account)
    assert BillingProfile.objects.get(account=account).balance == Decimal("40.00") - bill.total
    assert all(ledger_check(account=a) for a in Account.objects.all())


@postgres_only
def test_two_runs_of_a_month_at_once_bill_each_account_once(
    committed: World, readings: Readings
) -> None:
    errors = _threads(*[lambda: billing_run(period=NOV, usage=readings)] * 2)
    assert all(isinstance(e, Conflict) for e in errors), errors
    assert Bill.objects.count() == 3
    assert Bill.objects.filter(status=BillStatus.CANCELLED).count() == 0
    assert LedgerEntry.objects.count() == 3
    assert all(ledger_check(account=a) for a in Account.objects.all())


def test_the_task_bills_the_month_it_is_given(
    committed: World, settings: Any, tmp_path: Any
) -> None:
    settings.WAREHOUSE_ROOT = tmp_path / "warehouse"  # no readings at all: every meter held
    result = billing_run_task.call("2026-11")
    assert result["period"] == "2026-11"
    assert (result["billed"], result["held"]) == (0, 3)
    assert result["total"] == "0.00"
