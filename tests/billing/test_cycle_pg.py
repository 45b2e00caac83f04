"""The cycle under concurrency, each actor on its own database connection (PostgreSQL):
a payment applied while the daily run decides on the same account never leaves a cleared
account with a disconnection and no reconnection; two daily runs at once deduct and notify
once; two service workers at once open one order per request.

SQLite serialises writers for the whole database, so these races cannot happen there; the
suite's PostgreSQL pass runs them.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from gridcare.billing.choices import BillingEventKind, LedgerKind
from gridcare.billing.models import BillingEvent, LedgerEntry
from gridcare.billing.selectors.cycle import account_arrears
from gridcare.billing.services.cycle import cycle_run
from gridcare.service.models import WorkOrder
from gridcare.service.services.billing_orders import billing_requests_handle
from gridcare.testing.personas import World
from tests.billing.cycle_support import Readings, bill_issue, on, opened_since_2025, pay, run

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite locks the whole database per writer: nothing to race",
    ),
]

DUE = dt.date(2026, 11, 15)


@pytest.fixture
def cycle_world(world: World) -> World:
    return opened_since_2025(world)


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at once, one thread (and connection) each, released by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def go(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # reported by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not [r for r in results if isinstance(r, Exception)], results
    return results


def kinds(world: World) -> list[str]:
    return list(
        BillingEvent.objects.filter(account=world.account_a)
        .order_by("id")
        .values_list("kind", flat=True)
    )


@pytest.mark.parametrize("attempt", range(3))
def test_a_payment_racing_the_planned_date_never_strands_the_account(
    cycle_world: World, attempt: int
) -> None:
    world = cycle_world
    bill_issue(
        world.account_a,
        period=dt.date(2026, 10, 1),
        total="300.00",
        due=DUE,
        tariff_code="GZ-RES-TIER",
    )
    planned = DUE + dt.timedelta(days=37)
    for n in (1, 10, 30):
        run(DUE + dt.timedelta(days=n))
    owed = account_arrears(account=world.account_a, today=planned).total

    # One clock for both threads (time-machine moves the whole process).
    with on(planned, hour=1):
        together(
            lambda: cycle_run(today=planned),
            lambda: pay(world.account_a, str(owed), "P1"),
        )
    seen = kinds(world)
    # Either the run saw the payment (no request), or the payment saw the request and
    # asked for the supply back at once.
    if BillingEventKind.DISCONNECT_REQUESTED in seen:
        assert seen[-1] == BillingEventKind.RECONNECT_REQUESTED
    else:
        assert BillingEventKind.RECONNECT_REQUESTED not in seen


def test_two_daily_runs_at_once_deduct_and_notify_once(cycle_world: World) -> None:
    world = cycle_world
    nov = dt.date(2026, 11, 1)
    readings = Readings()
    readings.put("MB0001", nov, flat="30")
    with on(nov.replace(day=2), hour=1):
        together(
            lambda: cycle_run(today=nov.replace(day=2), reader=readings),
            lambda: cycle_run(today=nov.replace(day=2), reader=readings),
        )
    assert LedgerEntry.objects.filter(kind=LedgerKind.DEDUCTION).count() == 1
    crossed = BillingEvent.objects.filter(account=world.account_b, kind="low_balance")
    assert crossed.count() == 3  # below 50, 20 and 0, each once


def test_two_service_workers_open_one_order_per_request(cycle_world: World) -> None:
    world = cycle_world
    bill_issue(
        world.account_a,
        period=dt.date(2026, 10, 1),
        total="300.00",
        due=DUE,
        tariff_code="GZ-RES-TIER",
    )
    for n in (1, 10, 30, 37):
        run(DUE + dt.timedelta(days=n))
    handled = together(billing_requests_handle, billing_requests_handle)
    assert sorted(handled) == [0, 1]
    assert WorkOrder.objects.count() == 1
    request = BillingEvent.objects.get(kind=BillingEventKind.DISCONNECT_REQUESTED)
    assert request.order_number == WorkOrder.objects.get().number
